// Pure helpers of the Web logs and Pools screens (S11, B6): the address of each screen in the
// hash (`#view=weblogs&server=<agentId>`, `#view=pools&pool=<id>`), a source's status mix from its
// totals, and the columns of the pool chart for the chosen metric.
import type { WeblogTotals } from '../../contract/weblog-api.js';
import { joinColumns, type Columns, type SeriesWindow } from './series-window.js';

export function hashParam(hash: string, name: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, '')).get(name);
}

export function hashWith(hash: string, name: string, value: string | null): string {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  if (value === null) params.delete(name);
  else params.set(name, value);
  return `#${params.toString()}`;
}

export const STATUS_CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/** Requests by status class from the counts by code; codes outside 200–599 are left out. */
export function statusMix(totals: Pick<WeblogTotals, 'status'>): Record<StatusClass, number> {
  const mix: Record<StatusClass, number> = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
  for (const [code, n] of Object.entries(totals.status)) {
    const cls = `${code.charAt(0)}xx`;
    if ((STATUS_CLASSES as readonly string[]).includes(cls) && code.length === 3) mix[cls as StatusClass] += n;
  }
  return mix;
}

/** The `weblog` fields the pool chart reads. */
export const POOL_CHART_FIELDS = ['requests', 's5xx', 'p95_ms'] as const;
export const POOL_METRICS = ['requests', 'errors', 'p95'] as const;
export type PoolMetric = (typeof POOL_METRICS)[number];

/** One column per member of the metric: requests/s, 5xx in % of requests, or p95 ms. */
export function poolMetricColumns(windows: readonly SeriesWindow[], metric: PoolMetric): Columns {
  const sets: Columns[] = windows.map((w) => {
    const [times, req = [], s5xx = [], p95 = []] = w.data;
    const col = times.map((_, i) => {
      const r = req[i] ?? null;
      if (metric === 'requests') return r;
      if (metric === 'p95') return p95[i] ?? null;
      const e = s5xx[i] ?? null;
      return r === null || e === null || r <= 0 ? null : (e / r) * 100;
    });
    return [times, col];
  });
  return joinColumns(sets);
}
