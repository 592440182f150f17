// Columnar time windows for the charts (uPlot's data layout: column 0 = unix seconds, then one
// column per field). Live charts are seeded from the series API and then extended one stream
// sample at a time; the window is bounded by age and by point count so that a panel left open for
// days keeps a constant memory footprint. Pure functions: each returns a new window.
import type { SeriesResponse } from '../../contract/api.js';

export type Columns = [number[], ...(number | null)[][]];

export interface SeriesWindow {
  /** field names of columns 1…n */
  fields: readonly string[];
  data: Columns;
}

export interface WindowBounds {
  /** points older than the newest minus this are dropped */
  maxAgeS: number;
  maxPoints: number;
}

export function emptyWindow(fields: readonly string[]): SeriesWindow {
  return { fields, data: [[], ...fields.map(() => [])] };
}

/**
 * Picks the wanted fields out of an API answer, by name: the appliance's column order is its RRD
 * layout and need not match ours. Trailing rows with no value at all are dropped: they are the
 * archive's not-yet-consolidated last step, and would open a gap before the first live sample.
 */
export function windowFromResponse(fields: readonly string[], r: SeriesResponse): SeriesWindow {
  const times = r.data[0];
  const cols = fields.map((f) => {
    const at = r.fields.indexOf(f);
    const col = at >= 0 ? r.data[at + 1] : undefined;
    return times.map((_, i) => col?.[i] ?? null);
  });
  let n = times.length;
  while (n > 0 && cols.every((c) => c[n - 1] === null)) n--;
  return { fields, data: [times.slice(0, n), ...cols.map((c) => c.slice(0, n))] };
}

/** Adds one sample; an older or duplicate timestamp replaces or is ignored, never reorders. */
export function appendSample(
  w: SeriesWindow,
  t: number,
  values: Record<string, number | null | undefined>,
  bounds: WindowBounds,
): SeriesWindow {
  const times = w.data[0];
  const last = times[times.length - 1];
  if (last !== undefined && t < last) return w;
  const replace = last === t;
  const keep = replace ? times.length - 1 : times.length;
  const newest = t;
  let start = 0;
  while (start < keep && (times[start] ?? newest) < newest - bounds.maxAgeS) start++;
  start = Math.max(start, keep + 1 - bounds.maxPoints);
  const data: Columns = [
    [...times.slice(start, keep), t],
    ...w.fields.map((f, i) => {
      const v = values[f];
      return [...(w.data[i + 1] ?? []).slice(start, keep), typeof v === 'number' && Number.isFinite(v) ? v : null];
    }),
  ];
  return { fields: w.fields, data };
}

/**
 * Joins a seed (history) with live samples that arrived while it loaded: history up to the first
 * live point, then the live points, then trimmed to the bounds.
 */
export function mergeSeed(seed: SeriesWindow, live: SeriesWindow, bounds: WindowBounds): SeriesWindow {
  const first = live.data[0][0];
  const cut = first === undefined ? seed.data[0].length : seed.data[0].findIndex((t) => t >= first);
  const upto = cut < 0 ? seed.data[0].length : cut;
  let merged: SeriesWindow = {
    fields: seed.fields,
    data: [seed.data[0].slice(0, upto), ...seed.fields.map((_, i) => (seed.data[i + 1] ?? []).slice(0, upto))],
  };
  const liveTimes = live.data[0];
  for (let j = 0; j < liveTimes.length; j++) {
    const values: Record<string, number | null> = {};
    live.fields.forEach((f, i) => (values[f] = live.data[i + 1]?.[j] ?? null));
    merged = appendSample(merged, liveTimes[j] ?? 0, values, bounds);
  }
  return merged;
}

/** Points with at least one value: what a test or a "no data" hint should count. */
export function pointsWithData(data: readonly (readonly (number | null | undefined)[])[]): number {
  const times = data[0] ?? [];
  let n = 0;
  for (let i = 0; i < times.length; i++) {
    for (let c = 1; c < data.length; c++) {
      const v = data[c]?.[i];
      if (v !== null && v !== undefined) {
        n++;
        break;
      }
    }
  }
  return n;
}

/** Multiplies every value (bytes → bits) into a new window. */
export function scaleWindow(w: SeriesWindow, factor: number): SeriesWindow {
  return {
    fields: w.fields,
    data: [w.data[0], ...w.fields.map((_, i) => (w.data[i + 1] ?? []).map((v) => (v === null ? null : v * factor)))],
  };
}

/**
 * Aligns several windows on the union of their timestamps (one chart line per column), with null
 * where a window has no point at that time. Windows of one agent share timestamps, so this is
 * usually a plain concatenation of columns.
 */
export function alignWindows(windows: readonly SeriesWindow[]): Columns {
  return joinColumns(windows.map((w) => w.data));
}

/** Several column sets on the union of their timestamps (null where a set has no point). */
export function joinColumns(sets: readonly Columns[]): Columns {
  const all = new Set<number>();
  for (const s of sets) for (const t of s[0]) all.add(t);
  const times = [...all].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const out: Columns = [times];
  for (const s of sets) {
    for (let c = 1; c < s.length; c++) {
      const col: (number | null)[] = new Array<number | null>(times.length).fill(null);
      const src = s[c] ?? [];
      s[0].forEach((t, i) => {
        const at = index.get(t);
        if (at !== undefined) col[at] = src[i] ?? null;
      });
      out.push(col);
    }
  }
  return out;
}
