// One series from several RRD files (pure). A file's step is fixed when it is created, so a
// collector whose interval changes (S2) starts a new file (`cpu.5s.rrd`, then `cpu.1s.rrd`) and
// the old one keeps the earlier history. Reading the series over a range merges what each file
// holds there: rows that carry data win over rows that do not, and where two files both have
// data for the same time the one written most recently wins (then the finer step). A row stands
// for the interval (t - step, t]; rows whose intervals would overlap a chosen row are left out,
// so the answer is in time order with no time twice. Unknown rows fill what no data row covers,
// so gaps stay gaps on a chart.
import type { FetchRow } from './rrdcached-client.js';

export interface SeriesPart {
  /** seconds per row of the archive that answered */
  step: number;
  /** in time order */
  rows: readonly FetchRow[];
}

export interface MergedSeries {
  /** the coarsest step among the parts that contributed rows */
  step: number;
  rows: FetchRow[];
}

function hasData(r: FetchRow): boolean {
  return r.values.some((v) => v !== null);
}

/** unix s of the newest row with data, or -Infinity */
export function lastDataTime(part: SeriesPart): number {
  for (let i = part.rows.length - 1; i >= 0; i--) {
    const r = part.rows[i];
    if (r && hasData(r)) return r.t;
  }
  return -Infinity;
}

interface Placed {
  t: number;
  step: number;
  row: FetchRow;
}

/**
 * Adds `candidates` (sorted by t, all of one step) to `chosen` (sorted, non-overlapping) where
 * their interval (t - step, t] overlaps nothing already chosen. One merge pass: O(n + m).
 */
function placeAll(chosen: Placed[], candidates: readonly FetchRow[], step: number): Placed[] {
  const out: Placed[] = [];
  let i = 0;
  for (const row of candidates) {
    const start = row.t - step;
    // chosen rows that end at or before this one starts come first
    while (i < chosen.length && (chosen[i]?.t ?? Infinity) <= start) out.push(chosen[i++] as Placed);
    const next = chosen[i];
    const prev = out[out.length - 1];
    const clearOfPrev = prev === undefined || prev.t <= start;
    const clearOfNext = next === undefined || next.t - next.step >= row.t;
    if (clearOfPrev && clearOfNext) out.push({ t: row.t, step, row });
  }
  while (i < chosen.length) out.push(chosen[i++] as Placed);
  return out;
}

/** Rows with the columns `from` reordered to `to` (a column `from` lacks is unknown); the same rows when they already match. */
export function alignColumns(from: readonly string[], to: readonly string[], rows: readonly FetchRow[]): readonly FetchRow[] {
  if (from.length === to.length && from.every((name, i) => name === to[i])) return rows;
  const index = to.map((name) => from.indexOf(name));
  return rows.map((r) => ({ t: r.t, values: index.map((i) => (i < 0 ? null : (r.values[i] ?? null))) }));
}

/** Merges the parts of one series (see the header); one part comes back as it is. */
export function mergeSeriesParts(parts: readonly SeriesPart[]): MergedSeries {
  if (parts.length === 1 && parts[0]) return { step: parts[0].step, rows: [...parts[0].rows] };
  const byPriority = [...parts].sort((a, b) => lastDataTime(b) - lastDataTime(a) || a.step - b.step);
  let chosen: Placed[] = [];
  for (const p of byPriority) chosen = placeAll(chosen, p.rows.filter(hasData), p.step);
  for (const p of byPriority) chosen = placeAll(chosen, p.rows.filter((r) => !hasData(r)), p.step);
  const steps = new Set(chosen.map((c) => c.step));
  const step = steps.size > 0 ? Math.max(...steps) : Math.max(0, ...parts.map((p) => p.step));
  return { step, rows: chosen.map((c) => c.row) };
}
