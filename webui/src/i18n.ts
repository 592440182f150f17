// Korean and English strings of the web UI (S9; SPEC: "the UI speaks Korean and English").
// English is the reference dictionary: the Korean one is typed against its keys, so a string
// added to one language and forgotten in the other is a compile error, not a blank label.
// The language defaults to the browser's, and the operator's choice is remembered per browser.
import { ACCOUNTS_EN, ACCOUNTS_KO } from './i18n-accounts.js';
import { ALERTING_EN, ALERTING_KO } from './i18n-alerting.js';
import { CHECKS_EN, CHECKS_KO } from './i18n-checks.js';
import { COMPARE_EN, COMPARE_KO } from './i18n-compare.js';
import { FLEET_EN, FLEET_KO } from './i18n-fleet.js';
import { OVERVIEW_EN, OVERVIEW_KO } from './i18n-overview.js';
import { STATS_EN, STATS_KO } from './i18n-stats.js';
import { FAMILIES_EN, FAMILIES_KO } from './i18n-families.js';
import { WALLS_EN, WALLS_KO } from './i18n-walls.js';
import { ADMIN_EN, ADMIN_KO } from './i18n-admin.js';
import { FEDERATION_EN, FEDERATION_KO } from './i18n-federation.js';
import { REDUNDANCY_EN, REDUNDANCY_KO } from './i18n-redundancy.js';
import { FILES_EN, FILES_KO } from './i18n-files.js';
import { WEBLOG_EN, WEBLOG_KO } from './i18n-weblog.js';
import { MAINTENANCE_EN, MAINTENANCE_KO } from './i18n-maintenance.js';

export type Lang = 'en' | 'ko';
export const LANGS: readonly Lang[] = ['en', 'ko'];

/** BCP 47 tags for Intl formatting; Korean operators read 24-hour times and y-m-d dates. */
export const LOCALE_OF: Record<Lang, string> = { en: 'en-US', ko: 'ko-KR' };

const en = {
  ...ALERTING_EN,
  ...ACCOUNTS_EN,
  ...FLEET_EN,
  ...CHECKS_EN,
  ...OVERVIEW_EN,
  ...STATS_EN,
  ...COMPARE_EN,
  ...FAMILIES_EN,
  ...WALLS_EN,
  ...ADMIN_EN,
  ...FEDERATION_EN,
  ...REDUNDANCY_EN,
  ...FILES_EN,
  ...WEBLOG_EN,
  ...MAINTENANCE_EN,
  'app.subtitle': 'Server monitoring',
  'app.loading': 'Connecting to the appliance…',
  'app.loadingScreen': 'Loading…',
  'lang.label': 'Language',
  'lang.en': 'English',
  'lang.ko': '한국어',
  'health.ok': 'Appliance OK',
  'health.degraded': 'Appliance degraded',
  'health.unknown': 'Appliance status unknown',
  'clock.unsynced': 'Clock unsynchronised',
  'selfWatch.summary': 'Self-watch: {n}',
  'selfWatch.pending': 'pending',
  'selfWatch.plannedRestart': 'Planned restart until {until}: {reason}',
  'clock.unsyncedTitle': 'The appliance clock is not synchronised: times it shows and gives alerts may be off. Last known time: {last}',
  'stream.open': 'Live',
  'stream.connecting': 'Connecting…',
  'stream.reconnecting': 'Reconnecting…',
  'stream.lost': 'Lost the connection to the appliance. Reconnecting…',
  'error.unreachable': 'The appliance is unreachable. Retrying in {s} s.',
  'error.retryNow': 'Retry now',
  'error.series': 'Could not load chart data ({reason}).',
  'error.detail': 'Could not load this server ({reason}).',
  'list.title': 'Servers',
  'list.count': '{shown} of {total}',
  'list.search': 'Search host name',
  'list.empty': 'No servers yet. Start an agent with the enrollment token to add one.',
  'list.noMatch': 'No server matches the filter.',
  'list.open': 'Open',
  'list.opened': 'Open on the dashboard',
  'list.cpu': 'CPU',
  'list.mem': 'Mem',
  'filter.all': 'All',
  'filter.online': 'Online',
  'filter.offline': 'Offline',
  'filter.unknown': 'Unknown',
  'status.online': 'Online',
  'status.offline': 'Offline',
  'status.unknown': 'Unknown',
  'time.lastSeen': 'Last seen {when}',
  'time.never': 'never',
  'dash.title': 'Dashboard',
  'dash.empty': 'Select one or more servers in the list to watch them side by side.',
  'dash.closeAll': 'Close all',
  'panel.close': 'Close',
  'panel.loading': 'Loading…',
  'panel.awaitingFirstData': 'Waiting for the agent\'s first data.',
  'panel.cores': '{n} cores',
  'panel.ram': '{size} RAM',
  'range.label': 'Time range',
  'range.live': 'Live',
  'range.1h': '1 h',
  'range.1d': '1 day',
  'range.1w': '1 week',
  'range.1m': '1 month',
  'range.1y': '1 year',
  'chart.cpu': 'CPU',
  'chart.memory': 'Memory',
  'chart.disk': 'Disk',
  'chart.network': 'Network',
  'chart.noData': 'No data yet',
  'chart.forecastBand': 'Usual range: the forecast ± {n} deviations (baseline rule)',
  'chart.time': 'Time',
  'cpu.user': 'user',
  'cpu.system': 'system',
  'cpu.iowait': 'I/O wait',
  'cpu.steal': 'steal',
  'mem.used': 'used',
  'mem.available': 'available',
  'mem.cached': 'cached',
  'mem.swap_used': 'swap used',
  'disk.fullest': 'Used space of {mount} (fullest filesystem)',
  'disk.used': 'used',
  'disk.size': 'size',
  'disk.mount': 'Mount point',
  'disk.usage': 'Used',
  'disk.space': 'Used / size',
  'disk.usedOfSize': '{used} of {size}',
  'disk.none': 'No filesystems reported yet',
  'smart.title': 'Disk health',
  'smart.device': 'Drive',
  'smart.status': 'Status',
  'smart.failing': 'Failing',
  'smart.passed': 'Passed',
  'smart.unknown': 'Temperature only',
  'smart.reallocated': 'Realloc.',
  'smart.pending': 'Pending',
  'smart.mediaErrors': 'Media err.',
  'smart.used': 'Wear',
  'smart.temperature': 'Temp.',
  'net.rx': '{iface} in',
  'net.tx': '{iface} out',
  'net.none': 'No network interfaces reported yet',
} as const;

export type MessageKey = keyof typeof en;

const ko: Record<MessageKey, string> = {
  ...ALERTING_KO,
  ...ACCOUNTS_KO,
  ...FLEET_KO,
  ...CHECKS_KO,
  ...OVERVIEW_KO,
  ...STATS_KO,
  ...COMPARE_KO,
  ...FAMILIES_KO,
  ...WALLS_KO,
  ...ADMIN_KO,
  ...FEDERATION_KO,
  ...REDUNDANCY_KO,
  ...FILES_KO,
  ...WEBLOG_KO,
  ...MAINTENANCE_KO,
  'app.subtitle': '서버 모니터링',
  'app.loading': '어플라이언스에 연결하는 중…',
  'app.loadingScreen': '불러오는 중…',
  'lang.label': '언어',
  'lang.en': 'English',
  'lang.ko': '한국어',
  'health.ok': '어플라이언스 정상',
  'health.degraded': '어플라이언스 성능 저하',
  'health.unknown': '어플라이언스 상태 알 수 없음',
  'clock.unsynced': '시계 동기화 안 됨',
  'selfWatch.summary': '자체 감시: {n}',
  'selfWatch.pending': '대기 중',
  'selfWatch.plannedRestart': '계획된 재시작 ({until}까지): {reason}',
  'clock.unsyncedTitle': '어플라이언스 시계가 동기화되지 않았습니다: 표시되는 시각과 경보 시각이 틀릴 수 있습니다. 마지막으로 알던 시각: {last}',
  'stream.open': '실시간',
  'stream.connecting': '연결 중…',
  'stream.reconnecting': '다시 연결하는 중…',
  'stream.lost': '어플라이언스와의 연결이 끊겼습니다. 다시 연결하는 중…',
  'error.unreachable': '어플라이언스에 연결할 수 없습니다. {s}초 후 다시 시도합니다.',
  'error.retryNow': '지금 다시 시도',
  'error.series': '차트 데이터를 불러오지 못했습니다 ({reason}).',
  'error.detail': '이 서버 정보를 불러오지 못했습니다 ({reason}).',
  'list.title': '서버',
  'list.count': '{total}대 중 {shown}대',
  'list.search': '호스트 이름 검색',
  'list.empty': '아직 서버가 없습니다. 등록 토큰으로 에이전트를 시작하면 추가됩니다.',
  'list.noMatch': '필터에 맞는 서버가 없습니다.',
  'list.open': '열기',
  'list.opened': '대시보드에 열려 있음',
  'list.cpu': 'CPU',
  'list.mem': '메모리',
  'filter.all': '전체',
  'filter.online': '온라인',
  'filter.offline': '오프라인',
  'filter.unknown': '알 수 없음',
  'status.online': '온라인',
  'status.offline': '오프라인',
  'status.unknown': '알 수 없음',
  'time.lastSeen': '마지막 수신 {when}',
  'time.never': '없음',
  'dash.title': '대시보드',
  'dash.empty': '목록에서 서버를 하나 이상 선택하면 나란히 볼 수 있습니다.',
  'dash.closeAll': '모두 닫기',
  'panel.close': '닫기',
  'panel.loading': '불러오는 중…',
  'panel.awaitingFirstData': '에이전트의 첫 데이터를 기다리는 중입니다.',
  'panel.cores': '{n}코어',
  'panel.ram': '메모리 {size}',
  'range.label': '기간',
  'range.live': '실시간',
  'range.1h': '1시간',
  'range.1d': '1일',
  'range.1w': '1주',
  'range.1m': '1개월',
  'range.1y': '1년',
  'chart.cpu': 'CPU',
  'chart.memory': '메모리',
  'chart.disk': '디스크',
  'chart.network': '네트워크',
  'chart.noData': '아직 데이터가 없습니다',
  'chart.forecastBand': '평소 범위: 예측값 ± 편차 {n}배 (기준선 규칙)',
  'chart.time': '시간',
  'cpu.user': '사용자',
  'cpu.system': '시스템',
  'cpu.iowait': 'I/O 대기',
  'cpu.steal': '스틸',
  'mem.used': '사용',
  'mem.available': '가용',
  'mem.cached': '캐시',
  'mem.swap_used': '스왑 사용',
  'disk.fullest': '{mount} 사용량 (가장 많이 찬 파일시스템)',
  'disk.used': '사용',
  'disk.size': '크기',
  'disk.mount': '마운트 위치',
  'disk.usage': '사용률',
  'disk.space': '사용량 / 크기',
  'disk.usedOfSize': '{size} 중 {used}',
  'disk.none': '아직 보고된 파일시스템이 없습니다',
  'smart.title': '디스크 상태',
  'smart.device': '드라이브',
  'smart.status': '상태',
  'smart.failing': '이상',
  'smart.passed': '정상',
  'smart.unknown': '온도만 보고',
  'smart.reallocated': '재할당',
  'smart.pending': '보류',
  'smart.mediaErrors': '미디어 오류',
  'smart.used': '수명',
  'smart.temperature': '온도',
  'net.rx': '{iface} 수신',
  'net.tx': '{iface} 송신',
  'net.none': '아직 보고된 네트워크 인터페이스가 없습니다',
};

const DICTIONARIES: Record<Lang, Record<MessageKey, string>> = { en, ko };

export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

/** Callers format numbers before passing them: the dictionary only places them. */
export function translate(lang: Lang, key: MessageKey, params?: Params): string {
  const text = DICTIONARIES[lang][key];
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    return v === undefined ? whole : String(v);
  });
}

export function isLang(v: unknown): v is Lang {
  return v === 'en' || v === 'ko';
}

const STORAGE_KEY = 'rackwatch.lang';

/** The remembered choice first, then the browser's language; English for everything not Korean. */
export function initialLang(storage: Pick<Storage, 'getItem'> | null, browserLanguage: string | undefined): Lang {
  try {
    const saved = storage?.getItem(STORAGE_KEY);
    if (isLang(saved)) return saved;
  } catch {
    // storage can throw when the browser blocks it (privacy settings); the default still works
  }
  return browserLanguage?.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

export function rememberLang(storage: Pick<Storage, 'setItem'> | null, lang: Lang): void {
  try {
    storage?.setItem(STORAGE_KEY, lang);
  } catch {
    // not remembered across visits, but the switch itself still applies to this page
  }
}
