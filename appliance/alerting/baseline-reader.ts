// B9: reads a series' Holt-Winters rows through rrdcached: the stored value (AVERAGE, the raw
// day), rrdtool's forecast (HWPREDICT) and its deviation (DEVPREDICT) for the same steps, joined
// by time. rrdcached's FETCH writes the file's pending updates first, so the forecast covers every
// sample it has taken (rrdtool computes Holt-Winters when it writes, not when it caches).
import { BASELINE_METRICS, type BaselineMetricName } from '../../contract/alerting.js';
import type { FetchCf, FetchResult } from '../store/rrdcached-client.js';
import type { BaselineRow } from './rules/baseline-observations.js';

export interface BaselineFetcher {
  fetch(file: string, cf: FetchCf, startS: number, endS: number): Promise<FetchResult>;
}

function column(result: FetchResult, field: string): Map<number, number | null> {
  const i = result.dsNames.indexOf(field);
  const out = new Map<number, number | null>();
  if (i < 0) return out;
  for (const row of result.rows) out.set(row.t, row.values[i] ?? null);
  return out;
}

/**
 * Rows of (fromS, toS] of `file` (relative to the RRD directory) for a baseline metric. A file
 * without the Holt-Winters archives (made before B9) answers with no forecast: rows whose
 * `predicted` is null, which the rule reads as no data.
 */
export async function readBaselineRows(client: BaselineFetcher, file: string, name: BaselineMetricName, fromS: number, toS: number): Promise<BaselineRow[]> {
  const { field } = BASELINE_METRICS[name];
  const observed = await client.fetch(file, 'AVERAGE', fromS, toS);
  const [predicted, deviation] = await Promise.all([
    client.fetch(file, 'HWPREDICT', fromS, toS).catch(() => null),
    client.fetch(file, 'DEVPREDICT', fromS, toS).catch(() => null),
  ]);
  const values = column(observed, field);
  const totals = name === 'memory_used_pct' ? column(observed, 'total') : null;
  const forecast = predicted && predicted.step === observed.step ? column(predicted, field) : new Map<number, number | null>();
  const spread = deviation && deviation.step === observed.step ? column(deviation, field) : new Map<number, number | null>();
  // rrdtool writes a step's forecast at the next update: until then the newest stored step's
  // HWPREDICT row is unknown (rrdtool fetch) or a season-old row of the ring (measured through
  // rrdcached: busy 11 % forecast where the day before at that time was 16 %). It is no forecast yet.
  let newest = -Infinity;
  for (const [t, v] of values) if (v !== null && t > newest) newest = t;
  const rows: BaselineRow[] = [];
  for (const [t, v] of values) {
    if (t <= fromS || t > toS) continue;
    rows.push({
      tMs: t * 1000,
      observed: v,
      predicted: t === newest ? null : forecast.get(t) ?? null,
      deviation: t === newest ? null : spread.get(t) ?? null,
      ...(totals ? { total: totals.get(t) ?? null } : {}),
    });
  }
  return rows;
}
