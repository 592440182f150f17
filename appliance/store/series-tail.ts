// The recent end of a long series read (S10, D6 of the UI review): rrd_fetch answers a range from
// the finest archive that covers its start, so a year comes from the hour archive, whose newest
// row is consolidated only when its hour is over (and half of its samples known). A server that
// has been reporting for forty minutes then has a year "without data", and every server's last hour
// is missing from the year. The store reads that tail again from a finer archive and joins the
// two here (pure): the coarse rows up to its last known one, then the fine rows after it, each
// part downsampled to its share of the points.
import type { FetchRow } from './rrdcached-client.js';

/** Coarse archives only: a one-minute archive lags by a minute, which a chart does not show. */
const TAIL_MIN_STEP_S = 300;
/** How far back the tail is read: the raw archive keeps a day in the default profile (rrd-layout.ts). */
export const TAIL_SPAN_S = 86_400;

function lastKnownT(rows: readonly FetchRow[]): number | null {
  for (let i = rows.length - 1; i >= 0; i--) {
    const r = rows[i];
    if (r && r.values.some((v) => v !== null && v !== undefined)) return r.t;
  }
  return null;
}

/** Where the tail to read again starts, or null when the coarse answer is recent enough. */
export function tailStart(coarse: { step: number; rows: readonly FetchRow[] }, fromS: number, toS: number): number | null {
  if (coarse.step < TAIL_MIN_STEP_S) return null;
  const last = lastKnownT(coarse.rows);
  if (last !== null && toS - last <= coarse.step) return null;
  const start = Math.max(last ?? fromS, toS - TAIL_SPAN_S);
  return start > fromS && start < toS ? start : null;
}

/**
 * The coarse rows up to `cut` followed by the tail's rows after it, with the points shared by
 * time: the tail gets its share of the range, at least two points so that it draws as a line.
 */
export function joinTail(
  coarse: readonly FetchRow[],
  tail: readonly FetchRow[],
  cut: number,
  fromS: number,
  toS: number,
  points: number,
  downsample: (rows: readonly FetchRow[], points: number) => FetchRow[],
): FetchRow[] {
  const recent = tail.filter((r) => r.t > cut && r.values.some((v) => v !== null && v !== undefined));
  if (recent.length === 0) return downsample(coarse, points);
  const tailPoints = Math.min(points - 1, Math.max(2, Math.round((points * (toS - cut)) / (toS - fromS))));
  return [...downsample(coarse.filter((r) => r.t <= cut), Math.max(1, points - tailPoints)), ...downsample(recent, tailPoints)];
}
