// The charts' analysis tools (S10, B5), pure so that they are tested without a browser: the
// legend's min/avg/max/last over the visible range, the time shift (the same range a day, a week or
// a month earlier, moved forward onto the chart's time axis), zoom and pan of a custom range,
// which interfaces were idle, and the Compare screen's address (host names, readable and shareable).
import type { Columns } from './series-window.js';

export interface LegendFigures {
  min: number | null;
  avg: number | null;
  max: number | null;
  last: number | null;
}

/**
 * The width of a line's rows: the smallest gap between two of its consecutive points with a value
 * (the series' step, or the bucket width of a downsampled answer), else between any two times (a
 * compared server with another step adds times of its own); 0 with fewer than two points.
 */
export function rowWidth(times: readonly number[], col?: readonly (number | null | undefined)[]): number {
  let w = Infinity;
  let prev: number | undefined;
  for (let i = 0; i < times.length; i++) {
    const v = col?.[i];
    if (col && (v === null || v === undefined)) continue;
    const t = times[i] ?? NaN;
    if (prev !== undefined && t - prev > 0 && t - prev < w) w = t - prev;
    prev = t;
  }
  if (Number.isFinite(w)) return w;
  return col ? rowWidth(times) : 0;
}

/**
 * A column's figures over the range (from, to], counted as GET /api/v1/stats counts it: a point
 * at t stands for the row (t - width, t], and every row that overlaps the range counts. So the row
 * that straddles `to` counts though its time is after it: a range panned or zoomed to end between
 * two rows once left that row out of the legend and showed another max and avg than the
 * statistics API for the same range (S10). avg is the mean of the points with a value, last the
 * newest of them. `width` defaults to the line's own row width (rowWidth).
 */
export function legendFigures(times: readonly number[], col: readonly (number | null | undefined)[], from: number, to: number, width = rowWidth(times, col)): LegendFigures {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let n = 0;
  let last: number | null = null;
  for (let i = 0; i < times.length; i++) {
    const t = times[i] ?? NaN;
    const v = col[i];
    if (!(t > from && (t <= to || t - width < to)) || v === null || v === undefined || !Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    n++;
    last = v;
  }
  return n === 0 ? { min: null, avg: null, max: null, last: null } : { min, avg: sum / n, max, last };
}

export const SHIFTS = ['1d', '1w', '1m'] as const;
export type ShiftId = (typeof SHIFTS)[number];
/** A month is 30 days here, as in the range switch: the same weekday four weeks and two days back. */
export const SHIFT_SECONDS: Readonly<Record<ShiftId, number>> = { '1d': 86_400, '1w': 7 * 86_400, '1m': 30 * 86_400 };

/** The range to fetch for a shift: the shown one, `offsetS` earlier. */
export function shiftedRange(range: readonly [number, number], offsetS: number): [number, number] {
  return [range[0] - offsetS, range[1] - offsetS];
}

/** An earlier range's columns moved forward by `offsetS`, so that they line up with the shown range. */
export function shiftForward(data: Columns, offsetS: number): Columns {
  return [data[0].map((t) => t + offsetS), ...data.slice(1)] as Columns;
}

/** Sum of the columns per time (a stacked chart's total); null where every column is. */
export function columnTotal(data: Columns): (number | null)[] {
  return data[0].map((_, i) => {
    let sum: number | null = null;
    for (let c = 1; c < data.length; c++) {
      const v = data[c]?.[i];
      if (v !== null && v !== undefined) sum = (sum ?? 0) + v;
    }
    return sum;
  });
}

/** A zoom narrower than this shows a single sample or less: not a range worth asking for. */
export const MIN_ZOOM_S = 60;

/** A dragged selection as a range of whole seconds, or null when it is too narrow to be meant. */
export function zoomRange(fromS: number, toS: number): [number, number] | null {
  const a = Math.floor(Math.min(fromS, toS));
  const b = Math.ceil(Math.max(fromS, toS));
  return b - a < MIN_ZOOM_S ? null : [a, b];
}

/** Half a range earlier (-1) or later (+1); never past `nowS`, where there is nothing yet. */
export function panRange(range: readonly [number, number], direction: -1 | 1, nowS: number): [number, number] {
  const span = range[1] - range[0];
  const to = Math.min(nowS, range[1] + (direction * span) / 2);
  return [Math.round(to - span), Math.round(to)];
}

/**
 * The range after a shift-drag across a chart (S10): the plot follows the pointer, so a drag to the
 * right by `dxPx` of a `widthPx` plot shows what was earlier by as much; never past `nowS`, where
 * there is nothing yet. Null for a drag too short to mean a pan (a click).
 */
export function dragPanRange(range: readonly [number, number], dxPx: number, widthPx: number, nowS: number): [number, number] | null {
  if (widthPx <= 0 || Math.abs(dxPx) < 3) return null;
  const span = range[1] - range[0];
  const to = Math.min(nowS, range[1] - (dxPx / widthPx) * span);
  return [Math.round(to - span), Math.round(to)];
}

/**
 * Groups (interfaces) whose every column is zero or missing over (from, to]: an idle interface
 * (a bridge nobody uses, a disconnected port) only clutters the legend. `groupOf[c]` names the
 * group of data column c + 1; a column without a group is never idle.
 */
export function idleGroups(data: Columns, groupOf: readonly (string | undefined)[], from: number, to: number): Set<string> {
  const busy = new Set<string>();
  const seen = new Set<string>();
  const times = data[0];
  groupOf.forEach((g, c) => {
    if (g === undefined) return;
    seen.add(g);
    const col = data[c + 1] ?? [];
    for (let i = 0; i < times.length; i++) {
      const t = times[i] ?? NaN;
      const v = col[i];
      if (t > from && t <= to && v !== null && v !== undefined && v !== 0) {
        busy.add(g);
        return;
      }
    }
  });
  return new Set([...seen].filter((g) => !busy.has(g)));
}
