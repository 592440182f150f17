// The figures of a statistics answer (S10), pure: from the rows of a series' AVERAGE archive
// (and MIN / MAX where the store has them at the same row width), for the rows whose interval
// starts within the chosen hours. Percentiles are nearest-rank (the smallest stored value with
// at least p % of the values at or below it), so each is a value that was stored, and exact
// figures can be checked in a test.
import type { FieldStats } from '../../contract/stats-api.js';
import type { FetchRow } from '../store/rrdcached-client.js';

export interface StatsRows {
  /** seconds per row */
  step: number;
  rows: readonly FetchRow[];
}

export interface StatsInput {
  fields: readonly { name: string; unit: string }[];
  avg: StatsRows;
  /** MIN rows at avg's row width; absent: the minimum of the AVERAGE rows */
  min?: StatsRows;
  max?: StatsRows;
  /** whether a row whose interval starts at this unix ms counts; absent: every row */
  include?: (startMs: number) => boolean;
}

/** The value at or below which p (0…1) of the sorted values lie, nearest-rank; null for none. */
export function nearestRank(sorted: Float64Array, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * sorted.length - 1e-9));
  return sorted[Math.min(rank, sorted.length) - 1] ?? null;
}

function selected(part: StatsRows, include: StatsInput['include']): FetchRow[] {
  if (!include) return [...part.rows];
  return part.rows.filter((r) => include((r.t - part.step) * 1000));
}

function extreme(rows: readonly FetchRow[], c: number, pick: (a: number, b: number) => number): number | null {
  let out: number | null = null;
  for (const r of rows) {
    const v = r.values[c];
    if (v === null || v === undefined) continue;
    out = out === null ? v : pick(out, v);
  }
  return out;
}

export function fieldStats(input: StatsInput): FieldStats[] {
  const avgRows = selected(input.avg, input.include);
  const minRows = input.min ? selected(input.min, input.include) : avgRows;
  const maxRows = input.max ? selected(input.max, input.include) : avgRows;
  return input.fields.map((f, c) => {
    const values = new Float64Array(avgRows.length);
    let n = 0;
    let sum = 0;
    for (const r of avgRows) {
      const v = r.values[c];
      if (v === null || v === undefined) continue;
      values[n++] = v;
      sum += v;
    }
    const sorted = values.subarray(0, n).sort();
    return {
      field: f.name, unit: f.unit,
      min: extreme(minRows, c, Math.min),
      avg: n > 0 ? sum / n : null,
      max: extreme(maxRows, c, Math.max),
      p95: nearestRank(sorted, 0.95),
      p99: nearestRank(sorted, 0.99),
      availability: avgRows.length > 0 ? n / avgRows.length : 0,
    };
  });
}
