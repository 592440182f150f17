// Shared set-up of the pool tests (B6), test-only: servers and log sources put straight into the
// database (the sources' own route is S11's, built apart), and `weblog` samples written through
// the real RRD store as the appliance's ingest writes them: one series per source, in its agent's
// directory, keyed by the source's id, 10-second intervals.
import type { Db } from '../../../appliance/db/database.js';
import type { RrdStore } from '../../../appliance/store/rrd-store.js';
import type { Sample } from '../../../contract/metrics.js';

export const STEP_S = 10;

export function insertServer(db: Db, agentId: string, hostname: string): void {
  db.prepare('INSERT INTO agents (id, hostname, secret_hash, created_at) VALUES (?, ?, ?, ?)').run(agentId, hostname, 'x', 0);
}

export function insertSource(db: Db, id: string, agentId: string, poolId: string | null, weight = 1): void {
  db.prepare(`INSERT INTO weblog_sources (id, agent_id, path, format, interval_s, pool_id, weight, created_at)
    VALUES (?, ?, ?, 'combined', ?, ?, ?, 0)`).run(id, agentId, `/var/log/nginx/${id}.log`, STEP_S, poolId, weight);
}

export interface Load {
  /** requests/s */
  rps: number;
  /** 5xx share of them, 0..1 */
  errors?: number;
  p95?: number;
}

/** One interval's `weblog` values: 2xx the rest, latencies around the p95. */
export function weblogSample(source: string, tS: number, load: Load): Sample {
  const s5xx = load.rps * (load.errors ?? 0);
  const p95 = load.p95 ?? 40;
  return {
    t: tS, f: 'weblog', k: source,
    v: { requests: load.rps, bytes: load.rps * 2000, s2xx: load.rps - s5xx, s3xx: 0, s4xx: 0, s5xx, p50_ms: p95 / 4, p95_ms: p95, p99_ms: p95 * 2, visitors: 10, malformed: 0 },
  };
}

/** Writes the intervals ending in (fromS, toS] of one source; every one stored or it throws. */
export async function writeLoad(store: RrdStore, agentId: string, source: string, fromS: number, toS: number, load: Load): Promise<void> {
  const samples: Sample[] = [];
  for (let t = fromS + STEP_S; t <= toS; t += STEP_S) samples.push(weblogSample(source, t, load));
  const r = await store.write(agentId, STEP_S, samples);
  if (r.rejected > 0 || r.updated !== samples.length) throw new Error(`${source}: ${r.rejected} of ${samples.length} samples refused`);
}
