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
};

/** The name to show for a rule (or an alert's rule): the built-in one in `lang`, else as stored. */
export function ruleDisplayName(id: string, storedName: string, lang: Lang): string {
  const builtIn = NAMES[id];
  return builtIn && builtIn.en === storedName ? builtIn[lang] : storedName;
}
