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

/** How far back a daily step may take the newest weekly forecast when its own 300 s step has none yet: three weekly steps. */
export const WEEKLY_MATCH_STEPS = 3;

/**
 * The daily and the weekly season together (B9): a step departs from its usual pattern only when
 * it is outside the daily band and, once the weekly file has learnt, outside the weekly band too,
 * on the same side. The daily observation is scored against the weekly forecast and deviation
 * too, and the score is then the smaller of the two (same sign), so any level k fires
 * only when both are beyond k deviations: a usual Monday-morning peak, outside the daily band but
 * inside the weekly one, is not alerted. The cause (observed, expected, band) stays the daily one.
 *
 * `weekly` holds the weekly file's judged steps (each timestamped at its end, `weeklyStepS`
 * apart). A daily step at t takes the weekly step that contains it or, when that one has no
 * forecast yet (rrdtool writes it with the next 300 s point), the newest before it, at most
 * WEEKLY_MATCH_STEPS back: judging waits for nothing, and the weekly shape moves little in 15 min.
 * A daily step with no weekly step that near (the weekly file still learning, or a gap) stands alone.
 */
export function combineWeekly(daily: readonly BaselinePoint[], weekly: readonly BaselinePoint[], weeklyStepS: number): BaselinePoint[] {
  if (weekly.length === 0) return [...daily];
  const byEnd = new Map<number, BaselinePoint>();
  for (const w of weekly) byEnd.set(w.tMs, w);
  const stepMs = weeklyStepS * 1000;
  return daily.map((d) => {
    const end = Math.ceil(d.tMs / stepMs) * stepMs;
    let w: BaselinePoint | undefined;
    for (let k = 0; k <= WEEKLY_MATCH_STEPS && w === undefined; k++) w = byEnd.get(end - k * stepMs);
    if (w === undefined) return d;
    // the daily step's own observation against the weekly forecast (not the 300 s step's average)
    const weeklyScore = (d.observed - w.expected) / w.deviation;
    const value = Math.sign(d.value) === Math.sign(weeklyScore) ? Math.sign(d.value) * Math.min(Math.abs(d.value), Math.abs(weeklyScore)) : 0;
    return { ...d, value };
  });
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
