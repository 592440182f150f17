// B9: the band a baseline rule judges against, for the charts (GET …/series?band=1): rrdtool's
// forecast (HWPREDICT) ± BAND_DEVIATIONS × its deviation (DEVPREDICT, never under
// MIN_DEVIATION_PCT), in the metric's unit (CPU busy %, memory used %), read from the file the
// baseline watch reads (baseline-watch.ts currentBaselineFile), from the end of its first season
// of learning on. Null for a family without a baseline metric, a file without the archives (no
// rule covers it, or its step has none) or still in its first season.
import { BASELINE_METRICS, BASELINE_METRIC_NAMES, type BaselineMetricName } from '../../contract/alerting.js';
import type { SeriesBand } from '../../contract/api.js';
import type { Family } from '../../contract/families.js';
import { currentBaselineFile } from './baseline-watch.js';
import { readBaselineRows, type BaselineFetcher } from './baseline-reader.js';
import { baselinePoints, DEFAULT_LEARNING_S } from './rules/baseline-observations.js';

/** The band's half-width in deviations: the default warning level of a baseline rule (docs/alerting.md). */
export const BAND_DEVIATIONS = 3;

export interface BandSource extends BaselineFetcher {
  filesOf(agentId: string): Promise<string[]>;
  /** since when the file's forecast learns (baseline-archives.ts), null when no baseline rule covers it */
  sinceOf(rel: string): Promise<number | null>;
}

export function baselineMetricOf(family: Family): BaselineMetricName | null {
  return BASELINE_METRIC_NAMES.find((n) => BASELINE_METRICS[n].family === family) ?? null;
}

/** The band over (fromS, toS], averaged into at most `points` buckets. */
export async function readBand(source: BandSource, agentId: string, family: Family, fromS: number, toS: number, points: number): Promise<SeriesBand | null> {
  const name = baselineMetricOf(family);
  if (!name) return null;
  const file = await currentBaselineFile(source, agentId, family);
  if (!file) return null;
  // the band a rule would judge against: none while the forecast learns its first season (a
  // file whose archives were just added forecasts from its level alone, which is no "usual")
  const sinceS = await source.sinceOf(file.rel);
  if (sinceS === null) return null;
  const rows = await readBaselineRows(source, file.rel, name, fromS, toS);
  const judged = baselinePoints(name, rows, (sinceS + DEFAULT_LEARNING_S) * 1000);
  if (judged.length === 0) return null;
  const size = Math.max(1, Math.ceil(judged.length / points));
  const data: SeriesBand['data'] = [[], [], [], []];
  for (let i = 0; i < judged.length; i += size) {
    const bucket = judged.slice(i, i + size);
    const mean = (f: (p: (typeof judged)[number]) => number): number => bucket.reduce((s, p) => s + f(p), 0) / bucket.length;
    const last = bucket[bucket.length - 1];
    if (!last) continue;
    data[0].push(last.tMs / 1000);
    data[1].push(mean((p) => p.expected));
    data[2].push(mean((p) => p.expected - BAND_DEVIATIONS * p.deviation));
    data[3].push(mean((p) => p.expected + BAND_DEVIATIONS * p.deviation));
  }
  return { metric: name, unit: '%', deviations: BAND_DEVIATIONS, data };
}
