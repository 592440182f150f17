// Recovery (hysteresis) against what a metric can read (S4, S7): the value at which a firing grade
// lets go, the range of values each metric can take, and whether a rule's recovery can ever be
// reached. The appliance refuses a rule whose alert could never resolve (a load rule "> 0.5" that
// recovers 5 back would wait for a load of −4.5); the rule form says the same beside the field
// before it sends. Pure and dependency-free: the browser bundle imports it.
import { FAMILIES } from './families.js';
import { DERIVED_METRICS, SEVERITIES, type Comparison, type RuleMetric, type Rule, type Severity } from './alerting.js';

/** The values a metric can take; a bound that is absent is open. */
export interface MetricRange {
  min?: number;
  max?: number;
}

const PERCENT: MetricRange = { min: 0, max: 100 };
const NON_NEGATIVE: MetricRange = { min: 0 };
const ZERO_OR_ONE: MetricRange = { min: 0, max: 1 };

/**
 * What a rule's metric can read: a percentage 0…100, a flag 0 or 1 (agent silent, a link up), any
 * other sample ≥ 0 (bytes, rates, counts, load). A check's perfdata has no range (a certificate
 * expired 3 days ago reads −3), nor has a check's state (its rule has no recovery).
 */
export function metricRange(metric: RuleMetric): MetricRange {
  switch (metric.kind) {
    case 'derived':
      return DERIVED_METRICS[metric.name].unit === '%' ? PERCENT : NON_NEGATIVE;
    case 'field': {
      if (metric.family === 'net' && metric.field === 'up') return ZERO_OR_ONE;
      const fields: Record<string, string> = FAMILIES[metric.family].fields;
      return fields[metric.field] === '%' ? PERCENT : NON_NEGATIVE;
    }
    case 'agent_silent':
      return ZERO_OR_ONE;
    // deviations from the forecast: either side of it
    case 'baseline':
    case 'check_state':
    case 'check_perf':
      return {};
  }
}

export const isRising = (comparison: Comparison): boolean => comparison === '>' || comparison === '>=';

/** The value at which grade `severity` lets go (its threshold moved back by the hysteresis). */
export function recoveryThreshold(rule: Pick<Rule, 'levels' | 'recovery' | 'comparison'>, severity: Severity): number {
  const threshold = rule.levels[severity];
  if (threshold === undefined) return Number.NaN;
  const named = rule.recovery?.levels?.[severity];
  if (named !== undefined) return named;
  const delta = rule.recovery?.delta ?? 0;
  return isRising(rule.comparison) ? threshold - delta : threshold + delta;
}

/**
 * Whether a firing grade can let go at `recovery`. The engine holds a grade while the value still
 * breaches the recovery value with the rule's own comparison (rule-evaluator.ts), so a '>' rule
 * lets go at ≤ recovery and a '>=' rule only below it: at the metric's floor, the first can, the
 * second never can.
 */
export function recoveryReachable(comparison: Comparison, recovery: number, range: MetricRange): boolean {
  switch (comparison) {
    case '>':
      return range.min === undefined || recovery >= range.min;
    case '>=':
      return range.min === undefined || recovery > range.min;
    case '<':
      return range.max === undefined || recovery <= range.max;
    case '<=':
      return range.max === undefined || recovery < range.max;
  }
}

/** The largest delta that still lets grade `threshold` go, or null when the range is open that way. */
function deltaRoom(comparison: Comparison, threshold: number, range: MetricRange): number | null {
  const bound = isRising(comparison) ? range.min : range.max;
  return bound === undefined ? null : Math.abs(threshold - bound);
}

/** Why a grade's recovery is refused. */
export type RecoveryIssue =
  /** a named recovery value past the threshold: the grade would let go while still breaching */
  | { kind: 'beyond-threshold'; path: string; severity: Severity; recovery: number; threshold: number; comparison: Comparison; rising: boolean }
  /**
   * the metric never reaches the recovery value: the alert would never resolve. `bound` is the
   * metric's floor (rising rules) or ceiling; `maxDelta` the largest delta that would do, when the
   * recovery came from the delta
   */
  | { kind: 'unreachable'; path: string; severity: Severity; recovery: number; threshold: number; comparison: Comparison; rising: boolean; bound: number; maxDelta: number | null };

/**
 * Every grade whose recovery the metric cannot reach or that lies past its threshold. The path is
 * the field that set it: `recovery.levels.<grade>` when named there, else `recovery.delta`.
 * Numbers that are not finite are left to the shape checks.
 */
export function recoveryIssues(rule: Pick<Rule, 'metric' | 'levels' | 'recovery' | 'comparison'>): RecoveryIssue[] {
  if (!rule.recovery || rule.metric.kind === 'check_state') return [];
  const rising = isRising(rule.comparison);
  const range = metricRange(rule.metric);
  const issues: RecoveryIssue[] = [];
  for (const severity of SEVERITIES) {
    const threshold = rule.levels[severity];
    if (threshold === undefined || !Number.isFinite(threshold)) continue;
    const named = rule.recovery.levels?.[severity];
    const { comparison } = rule;
    const path = named !== undefined ? `recovery.levels.${severity}` : 'recovery.delta';
    const recovery = recoveryThreshold(rule, severity);
    if (!Number.isFinite(recovery)) continue;
    if (named !== undefined && (rising ? recovery > threshold : recovery < threshold)) {
      issues.push({ kind: 'beyond-threshold', path, severity, recovery, threshold, comparison, rising });
    } else if (!recoveryReachable(rule.comparison, recovery, range)) {
      const bound = (rising ? range.min : range.max) ?? 0;
      issues.push({ kind: 'unreachable', path, severity, recovery, threshold, comparison, rising, bound, maxDelta: named === undefined ? deltaRoom(rule.comparison, threshold, range) : null });
    }
  }
  return issues;
}

/** A level the metric can never breach: its grade would never fire (a CPU rule "> 100"). */
export interface UnreachableLevel {
  path: string;
  severity: Severity;
  threshold: number;
  comparison: Comparison;
  /** the metric's ceiling (rising rules) or floor */
  bound: number;
}

/**
 * Every level past what the metric can read, so that it could never breach: a '>' rule needs a
 * level below the ceiling, a '>=' rule one at most the ceiling; a '<' rule a level above the
 * floor, a '<=' rule one at least the floor (S4, S7).
 */
export function unreachableLevels(rule: Pick<Rule, 'metric' | 'levels' | 'comparison'>): UnreachableLevel[] {
  if (rule.metric.kind === 'check_state') return [];
  const range = metricRange(rule.metric);
  const out: UnreachableLevel[] = [];
  for (const severity of SEVERITIES) {
    const threshold = rule.levels[severity];
    if (threshold === undefined || !Number.isFinite(threshold)) continue;
    const { comparison } = rule;
    const bound = isRising(comparison) ? range.max : range.min;
    if (bound === undefined) continue;
    const reachable = comparison === '>' ? threshold < bound : comparison === '>=' ? threshold <= bound : comparison === '<' ? threshold > bound : threshold >= bound;
    if (!reachable) out.push({ path: `levels.${severity}`, severity, threshold, comparison, bound });
  }
  return out;
}

/** A number as a person reads it: no binary noise (0.5 − 0.45 is 0.05, not 0.04999999999999999). */
export const plainNumber = (n: number): string => String(Number(n.toPrecision(12)));
