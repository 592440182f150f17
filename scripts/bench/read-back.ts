// Reading acknowledged samples back (B2, RES): one series of one simulated agent is fetched
// through the appliance's API and compared value by value with what the load generator sent
// (`sampleValue`). Shared by the ingest benchmark (a random subset) and the soak (every series).
import type { SeriesResponse } from '../../contract/api.js';
import { fieldNames, sampleValue, SIM_SERIES } from '../loadgen.js';

export { prng } from '../../core/seeded-random.js';

export interface ApiTarget {
  httpPort: number;
  apiToken: string;
}

export function authorization(api: ApiTarget): Record<string, string> {
  return { authorization: `Bearer ${api.apiToken}` };
}

export interface ReadBackRequest {
  agentId: string;
  agentIndex: number;
  seriesIndex: number;
  intervalS: number;
  /** unix s of the first and the last acknowledged round to check (both included) */
  fromT: number;
  toT: number;
}

export interface ReadBackResult {
  /** false: the series could not be read (HTTP error); `problems` says why */
  read: boolean;
  checked: number;
  missing: number;
  wrong: number;
  /** the first few differences, for the report */
  problems: string[];
}

/** the API's `points` (≤ 5,000) must not make it average rows together */
export const MAX_ROWS_PER_READ = 4000;
const PROBLEMS_KEPT = 3;

export async function readBackSeries(api: ApiTarget, r: ReadBackRequest): Promise<ReadBackResult> {
  const out: ReadBackResult = { read: false, checked: 0, missing: 0, wrong: 0, problems: [] };
  const def = SIM_SERIES[r.seriesIndex];
  if (!def) throw new Error(`no simulated series ${r.seriesIndex}`);
  const what = `${r.agentId} ${def.family}${def.key !== undefined ? ` ${def.key}` : ''}`;
  const q = new URLSearchParams({ family: def.family, from: String(r.fromT - r.intervalS), to: String(r.toT), points: '5000' });
  if (def.key !== undefined) q.set('key', def.key);
  let body: SeriesResponse;
  try {
    const res = await fetch(`http://127.0.0.1:${api.httpPort}/api/v1/agents/${r.agentId}/series?${q.toString()}`, { headers: authorization(api), signal: AbortSignal.timeout(30_000) });
    if (!res.ok) {
      out.problems.push(`${what}: series HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
      return out;
    }
    body = (await res.json()) as SeriesResponse;
  } catch (e) {
    out.problems.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
    return out;
  }
  out.read = true;
  if (body.step !== r.intervalS) out.problems.push(`${what}: answered at step ${body.step}, expected ${r.intervalS}`);
  const rowOf = new Map<number, number>();
  for (const [i, t] of body.data[0].entries()) rowOf.set(t, i);
  const fields = fieldNames(r.seriesIndex);
  for (let t = r.fromT; t <= r.toT; t += r.intervalS) {
    const row = rowOf.get(t);
    for (const [fi, field] of fields.entries()) {
      out.checked++;
      const col = body.fields.indexOf(field);
      const got = row === undefined || col < 0 ? null : (body.data[col + 1]?.[row] ?? null);
      const expected = sampleValue(r.agentIndex, r.seriesIndex, fi, t, r.intervalS);
      if (got === null) {
        if (expected === null) continue;
        out.missing++;
        if (out.missing <= PROBLEMS_KEPT) out.problems.push(`${what} ${field} @${t}: missing (expected ${expected})`);
      } else if (expected === null || Math.abs(got - expected) > 1e-9 * Math.max(1, Math.abs(expected))) {
        out.wrong++;
        if (out.wrong <= PROBLEMS_KEPT) out.problems.push(`${what} ${field} @${t}: ${got}, expected ${expected ?? 'unknown'}`);
      }
    }
  }
  return out;
}
