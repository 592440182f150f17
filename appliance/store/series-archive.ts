// Which archive answers a series read (S9, S10; docs/benchmarks.md "The web UI under a full
// dashboard") — pure. A chart asks for about one point per pixel; a day of a 5 s series is 17,280
// raw rows, which rrdcached prints as text (25 bytes a value), the appliance parses and then
// averages down to ~600 points: most of the 1d redraw's time. The one-minute archive holds the
// same day in 1,440 rows. rrdcached's FETCH takes no resolution, though: rrd_fetch answers from the
// finest archive whose reach (its rows back from the file's last update) covers the start. So the
// fetch starts just past the reach of the archive finer than the one wanted, and the rows before
// the asked start are dropped by the caller.
import type { RraDef } from './rrd-layout.js';

/**
 * How far the file's last update may lag the clock and still get the coarser archive: past it,
 * the finer archive still covers the moved start, and the read is as before (right, only slower).
 */
export const LAST_UPDATE_LAG_S = 3600;

interface Reach {
  /** row width, seconds */
  widthS: number;
  /** how far back from the last update the archive reaches, seconds */
  reachS: number;
}

function averageArchives(step: number, rras: readonly RraDef[]): Reach[] {
  return rras
    .filter((r) => r.cf === 'AVERAGE')
    .map((r) => ({ widthS: r.pdpPerRow * step, reachS: r.pdpPerRow * step * r.rows }))
    .sort((a, b) => a.widthS - b.widthS);
}

/**
 * The start to fetch (fromS, toS] with, for about `points` points, from a file of `step` with
 * archives `rras`: `fromS` itself, or earlier so that rrd_fetch answers from the coarsest
 * AVERAGE archive whose rows are no wider than a point. Earlier only when that archive still
 * covers the moved start and the finer one does not (given a last update within
 * LAST_UPDATE_LAG_S of `nowS`).
 */
export function fetchStart(fromS: number, toS: number, points: number, nowS: number, step: number, rras: readonly RraDef[]): number {
  const archives = averageArchives(step, rras);
  const perPoint = (toS - fromS) / Math.max(1, points);
  let k = 0;
  for (let i = 1; i < archives.length; i++) if ((archives[i] as Reach).widthS <= perPoint) k = i;
  if (k === 0) return fromS;
  const finer = archives[k - 1] as Reach;
  const wanted = archives[k] as Reach;
  const start = nowS - finer.reachS - LAST_UPDATE_LAG_S;
  // the asked start is already past the finer archive's reach: rrd_fetch passes it over itself
  if (fromS <= start) return fromS;
  // the wanted archive would not cover the moved start either: keep the read as asked
  if (start <= nowS - wanted.reachS) return fromS;
  return start;
}
