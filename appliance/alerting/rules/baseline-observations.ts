// B9, "departs from its usual pattern": turns rows of rrdtool's Holt-Winters archives (the
// observed value, HWPREDICT's forecast and DEVPREDICT's deviation for the same step) into the
// observations a baseline rule compares, in deviations, so that rule-evaluator.ts judges them with
// the rule's levels, `forS` and hysteresis like any threshold. Pure: the rows are read elsewhere.
import { BASELINE_METRICS, type BaselineCause, type BaselineMetricName, type Rule } from '../../../contract/alerting.js';
import type { Observation } from './metric-observations.js';

/** One step of a series as the archives hold it, in the data source's own unit (idle %, used bytes). */
export interface BaselineRow {
  tMs: number;
  /** the stored value (AVERAGE) */
  observed: number | null;
  /** HWPREDICT: what rrdtool expected for this step before it saw it */
  predicted: number | null;
  /** DEVPREDICT: the usual absolute error at this time of day */
  deviation: number | null;
  /** memory only: the total the used bytes are a share of */
  total?: number | null;
}

/** One judged step, in the metric's unit (busy %, used %), with its score in deviations. */
export interface BaselinePoint extends Observation {
  observed: number;
  expected: number;
  deviation: number;
}

/**
 * The narrowest band that counts, in percentage points: a server idle at night varies by a tenth
 * of a point, and one point more is not "unusual" to anyone reading the chart.
 */
export const MIN_DEVIATION_PCT = 1;

/** The learning period when a rule names none: one season (rrdtool's seasonal coefficients are set at its end). */
export const DEFAULT_LEARNING_S = 86_400;

/** The metric's value from a data source value (busy = 100 − idle; used % of total), or null. */
function toMetric(name: BaselineMetricName, v: number, row: BaselineRow): number | null {
  switch (name) {
    case 'cpu_busy_pct':
      return 100 - v;
    case 'memory_used_pct':
      return row.total !== undefined && row.total !== null && row.total > 0 ? (v / row.total) * 100 : null;
  }
}

/** A deviation in the metric's unit (a spread keeps its size under 100 − x; scales with a share). */
function deviationToMetric(name: BaselineMetricName, d: number, row: BaselineRow): number | null {
  switch (name) {
    case 'cpu_busy_pct':
      return Math.abs(d);
    case 'memory_used_pct':
      return row.total !== undefined && row.total !== null && row.total > 0 ? (Math.abs(d) / row.total) * 100 : null;
  }
}

/**
 * The observations of the steps at or after `learnedAtMs` (the series' first data plus the
 * learning period): steps before it, and steps where rrdtool has no forecast yet, count as no
 * data (never as "usual").
 */
export function baselinePoints(name: BaselineMetricName, rows: readonly BaselineRow[], learnedAtMs: number): BaselinePoint[] {
  const out: BaselinePoint[] = [];
  for (const row of rows) {
    if (row.tMs < learnedAtMs || row.observed === null || row.predicted === null || row.deviation === null) continue;
    const observed = toMetric(name, row.observed, row);
    const expected = toMetric(name, row.predicted, row);
    const spread = deviationToMetric(name, row.deviation, row);
    if (observed === null || expected === null || spread === null) continue;
    const deviation = Math.max(spread, MIN_DEVIATION_PCT);
    out.push({ tMs: row.tMs, value: (observed - expected) / deviation, observed, expected, deviation });
  }
  return out;
}

/** The data source a baseline metric's forecast is read from. */
export function baselineSource(name: BaselineMetricName): { family: string; field: string } {
  return BASELINE_METRICS[name];
}

/** Observed vs the band of the grade that fired: expected ∓ its deviations × the deviation (B9's cause). */
export function baselineCause(rule: Pick<Rule, 'levels'>, severity: keyof Rule['levels'], point: BaselinePoint): BaselineCause {
  const k = Math.abs(rule.levels[severity] ?? 0);
  return { observed: point.observed, expected: point.expected, low: point.expected - k * point.deviation, high: point.expected + k * point.deviation, unit: '%' };
}
