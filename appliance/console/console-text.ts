// Every word the console shows, in Korean and English (D5, B7). A missing translation is a type
// error: each entry has both.
export type Lang = 'ko' | 'en';

const TEXT = {
  title: { en: 'rackwatch console', ko: 'rackwatch 콘솔' },
  applianceUp: { en: 'appliance running', ko: '어플라이언스 동작 중' },
  applianceDown: { en: 'APPLIANCE DOWN', ko: '어플라이언스 중지됨' },
  downExplain: { en: 'The appliance does not answer. Network, logs, clock and factory reset still work.', ko: '어플라이언스가 응답하지 않습니다. 네트워크, 로그, 시계, 공장 초기화는 사용할 수 있습니다.' },
  menu: { en: 'Choose', ko: '선택' },
  status: { en: 'Status', ko: '상태' },
  network: { en: 'Network', ko: '네트워크' },
  modem: { en: 'Modem', ko: '모뎀' },
  alarms: { en: 'Alarms', ko: '경보' },
  accounts: { en: 'Admin password / setup code', ko: '관리자 비밀번호 / 설정 코드' },
  clock: { en: 'Clock', ko: '시계' },
  logs: { en: 'Log', ko: '로그' },
  factoryReset: { en: 'Factory reset', ko: '공장 초기화' },
  language: { en: '한국어', ko: 'English' },
  quit: { en: 'Quit', ko: '종료' },
  back: { en: 'Back', ko: '뒤로' },
  refresh: { en: 'Refresh', ko: '새로 고침' },
  health: { en: 'Health', ko: '상태 점검' },
  healthOk: { en: 'OK', ko: '정상' },
  healthDegraded: { en: 'DEGRADED', ko: '저하됨' },
  agents: { en: 'Agents', ko: '에이전트' },
  online: { en: 'online', ko: '온라인' },
  offline: { en: 'offline', ko: '오프라인' },
  firing: { en: 'firing', ko: '발생' },
  acknowledged: { en: 'acknowledged', ko: '확인됨' },
  noAlarms: { en: 'No open alarms.', ko: '열린 경보가 없습니다.' },
  ack: { en: 'Acknowledge', ko: '확인 처리' },
  ackWhich: { en: 'Alarm number to acknowledge', ko: '확인할 경보 번호' },
  ackDone: { en: 'Acknowledged alarm', ko: '경보를 확인 처리했습니다' },
  current: { en: 'Configured', ko: '설정' },
  live: { en: 'Now', ko: '현재' },
  dhcp: { en: 'Use DHCP', ko: 'DHCP 사용' },
  staticAddr: { en: 'Set a static address', ko: '고정 주소 설정' },
  address: { en: 'Address (e.g. 192.168.1.20/24)', ko: '주소 (예: 192.168.1.20/24)' },
  gateway: { en: 'Gateway (empty: none)', ko: '게이트웨이 (비우면 없음)' },
  dns: { en: 'DNS servers (empty: none)', ko: 'DNS 서버 (비우면 없음)' },
  applied: { en: 'Applied. Keep these settings? They are undone in', ko: '적용했습니다. 유지하시겠습니까? 자동 복구까지' },
  seconds: { en: 's', ko: '초' },
  keep: { en: 'Keep', ko: '유지' },
  revert: { en: 'Undo now', ko: '지금 되돌리기' },
  kept: { en: 'The new network settings are kept.', ko: '새 네트워크 설정을 유지합니다.' },
  reverted: { en: 'Not confirmed: the previous network settings are back.', ko: '확인하지 않아 이전 네트워크 설정으로 되돌렸습니다.' },
  problems: { en: 'Not applied:', ko: '적용하지 않음:' },
  signal: { en: 'Signal', ko: '신호' },
  registration: { en: 'Registration', ko: '망 등록' },
  operator: { en: 'Operator', ko: '통신사' },
  queue: { en: 'Queue', ko: '대기열' },
  sentTotal: { en: 'sent', ko: '발송' },
  testSms: { en: 'Send a test SMS', ko: '시험 SMS 보내기' },
  smsTo: { en: 'Phone number', ko: '전화번호' },
  smsQueued: { en: 'Test SMS queued as #', ko: '시험 SMS를 대기열에 넣었습니다 #' },
  resetPassword: { en: 'Reset a password', ko: '비밀번호 재설정' },
  showSetupCode: { en: 'Show the first-admin setup code', ko: '첫 관리자 설정 코드 보기' },
  userName: { en: 'User name', ko: '사용자 이름' },
  newPassword: { en: 'New password (shown once)', ko: '새 비밀번호 (한 번만 표시)' },
  setupCode: { en: 'Setup code', ko: '설정 코드' },
  noSetupCode: { en: 'No setup code: an admin account exists.', ko: '설정 코드 없음: 관리자 계정이 있습니다.' },
  systemTime: { en: 'This system', ko: '이 시스템' },
  applianceTime: { en: 'Appliance', ko: '어플라이언스' },
  synced: { en: 'Synchronised (NTP)', ko: '동기화 (NTP)' },
  yes: { en: 'yes', ko: '예' },
  no: { en: 'NO', ko: '아니오' },
  unknown: { en: 'unknown', ko: '알 수 없음' },
  noLog: { en: 'No log to show.', ko: '표시할 로그가 없습니다.' },
  resetWarn: { en: 'Erases every setting, account, server and stored sample. Type RESET to go on.', ko: '모든 설정, 계정, 서버, 저장된 데이터를 지웁니다. 계속하려면 RESET 을 입력하세요.' },
  resetType: { en: 'Type RESET', ko: 'RESET 입력' },
  resetCancelled: { en: 'Nothing was erased.', ko: '아무것도 지우지 않았습니다.' },
  resetDone: { en: 'Factory reset done.', ko: '공장 초기화를 마쳤습니다.' },
  resetRunning: { en: 'The appliance is running: stop it first (no --reset-command is configured).', ko: '어플라이언스가 동작 중입니다: 먼저 중지하세요 (--reset-command 미설정).' },
  failed: { en: 'Failed', ko: '실패' },
  pressKey: { en: 'Continue', ko: '계속' },
} as const satisfies Record<string, Record<Lang, string>>;

export type TextKey = keyof typeof TEXT;

export function text(lang: Lang, key: TextKey): string {
  return TEXT[key][lang];
}

/** The language of the console's locale (LANG / LC_ALL), Korean or English. */
export function langOf(env: NodeJS.ProcessEnv): Lang {
  return /^ko/i.test(env.LC_ALL || env.LC_MESSAGES || env.LANG || '') ? 'ko' : 'en';
}
