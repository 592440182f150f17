// What the rule form fills in by itself (S4, S7): each metric's usual thresholds and a recovery
// margin on the metric's own scale. A margin of 5 suits a percentage and ruins a load rule
// "> 0.5" (it would wait for −4.5), so the margin follows the metric and its thresholds: a few
// points for a percentage, a tenth of the threshold for anything else, never past what the metric
// can read (contract/rule-recovery.ts). Pure: the form and its tests call it.
import type { BaselineMetricName, Comparison, RuleMetric, Severity, SeverityLevels } from '../../contract/alerting.js';
import { BASELINE_METRIC_NAMES, DERIVED_METRICS, SEVERITIES, metricUnit } from '../../contract/alerting.js';
import { isRising, metricRange, plainNumber } from '../../contract/rule-recovery.js';

/** A percentage recovers this many points back, unless its threshold sits closer to the bound. */
const PERCENT_MARGIN = 5;
/** Any other metric recovers this share of its mildest threshold back. */
const MARGIN_SHARE = 0.1;

/** The thresholds and comparison a new rule on a metric starts with (as the shipped defaults). */
export interface MetricDefaults {
  comparison: Comparison;
  levels: SeverityLevels;
}

export const METRIC_DEFAULTS: Readonly<Record<keyof typeof DERIVED_METRICS | 'agent_silent' | BaselineChoice, MetricDefaults>> = {
  cpu_busy_pct: { comparison: '>', levels: { warning: 90, critical: 95 } },
  memory_used_pct: { comparison: '>', levels: { warning: 85, critical: 95 } },
  swap_used_pct: { comparison: '>', levels: { warning: 50, critical: 80 } },
  fs_used_pct: { comparison: '>', levels: { warning: 90, critical: 95 } },
  fs_inodes_used_pct: { comparison: '>', levels: { warning: 90, critical: 95 } },
  load1_per_core: { comparison: '>', levels: { warning: 2, critical: 4 } },
  // agent silence is 1 while silent: one critical grade is the usual rule
  agent_silent: { comparison: '>=', levels: { critical: 1 } },
  // B9: in deviations from the forecast, above the band (docs/alerting.md's replay)
  'baseline.cpu_busy_pct': { comparison: '>', levels: { warning: 3, critical: 5 } },
  'baseline.memory_used_pct': { comparison: '>', levels: { warning: 3, critical: 5 } },
};

/** B9: the rule form's choice of a baseline rule on one metric. */
export type BaselineChoice = `baseline.${BaselineMetricName}`;

export const BASELINE_CHOICES: readonly BaselineChoice[] = BASELINE_METRIC_NAMES.map((n) => `baseline.${n}` as const);

export function isBaselineChoice(v: string): v is BaselineChoice {
  return (BASELINE_CHOICES as readonly string[]).includes(v);
}

export function baselineMetricOf(choice: BaselineChoice): BaselineMetricName {
  return choice.slice('baseline.'.length) as BaselineMetricName;
}

/** Two significant digits: 0.05, 0.2, 9.5, 10000000 (a margin, not a measurement). */
const roundMargin = (n: number): number => Number(n.toPrecision(2));

/**
 * The recovery margin a rule on `metric` starts with, in the metric's unit; '' when it takes none
 * (agent silence, a check's state) or has no threshold yet.
 */
export function defaultRecoveryDelta(rule: { metric: RuleMetric; comparison: Comparison; levels: SeverityLevels }): string {
  if (rule.metric.kind === 'agent_silent' || rule.metric.kind === 'check_state') return '';
  const thresholds = SEVERITIES.map((s: Severity) => rule.levels[s]).filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (thresholds.length === 0) return '';
  const range = metricRange(rule.metric);
  const bound = isRising(rule.comparison) ? range.min : range.max;
  // the mildest grade sits nearest the bound: its room limits every grade's margin
  const room = Math.min(...thresholds.map((t) => Math.abs(t - (bound ?? 0))));
  const margin = metricUnit(rule.metric) === '%' && room >= 2 * PERCENT_MARGIN ? PERCENT_MARGIN : room * MARGIN_SHARE;
  return plainNumber(roundMargin(margin));
}
