// A pool member's traffic over a window (B6), read from its log source's `weblog` series (S11;
// contract/families.ts: one series per source, in its agent's RRD directory, key = the source's
// id): requests/s averaged over the intervals that have a value, the 5xx share of the requests,
// and the p95 latency as the mean of the intervals' p95 weighted by their requests. A source
// with no series yet (nothing received) has no traffic: every figure null.
import { isRwError } from '../../../contract/errors.js';
import { familyFields } from '../../../contract/metrics.js';
import type { RrdStore } from '../../store/rrd-store.js';

export type WeblogSeriesReader = Pick<RrdStore, 'consolidated'>;

export interface MemberTraffic {
  requestsPerS: number | null;
  /** 5xx / requests, 0..1 */
  errorRate: number | null;
  p95Ms: number | null;
}

export const NO_TRAFFIC: MemberTraffic = { requestsPerS: null, errorRate: null, p95Ms: null };

const FIELDS = familyFields('weblog');
const COL = { requests: FIELDS.indexOf('requests'), s5xx: FIELDS.indexOf('s5xx'), p95: FIELDS.indexOf('p95_ms') };

/** The rows' figures; rows are the family's columns in field order (null = unknown). */
export function trafficOfRows(rows: readonly { values: readonly (number | null)[] }[]): MemberTraffic {
  let n = 0;
  let requests = 0;
  let errors = 0;
  let errorBase = 0;
  let p95Sum = 0;
  let p95Weight = 0;
  for (const { values } of rows) {
    const r = values[COL.requests];
    if (r === null || r === undefined || !Number.isFinite(r)) continue;
    n++;
    requests += r;
    const e = values[COL.s5xx];
    if (e !== null && e !== undefined && Number.isFinite(e)) {
      errors += e;
      errorBase += r;
    }
    const p = values[COL.p95];
    if (p !== null && p !== undefined && Number.isFinite(p) && r > 0) {
      p95Sum += p * r;
      p95Weight += r;
    }
  }
  if (n === 0) return NO_TRAFFIC;
  return {
    requestsPerS: requests / n,
    errorRate: errorBase > 0 ? Math.min(1, errors / errorBase) : null,
    p95Ms: p95Weight > 0 ? p95Sum / p95Weight : null,
  };
}

/** One member's traffic over (fromS, toS]; a missing series is no traffic, any other failure throws. */
export async function memberTraffic(reader: WeblogSeriesReader, agentId: string, sourceId: string, fromS: number, toS: number): Promise<MemberTraffic> {
  try {
    const { rows } = await reader.consolidated(agentId, 'weblog', sourceId, fromS, toS, 'AVERAGE');
    return trafficOfRows(rows);
  } catch (e) {
    if (isRwError(e, 'RW_ERR_NOT_FOUND')) return NO_TRAFFIC;
    throw e;
  }
}
