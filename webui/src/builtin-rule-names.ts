// The built-in alert rules' names in the UI's language (S4, S7). The appliance ships them with
// English names under stable ids (appliance/alerting/rules/rule-types.ts DEFAULT_RULES, and the
// pseudo-rules of lockouts, faults and series quotas in alert-engine.ts); the UI translates by id.
// A built-in rule an operator renamed keeps the operator's name.
import type { Lang } from './i18n.js';

const NAMES: Readonly<Record<string, { en: string; ko: string }>> = {
  'default-cpu-busy': { en: 'CPU busy', ko: 'CPU 사용률 높음' },
  'default-memory-used': { en: 'Memory used', ko: '메모리 사용량' },
  'default-swap-used': { en: 'Swap used', ko: '스왑 사용량' },
  'default-fs-used': { en: 'Filesystem used', ko: '파일 시스템 사용량' },
  'default-load-per-core': { en: 'Load per CPU core', ko: 'CPU 코어당 부하' },
  'default-agent-silent': { en: 'Agent silent', ko: '에이전트 응답 없음' },
  'default-disk-health': { en: 'Disk health failing', ko: '디스크 상태 이상' },
  'default-check-critical': { en: 'Check CRITICAL', ko: '점검 CRITICAL' },
  'security-lockout': { en: 'Sign-in locked after repeated failures', ko: '반복된 실패로 로그인 잠김' },
  'appliance-fault': { en: 'The appliance is degraded', ko: '어플라이언스 성능 저하' },
  'series-quota': { en: 'Samples refused: quota of RRD files reached', ko: '샘플 거부: RRD 파일 한도 도달' },
  // B4: the appliance's self-watch (appliance/alerting/rules/self-watch-rules.ts)
  'self-rrdcached': { en: 'Appliance: rrdcached down', ko: '어플라이언스: rrdcached 중단' },
  'self-rrdcached-restarts': { en: 'Appliance: rrdcached keeps restarting', ko: '어플라이언스: rrdcached 재시작 반복' },
  'self-data-partition': { en: 'Appliance: data partition nearly full or over budget', ko: '어플라이언스: 데이터 파티션 거의 가득 참 또는 예산 초과' },
  'self-database-write': { en: 'Appliance: a database write failed', ko: '어플라이언스: 데이터베이스 쓰기 실패' },
  'self-event-loop': { en: 'Appliance: event loop lagging', ko: '어플라이언스: 이벤트 루프 지연' },
  'self-clock': { en: 'Appliance: clock not synchronised', ko: '어플라이언스: 시계 동기화 안 됨' },
  'self-modem': { en: 'Appliance: modem cannot send SMS', ko: '어플라이언스: 모뎀으로 SMS 발송 불가' },
  'self-ingest-backlog': { en: 'Appliance: ingest backlog growing', ko: '어플라이언스: 수집 대기열 증가' },
  'self-remote-write-dropped': { en: 'Appliance: remote-write queue full, oldest samples dropped', ko: '어플라이언스: 원격 쓰기 대기열 가득 참, 오래된 샘플 삭제' },
  'self-two-primaries': { en: 'Appliance: two primaries in the standby pair', ko: '어플라이언스: 이중화 쌍에 주 장비가 둘' },
};

/** The name to show for a rule (or an alert's rule): the built-in one in `lang`, else as stored. */
export function ruleDisplayName(id: string, storedName: string, lang: Lang): string {
  const builtIn = NAMES[id];
  return builtIn && builtIn.en === storedName ? builtIn[lang] : storedName;
}

/** A built-in rule's name in `lang` by its id alone (the self-watch list in health names rules so); the id when unknown. */
export function builtInRuleName(id: string, lang: Lang): string {
  return NAMES[id]?.[lang] ?? id;
}
