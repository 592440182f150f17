// SMS texts for alerts (S12), Korean and English, pure. Each message is built to fit one SMS
// (GSM 7-bit: 160 septets; UCS2, which every Korean text needs: 70 UTF-16 units): the required
// part first, then optional details (cause, reply hint) only while they still fit, and a long
// host name is cut to its first label before the text is allowed to spill into a second part.
// Every alert message carries the alert id (#123) so that a reply `ACK 123` acknowledges it.
import { FAMILIES, type Unit } from '../../../contract/families.js';
import { partCapacity, segmentText } from '../../../gsm/sms/index.js';
import type { Alert } from '../../../contract/alerting.js';
import { formatHhMm, type TimeZoneSpec } from './local-time.js';
import { definedSeverities, metricFamily, recoveryThreshold } from '../rules/rule-types.js';
import { CHECK_SEVERITIES_MAPPED, EVERY_KEY, metricUnit, severityRank, type CheckStateSeverities, type Rule, type AlertMetric, type Severity } from '../../../contract/alerting.js';
import { metricRange } from '../../../contract/rule-recovery.js';
import type { CheckType } from '../../../contract/checks-api.js';
import { type Language, type SegmentPreview, type AlertMessageKind, type RulePreview } from '../../../contract/alerting.js';

export interface TemplateOptions {
  language: Language;
  timeZone: TimeZoneSpec;
}

const SEVERITY_TAG: Record<Language, Record<Severity, string>> = {
  en: { info: 'INFO', warning: 'WARN', critical: 'CRIT', disaster: 'DISASTER' },
  ko: { info: '정보', warning: '경고', critical: '심각', disaster: '재해' },
};

const WORDS = {
  en: {
    ok: 'OK', ack: 'ACK', back: 'reporting again', checkRemoved: 'check removed',
    checkState: { ok: 'OK', warning: 'WARNING', critical: 'CRITICAL', unknown: 'UNKNOWN' }, offline: 'offline', noData: 'no data', silent: 'silent', lockout: 'sign-in locked', fault: 'appliance degraded', quota: 'series quota full', poolSkew: 'pool skew', unusual: 'unusual', usual: 'usual',
    since: (t: string) => `since ${t}`, until: (t: string) => `until ${t}`,
    was: (s: string) => `was ${s}`, by: (who: string) => `by ${who}`, noAck: (d: string) => `NO ACK ${d}:`,
    ruleOff: 'rule off', removed: 'server removed', replyAck: (id: number) => `reply ACK ${id}`, fullest: (m: string, p: string) => `fullest ${m} ${p}`,
    topCpu: (p: string, v: string) => `top cpu ${p} ${v}`, topMem: (p: string, v: string) => `top mem ${p} ${v}`,
    heldBack: (n: number) => `${n} held back:`, more: (n: number) => `+${n} more`,
    servers: (n: number) => `servers ${n}`, offlineCount: (n: number) => `offline ${n}`, alerts: 'alerts:', allClear: 'no alerts',
    acked: (n: number) => `acked ${n}`,
    behind: (n: number) => `${n} server${n === 1 ? '' : 's'} behind it`,
  },
  ko: {
    ok: '복구', ack: '확인', back: '응답 재개', checkRemoved: '점검 삭제',
    checkState: { ok: '정상', warning: '경고', critical: '심각', unknown: '알 수 없음' }, offline: '오프라인', noData: '데이터 없음', silent: '응답 없음', lockout: '로그인 잠김', fault: '장비 이상', quota: '시계열 한도 초과', poolSkew: '풀 불균형', unusual: '평소와 다름', usual: '평소',
    since: (t: string) => `${t}부터`, until: (t: string) => `${t}까지`,
    was: (s: string) => `이전 ${s}`, by: (who: string) => `${who} 확인`, noAck: (d: string) => `${d} 미확인:`,
    ruleOff: '규칙 해제', removed: '서버 삭제', replyAck: (id: number) => `ACK ${id} 회신`, fullest: (m: string, p: string) => `최대 ${m} ${p}`,
    topCpu: (p: string, v: string) => `CPU 최다 ${p} ${v}`, topMem: (p: string, v: string) => `메모리 최다 ${p} ${v}`,
    heldBack: (n: number) => `보류 ${n}건:`, more: (n: number) => `외 ${n}건`,
    servers: (n: number) => `서버 ${n}대`, offlineCount: (n: number) => `오프라인 ${n}`, alerts: '경보:', allClear: '경보 없음',
    acked: (n: number) => `확인 ${n}`,
    behind: (n: number) => `연결된 서버 ${n}대 영향`,
  },
} as const;

export function severityTag(severity: Severity, language: Language): string {
  return SEVERITY_TAG[language][severity];
}

/** "web-01.example.com" → "web-01" (an IP address is kept whole). */
export function shortHostName(name: string): string {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name) || name.includes(':')) return name;
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

/** What a metric is called in a message: "cpu", "fs /var", "디스크 /var". */
export function metricLabel(metric: AlertMetric, key: string | undefined, language: Language): string {
  const withKey = (label: string): string => (key === undefined ? label : `${label} ${key}`);
  switch (metric.kind) {
    case 'field':
      return key === undefined ? `${metric.family} ${metric.field}` : `${metric.family} ${key} ${metric.field}`;
    case 'derived': {
      const labels = {
        cpu_busy_pct: { en: 'cpu', ko: 'CPU' },
        memory_used_pct: { en: 'mem', ko: '메모리' },
        swap_used_pct: { en: 'swap', ko: '스왑' },
        fs_used_pct: { en: 'fs', ko: '디스크' },
        fs_inodes_used_pct: { en: 'inodes', ko: '아이노드' },
        load1_per_core: { en: 'load/core', ko: '코어당 부하' },
      } as const;
      return withKey(labels[metric.name][language]);
    }
    case 'baseline':
      return `${metricLabel({ kind: 'derived', name: metric.name }, key, language)} ${WORDS[language].unusual}`;
    case 'agent_silent':
      return WORDS[language].silent;
    case 'lockout':
      return WORDS[language].lockout;
    case 'fault':
      return WORDS[language].fault;
    case 'series_quota':
      return WORDS[language].quota;
    case 'pool_skew':
      return WORDS[language].poolSkew;
    // an alert names its check (alertLabel); this is for a rule without one at hand
    case 'check_state':
      return `check ${key ?? metric.checkId}`;
    case 'check_perf':
      return `check ${key ?? metric.checkId} ${metric.label}`;
  }
}

/** What an alert is about in a message: its metric, or for a rule on a check the check's name ("nginx port 443", "nginx port 443 time"). */
export function alertLabel(alert: Pick<Alert, 'metric' | 'key' | 'cause'>, language: Language): string {
  const check = alert.cause.check;
  if (check && alert.metric.kind === 'check_state') return check.name;
  if (check && alert.metric.kind === 'check_perf') return `${check.name} ${alert.metric.label}`;
  // B6: the pool by its name
  if (alert.metric.kind === 'pool_skew' && alert.cause.poolSkew) return `${WORDS[language].poolSkew} ${alert.cause.poolSkew.pool}`;
  return metricLabel(alert.metric, alert.key, language);
}

/**
 * A check's output line without the plugin's own "SERVICE STATE - " prefix (the message says the
 * state already): "TCP CRITICAL - 10.0.0.5 port 443: connection refused" → "10.0.0.5 port 443:
 * connection refused".
 */
export function checkOutputText(output: string): string {
  return output.replace(/^[A-Z][A-Z0-9_ ]*?\b(?:OK|WARNING|CRITICAL|UNKNOWN)\b\s*[-:]?\s*/, '').trim();
}

const trim = (n: number, decimals: number): string => String(Number(n.toFixed(decimals)));

function humanBytes(n: number): string {
  const units = ['', 'K', 'M', 'G', 'T', 'P'];
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${n < 0 ? '-' : ''}${trim(v, v < 10 && i > 0 ? 1 : 0)}${units[i] ?? ''}`;
}

/** A value as a message shows it: "96%", "2.4", "1.5G", "12M/s". */
export function formatValue(value: number, unit: Unit): string {
  switch (unit) {
    case '%':
      return `${trim(value, Math.abs(value) < 10 ? 1 : 0)}%`;
    case 'B':
      return humanBytes(value);
    case 'B/s':
      return `${humanBytes(value)}/s`;
    case '/s':
      return `${trim(value, 1)}/s`;
    case '':
      return trim(value, Math.abs(value) < 10 ? 2 : 1);
  }
}

/** A threshold as a message shows it: "(>95)". */
function formatThreshold(alert: Pick<Alert, 'comparison' | 'threshold' | 'unit'>): string {
  return `(${alert.comparison}${formatValue(alert.threshold, alert.unit).replace(/%$/, '')})`;
}

/** "18m", "2h5m", "3d" / "18분", "2시간5분", "3일". */
export function formatDuration(ms: number, language: Language): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const [m, h, d] = language === 'ko' ? ['분', '시간', '일'] : ['m', 'h', 'd'];
  if (minutes < 60) return `${minutes}${m}`;
  if (minutes < 24 * 60) {
    const rest = minutes % 60;
    return `${Math.floor(minutes / 60)}${h}${rest ? `${rest}${m}` : ''}`;
  }
  return `${Math.floor(minutes / (24 * 60))}${d}`;
}

/** The segment count and room left of a text, as the modem will send it (the rule screen shows it). */
export function previewSegments(text: string): SegmentPreview {
  const { encoding, segments } = segmentText(text);
  const units = segments.reduce((n, s) => n + s.units, 0);
  const capacity = partCapacity(encoding, segments.length > 1 ? 8 : undefined);
  const last = segments[segments.length - 1];
  return { encoding, parts: segments.length, units, charsLeft: capacity - (last?.units ?? 0) };
}

const fitsOneSms = (text: string): boolean => previewSegments(text).parts === 1;

/** Where in the required words the shortenable text (a check's output) goes. */
const FIT = '\u0000';

/**
 * Joins the required words, then each optional detail while the whole still fits one SMS. If
 * even the required words do not fit, a shorter host name is tried, then the text in place of
 * FIT (a check's output line) is cut, before giving up (a longer text is still sent, as a
 * concatenated SMS).
 */
function compose(build: (hostName: string) => { required: string[]; optional: string[] }, hostName: string, fit = ''): string {
  const join = (words: readonly string[], f: string): string => words.map((w) => (w === FIT ? f : w)).filter((w) => w !== '').join(' ');
  let built = build(hostName);
  let text = join(built.required, fit);
  if (!fitsOneSms(text)) {
    const short = shortHostName(hostName);
    if (short !== hostName) {
      built = build(short);
      text = join(built.required, fit);
    }
  }
  if (!fitsOneSms(text) && fit !== '') {
    // '..', not '…': an ellipsis is not in GSM 7-bit and would make an English text UCS2
    let cut = fit;
    while (cut !== '' && !fitsOneSms(join(built.required, `${cut}..`))) cut = cut.slice(0, Math.max(0, cut.length - Math.max(1, Math.ceil(cut.length / 10)))).trimEnd();
    text = join(built.required, cut === '' ? '' : `${cut}..`);
  }
  for (const extra of built.optional) {
    const candidate = `${text} ${extra}`;
    if (fitsOneSms(candidate)) text = candidate;
  }
  return text;
}

export interface AlertMessageExtras {
  /** the message's own time (appliance clock) */
  nowMs: number;
  /** escalated: the grade before */
  fromSeverity?: Severity;
  /** escalation: how long it has gone unacknowledged */
  unackedForMs?: number;
}

function causeDetails(alert: Alert, language: Language): string[] {
  const w = WORDS[language];
  const out: string[] = [];
  const fs = alert.cause.fullestFs;
  const isFsAlert = alert.metric.kind === 'derived' && alert.metric.name === 'fs_used_pct' && alert.key === fs?.mount;
  if (fs && !isFsAlert) out.push(w.fullest(fs.mount, formatValue(fs.usedPct, '%')));
  const cpu = alert.cause.topCpuProcess;
  if (cpu) out.push(w.topCpu(cpu.name, formatValue(cpu.pct, '%')));
  const mem = alert.cause.topMemProcess;
  if (mem) out.push(w.topMem(mem.name, formatValue(mem.pct, '%')));
  return out;
}

/** What is wrong, without the host: "fs /var 96% (>95)", "offline since 14:02", "nginx port 443 CRITICAL: " + FIT (the check's output). */
function problem(alert: Alert, options: TemplateOptions): string[] {
  const w = WORDS[options.language];
  const check = alert.cause.check;
  if (alert.metric.kind === 'check_state') {
    return [alertLabel(alert, options.language), ...(check ? [`${w.checkState[check.state]}:`, FIT] : [])];
  }
  if (alert.metric.kind === 'check_perf') {
    const value = alert.value === null ? '?' : `${trim(alert.value, Math.abs(alert.value) < 10 ? 3 : 1)}${check?.unit ?? ''}`;
    return [alertLabel(alert, options.language), value, formatThreshold(alert)];
  }
  if (alert.metric.kind === 'lockout') {
    const lock = alert.cause.lockout;
    return [w.lockout, ...(lock ? [lock.keys.join(' '), w.until(formatHhMm(lock.untilMs, options.timeZone))] : [])];
  }
  // the cause in the appliance's own words (English: it names files and daemons)
  if (alert.metric.kind === 'fault') return [w.fault, ...(alert.cause.fault ? [alert.cause.fault.cause] : [])];
  // the reason in the appliance's words, as a fault's ("share 61 % against 33 % expected")
  if (alert.metric.kind === 'pool_skew') return [alertLabel(alert, options.language), ...(alert.cause.poolSkew ? [alert.cause.poolSkew.reason] : [])];
  if (alert.metric.kind === 'series_quota') {
    const q = alert.cause.seriesQuota;
    return [w.quota, ...(q ? [`${q.files}/${q.maxFiles}`, q.example] : [])];
  }
  // B9: observed against the band the forecast expected, in the metric's unit ("cpu unusual 62% (usual 3-12%)")
  if (alert.metric.kind === 'baseline') {
    const b = alert.cause.baseline;
    const band = b ? [formatValue(b.observed, b.unit), `(${w.usual} ${formatValue(Math.max(0, b.low), b.unit).replace(/%$/, '')}-${formatValue(b.high, b.unit)})`] : [];
    return [metricLabel(alert.metric, alert.key, options.language), ...band];
  }
  if (alert.metric.kind === 'agent_silent') {
    const silence = alert.cause.silence;
    const what = silence?.reason === 'offline' ? w.offline : silence?.reason === 'no-data' ? w.noData : w.silent;
    const since = silence?.lastSeenMs ?? alert.firedAt ?? alert.startedAt;
    return [what, w.since(formatHhMm(since, options.timeZone))];
  }
  const value = alert.value === null ? '?' : formatValue(alert.value, alert.unit);
  return [metricLabel(alert.metric, alert.key, options.language), value, formatThreshold(alert)];
}

/** One message about one alert, in the contact's language. */
export function alertMessage(kind: AlertMessageKind, alert: Alert, options: TemplateOptions, extras: AlertMessageExtras): string {
  const { language, timeZone } = options;
  const w = WORDS[language];
  const tag = `[${severityTag(alert.severity, language)}]`;
  const id = `#${alert.id}`;
  const at = formatHhMm(extras.nowMs, timeZone);
  const silent = alert.metric.kind === 'agent_silent';
  const fitText = alert.metric.kind === 'check_state' && alert.cause.check ? checkOutputText(alert.cause.check.output) : '';
  switch (kind) {
    case 'fired':
      return compose((host) => ({
        // B10: a parent says how many servers behind it are cut off with it
        required: [tag, host, ...problem(alert, options), ...(silent ? [] : [formatHhMm(alert.firedAt ?? extras.nowMs, timeZone)]), id, ...(alert.dependants ? [`(${w.behind(alert.dependants)})`] : [])],
        optional: [...causeDetails(alert, language), w.replyAck(alert.id)],
      }), alert.agentName, fitText);
    case 'escalated': {
      const from = extras.fromSeverity ? [`(${w.was(severityTag(extras.fromSeverity, language))})`] : [];
      return compose((host) => ({
        required: [tag, host, ...problem(alert, options), ...(silent ? [] : [at]), id, ...from],
        optional: [...causeDetails(alert, language), w.replyAck(alert.id)],
      }), alert.agentName, fitText);
    }
    case 'escalation': {
      const unacked = w.noAck(formatDuration(extras.unackedForMs ?? extras.nowMs - (alert.firedAt ?? alert.startedAt), language));
      return compose((host) => ({
        required: [tag, unacked, host, ...problem(alert, options), id],
        optional: [...causeDetails(alert, language), w.replyAck(alert.id)],
      }), alert.agentName, fitText);
    }
    case 'acknowledged':
      return compose((host) => ({
        required: [`[${w.ack}]`, id, host, alertLabel(alert, language), severityTag(alert.severity, language), ...(alert.ackedBy ? [w.by(alert.ackedBy)] : []), at],
        optional: [],
      }), alert.agentName);
    case 'resolved': {
      const how =
        alert.resolution === 'rule-withdrawn' ? [w.ruleOff]
        : alert.resolution === 'agent-removed' ? [w.removed]
        : alert.resolution === 'check-removed' ? [w.checkRemoved]
        : silent ? [w.back]
        // a check that is OK again: the [OK] tag says it
        : alert.metric.kind === 'check_state' ? []
        : alert.metric.kind === 'check_perf' && typeof alert.resolvedValue === 'number' ? [`${trim(alert.resolvedValue, Math.abs(alert.resolvedValue) < 10 ? 3 : 1)}${alert.cause.check?.unit ?? ''}`]
        : alert.resolution === 'no-data' ? [w.noData]
        : alert.resolvedValue === null || alert.resolvedValue === undefined ? []
        : [formatValue(alert.resolvedValue, alert.unit)];
      const lasted = `(${severityTag(alert.severity, language)} ${formatDuration((alert.resolvedAt ?? extras.nowMs) - (alert.firedAt ?? alert.startedAt), language)})`;
      return compose((host) => ({
        required: [`[${w.ok}]`, host, ...(silent ? [] : [alertLabel(alert, language)]), ...how, at, id, lasted],
        optional: [],
      }), alert.agentName);
    }
  }
}

/** One line of a digest: an alert as it stands now. */
export interface DigestItem {
  alert: Alert;
}

/**
 * The one message that replaces those a rate limit held back: every alert involved, each with its
 * state now, as many as fit one SMS, then "+N more".
 */
export function digestMessage(heldCount: number, items: readonly DigestItem[], options: TemplateOptions): string {
  const { language } = options;
  const w = WORDS[language];
  const entry = (a: Alert): string => {
    const state = a.state === 'resolved' ? w.ok : a.state === 'acknowledged' ? w.ack : severityTag(a.severity, language);
    return `#${a.id} ${state} ${shortHostName(a.agentName)} ${alertLabel(a, language)}`;
  };
  const head = `[rackwatch] ${w.heldBack(heldCount)}`;
  const entries = items.map((i) => entry(i.alert));
  let text = head;
  for (const [n, e] of entries.entries()) {
    const rest = entries.length - n - 1;
    const candidate = `${text}${n === 0 ? ' ' : '; '}${e}`;
    const withMore = rest > 0 ? `${candidate}; ${w.more(rest)}` : candidate;
    if (!fitsOneSms(withMore)) return n === 0 ? `${text} ${w.more(entries.length)}` : `${text}; ${w.more(rest + 1)}`;
    text = candidate;
  }
  return text;
}

export interface StatusSummary {
  servers: number;
  offline: number;
  /** firing (not acknowledged) alerts per grade */
  firing: Partial<Record<Severity, number>>;
  acknowledged: number;
}

/** The answer to an SMS `STATUS`: servers, offline, alerts by grade, worst first. */
export function statusSummaryMessage(summary: StatusSummary, options: TemplateOptions, nowMs: number): string {
  const { language } = options;
  const w = WORDS[language];
  const grades = (['disaster', 'critical', 'warning', 'info'] as const)
    .filter((s) => (summary.firing[s] ?? 0) > 0)
    .map((s) => `${severityTag(s, language)} ${summary.firing[s] ?? 0}`);
  const alerts = grades.length > 0 ? `${w.alerts} ${grades.join(', ')}` : w.allClear;
  const acked = summary.acknowledged > 0 ? `; ${w.acked(summary.acknowledged)}` : '';
  return `[rackwatch] ${formatHhMm(nowMs, options.timeZone)} ${w.servers(summary.servers)}, ${w.offlineCount(summary.offline)}; ${alerts}${acked}`;
}

export interface RulePreviewOptions extends TemplateOptions {
  /** host name to preview with (the longest one monitored is the honest choice) */
  agentName: string;
  /** key to preview a keyed rule with (default "/var") */
  key?: string;
  nowMs: number;
  /** a rule on one check: that check, so the preview names it (else a made-up port check) */
  check?: PreviewCheck;
}

/** What a preview shows of the check a rule watches: its name and type, and its perfdata's units by label. */
export interface PreviewCheck {
  name: string;
  type: CheckType;
  units: Readonly<Record<string, string>>;
}

/** The check a preview of a rule on checks shows: a port check whose service refuses connections. */
const PREVIEW_CHECK: NonNullable<Alert['cause']['check']> = {
  checkId: 'preview', name: 'nginx port 443', type: 'port', state: 'critical', output: 'TCP CRITICAL - 10.0.0.5 port 443: connection refused', unit: 's',
};

/** The preview's check: the rule's own when it names one (its unit of the rule's label, if known), else the made-up port check. */
function previewCheck(rule: Rule, check: PreviewCheck | undefined): NonNullable<Alert['cause']['check']> {
  if (!check) return PREVIEW_CHECK;
  const unit = rule.metric.kind === 'check_perf' ? check.units[rule.metric.label] : undefined;
  const { unit: _unit, ...rest } = PREVIEW_CHECK;
  return { ...rest, name: check.name, type: check.type, ...(unit !== undefined ? { unit } : {}) };
}

/** What the preview's check says in each state a rule can alert on. */
const PREVIEW_OUTPUT: Record<'warning' | 'critical' | 'unknown', string> = {
  warning: 'TCP WARNING - 10.0.0.5 port 443: 1.503 s response time',
  critical: PREVIEW_CHECK.output,
  unknown: 'TCP UNKNOWN - 10.0.0.5: cannot resolve host',
};

/** The states a check_state rule alerts on with their grades, mildest grade first. */
function checkStateGrades(named: CheckStateSeverities | undefined): { state: 'warning' | 'critical' | 'unknown'; severity: Severity }[] {
  const grades = named ?? CHECK_SEVERITIES_MAPPED;
  return (['warning', 'critical', 'unknown'] as const)
    .flatMap((state) => {
      const severity = grades[state];
      return severity ? [{ state, severity }] : [];
    })
    .sort((a, b) => severityRank(a.severity) - severityRank(b.severity));
}

/**
 * What a rule's messages will look like and how many SMS parts each takes (the rule screen's
 * preview), with a five-digit alert id and the rule's worst grade.
 */
export function previewRule(rule: Rule, options: RulePreviewOptions): RulePreview[] {
  const severities = definedSeverities(rule);
  // a check_state rule has no levels: its worst grade is the worst its states raise
  const stateGrades = rule.metric.kind === 'check_state' ? checkStateGrades(rule.metric.severities) : [];
  const worst = severities[severities.length - 1] ?? stateGrades[stateGrades.length - 1]?.severity ?? 'critical';
  const threshold = rule.levels[worst] ?? 0;
  const rising = rule.comparison === '>' || rule.comparison === '>=';
  const family = metricFamily(rule.metric);
  const ruleKey = (rule.metric.kind !== 'field' && rule.metric.kind !== 'derived') || rule.metric.key === EVERY_KEY ? undefined : rule.metric.key;
  const key = family !== null && FAMILIES[family].keyed ? (ruleKey ?? options.key ?? '/var') : undefined;
  const firedAt = options.nowMs - 18 * 60_000;
  // values the metric can read (a load is never negative, a percentage never above 100), a
  // step past the threshold or the recovery that suits its scale (0.55 for a load "> 0.5")
  const range = metricRange(rule.metric);
  const within = (v: number): number => Math.min(range.max ?? Infinity, Math.max(range.min ?? -Infinity, v));
  const step = (v: number): number => Math.min(1, Math.max(Math.abs(v) * 0.1, 0.01));
  const checkState = stateGrades.find((g) => g.severity === worst)?.state ?? 'critical';
  const alert: Alert = {
    id: 12345,
    ruleId: rule.id,
    ruleName: rule.name,
    agentId: 'preview',
    agentName: options.agentName,
    ...(key !== undefined ? { key } : {}),
    metric: rule.metric,
    unit: metricUnit(rule.metric),
    comparison: rule.comparison,
    severity: worst,
    state: 'firing',
    value: rule.metric.kind === 'agent_silent' ? 1 : within(threshold + (rising ? 1 : -1) * step(threshold)),
    threshold,
    cause: rule.metric.kind === 'agent_silent' ? { silence: { reason: 'offline', lastSeenMs: firedAt } }
      : rule.metric.kind === 'check_state' ? { check: { ...previewCheck(rule, options.check), state: checkState, output: PREVIEW_OUTPUT[checkState] } }
      : rule.metric.kind === 'check_perf' ? { check: previewCheck(rule, options.check) }
      : { fullestFs: { mount: '/data', usedPct: 91 } },
    startedAt: firedAt,
    firedAt,
  };
  const recovery = recoveryThreshold(rule, worst);
  const resolvedValue = within(recovery + (rising ? -1 : 1) * step(recovery));
  const resolved: Alert = { ...alert, state: 'resolved', resolvedAt: options.nowMs, resolution: 'recovered', resolvedValue };
  const previous = severities[severities.length - 2];
  const out: RulePreview[] = [];
  const add = (kind: AlertMessageKind, a: Alert, extras: AlertMessageExtras): void => {
    const text = alertMessage(kind, a, options, extras);
    out.push({ kind, text, segments: previewSegments(text) });
  };
  add('fired', alert, { nowMs: options.nowMs });
  if (previous) add('escalated', alert, { nowMs: options.nowMs, fromSeverity: previous });
  add('escalation', alert, { nowMs: options.nowMs, unackedForMs: 15 * 60_000 });
  add('resolved', resolved, { nowMs: options.nowMs });
  return out;
}

export type SmsReply = { kind: 'ack'; alertId: number } | { kind: 'status' };

/** Understands a contact's reply: `ACK 123`, `ack #123`, `확인 123`, `STATUS`, `상태`. */
export function parseReply(text: string): SmsReply | null {
  const clean = text.normalize('NFC').trim();
  const ack = /^(?:ack|확인)\s*#?\s*(\d{1,9})$/iu.exec(clean);
  if (ack?.[1]) return { kind: 'ack', alertId: Number(ack[1]) };
  if (/^(?:status|상태)$/iu.test(clean)) return { kind: 'status' };
  return null;
}
