// Words the alerting screens build from data, in the page's language: a metric's name, an alert's
// value against its threshold and its cause, an SMS segment count, a weekly schedule. Pure
// functions of (data, translator, formatters), shared by the views.
import type { Alert, AlertCause, AlertMetric, Comparison, SegmentPreview, WeeklyWindow } from '../../contract/alerts-api.js';
import type { Unit } from '../../contract/families.js';
import { isRising, type RecoveryIssue, type UnreachableLevel } from '../../contract/rule-recovery.js';
import type { Translate } from './i18n.js';
import type { Formatters } from './locale-format.js';
import { formatMetricValue } from './alerting-model.js';

/** "CPU busy", "Filesystem used /var", "fs avail (/data)", "Agent silent (3 intervals)". */
export function metricText(metric: AlertMetric, key: string | undefined, t: Translate): string {
  switch (metric.kind) {
    case 'derived': {
      const name = t(`metric.${metric.name}` as const);
      const k = key ?? metric.key;
      return k && k !== '*' ? `${name} ${k}` : name;
    }
    case 'baseline':
      return t(`metric.baseline.${metric.name}` as const);
    case 'field': {
      const k = key ?? metric.key;
      return `${metric.family}.${metric.field}${k && k !== '*' ? ` ${k}` : ''}`;
    }
    case 'agent_silent':
      return t('metric.agentSilentN', { n: metric.missedIntervals });
    case 'lockout':
      return key ? `${t('metric.lockout')}: ${key}` : t('metric.lockout');
    case 'fault':
      return key ? `${t('metric.fault')}: ${key}` : t('metric.fault');
    case 'series_quota':
      return t('metric.series_quota');
    case 'pool_skew':
      return t('metric.pool_skew');
    case 'check_state': {
      const id = key ?? metric.checkId;
      return `${t('metric.check_state')}: ${id === '*' ? t('metric.everyCheck') : id}`;
    }
    case 'check_perf': {
      const id = key ?? metric.checkId;
      return `${t('metric.check_perf')}: ${id === '*' ? t('metric.everyCheck') : id} ${metric.label}`;
    }
  }
}

/** "97.2% > 95%": the value that fired the alert against its grade's threshold. */
export function valueVsThreshold(alert: Pick<Alert, 'metric' | 'unit' | 'value' | 'comparison' | 'threshold'>, fmt: Formatters, t: Translate): string {
  if (alert.metric.kind === 'agent_silent') return t('alert.silent');
  if (alert.metric.kind === 'lockout') return t('metric.lockout');
  if (alert.metric.kind === 'fault') return t('metric.fault');
  if (alert.metric.kind === 'series_quota') return t('metric.series_quota');
  if (alert.metric.kind === 'pool_skew') return t('metric.pool_skew');
  if (alert.metric.kind === 'check_state') return t('metric.check_state');
  return `${formatMetricValue(alert.value, alert.unit, fmt)} ${alert.comparison} ${formatMetricValue(alert.threshold, alert.unit, fmt)}`;
}

/** The cause as short phrases: fullest filesystem, top CPU process, top memory process, silence. */
export function causeParts(cause: AlertCause, fmt: Formatters, t: Translate): string[] {
  const out: string[] = [];
  if (cause.silence) {
    out.push(
      cause.silence.lastSeenMs === null
        ? t('cause.silentNever')
        : t('cause.silentSince', { when: fmt.dateTime(cause.silence.lastSeenMs) }),
    );
  }
  if (cause.seriesQuota) {
    const q = cause.seriesQuota;
    out.push(t('cause.seriesQuota', { files: fmt.number(q.files, 0), max: fmt.number(q.maxFiles, 0), example: q.example }));
  }
  // B6: the pool and why its member is out of line
  if (cause.poolSkew) out.push(t('cause.poolSkew', { pool: cause.poolSkew.pool, reason: cause.poolSkew.reason }));
  // S5: the check's output line says what failed ("connection refused")
  if (cause.check) out.push(`${cause.check.name}: ${cause.check.output}`);
  if (cause.fullestFs) out.push(t('cause.fs', { mount: cause.fullestFs.mount, pct: fmt.percent(cause.fullestFs.usedPct) }));
  if (cause.topCpuProcess) {
    const p = cause.topCpuProcess;
    out.push(t('cause.cpu', { name: p.name, pid: p.pid, pct: fmt.percent(p.pct) }));
  }
  if (cause.topMemProcess) {
    const p = cause.topMemProcess;
    out.push(t('cause.mem', { name: p.name, pid: p.pid, pct: fmt.percent(p.pct) }));
  }
  return out;
}

/** "1 SMS (GSM-7, 23 chars left)" / "2 SMS (UCS2)". */
export function segmentLabel(p: SegmentPreview, fmt: Formatters, t: Translate): string {
  const encoding = p.encoding === 'gsm7' ? 'GSM-7' : 'UCS2';
  return p.parts === 1
    ? t('sms.segmentsOne', { encoding, left: fmt.number(p.charsLeft, 0) })
    : t('sms.segmentsMany', { n: fmt.number(p.parts, 0), encoding });
}

const DAY_KEYS = ['day.sun', 'day.mon', 'day.tue', 'day.wed', 'day.thu', 'day.fri', 'day.sat'] as const;

export function dayName(day: number, t: Translate): string {
  const key = DAY_KEYS[day];
  return key ? t(key) : String(day);
}

/** Days as a compact list: consecutive days become a range ("Mon–Fri", "Sat, Sun"). */
export function daysText(days: readonly number[], t: Translate): string {
  const sorted = [...new Set(days)].filter((d) => d >= 0 && d <= 6).sort((a, b) => a - b);
  if (sorted.length === 7) return t('day.everyDay');
  // start the week on Monday, as both Korean and European calendars do
  const order = [1, 2, 3, 4, 5, 6, 0].filter((d) => sorted.includes(d));
  const runs: number[][] = [];
  for (const d of order) {
    const run = runs[runs.length - 1];
    const last = run?.[run.length - 1];
    if (run && last !== undefined && (last + 1) % 7 === d) run.push(d);
    else runs.push([d]);
  }
  return runs
    .map((r) => (r.length >= 3 ? `${dayName(r[0] ?? 0, t)}–${dayName(r[r.length - 1] ?? 0, t)}` : r.map((d) => dayName(d, t)).join(', ')))
    .join(', ');
}

/** "Mon–Fri 09:00–18:00; Sat 10:00–14:00", or "Always" for an empty schedule. */
export function scheduleText(schedule: readonly WeeklyWindow[], t: Translate): string {
  if (schedule.length === 0) return t('contact.always');
  return schedule.map((w) => `${daysText(w.days, t)} ${w.start}–${w.end}`).join('; ');
}

/** "5 min", "30 s", "1 h 30 min" for a rule's "for at least" duration. */
export function durationText(seconds: number, t: Translate): string {
  if (seconds <= 0) return t('dur.immediately');
  if (seconds < 60) return t('dur.s', { n: seconds });
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? t('dur.min', { n: minutes }) : t('dur.minS', { m: Math.floor(seconds / 60), s: seconds % 60 });
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m === 0 ? t('dur.h', { n: h }) : t('dur.hMin', { h, m });
}

/** How the engine lets go of a grade: the value no longer breaches the recovery value with the rule's comparison. */
const LET_GO: Record<Comparison, string> = { '>': '≤', '>=': '<', '<': '≥', '<=': '>' };
/** The recovery values a metric can reach against its floor (rising rules) or ceiling. */
const REACHABLE: Record<Comparison, string> = { '>': '≥', '>=': '>', '<': '≤', '<=': '<' };

/** "≤ 0.45", "< 85%": where a grade lets go, on the metric's own scale. */
export function letGoText(comparison: Comparison, recovery: number, unit: Unit, fmt: Formatters): string {
  return `${LET_GO[comparison]} ${formatMetricValue(recovery, unit, fmt)}`;
}

/** Why the form refuses a recovery (S4, S7), and what would do, beside the field that set it. */
/** A level the metric can never pass, in words (S4, S7). */
export function unreachableLevelText(level: UnreachableLevel, unit: Unit, fmt: Formatters, t: Translate): string {
  const key = isRising(level.comparison) ? 'rule.levelNeverAbove' : 'rule.levelNeverBelow';
  return t(key, { v: formatMetricValue(level.threshold, unit, fmt), bound: formatMetricValue(level.bound, unit, fmt), sev: t(`sev.${level.severity}` as const) });
}

export function recoveryIssueText(issue: RecoveryIssue, unit: Unit, fmt: Formatters, t: Translate): string {
  const value = (v: number): string => formatMetricValue(v, unit, fmt);
  const sev = t(`sev.${issue.severity}` as const);
  if (issue.kind === 'beyond-threshold') return t(issue.rising ? 'rule.recoveryAbove' : 'rule.recoveryBelow', { sev, v: value(issue.threshold) });
  const strict = issue.comparison === '>=' || issue.comparison === '<=';
  const limit = t(issue.rising ? 'rule.limitBelow' : 'rule.limitAbove', { v: value(issue.bound) });
  const fix =
    issue.maxDelta !== null
      ? t(strict ? 'rule.useMarginBelow' : 'rule.useMarginAtMost', { v: value(issue.maxDelta) })
      : t('rule.useValue', { op: REACHABLE[issue.comparison], v: value(issue.bound) });
  return `${t('rule.recoveryNever', { sev, at: letGoText(issue.comparison, issue.recovery, unit, fmt), limit })} ${fix}`;
}
