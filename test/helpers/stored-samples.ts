// What the appliance stored, read back through its API: the storage-fault tests (RES) check that
// every second an agent sampled is there after the fault, and watch health while it lasts.
import type { HealthResponse, SeriesResponse } from '../../contract/api.js';
import type { RunningAppliance } from './appliance-harness.js';

export const nowS = (): number => Math.floor(Date.now() / 1000);

/** The cpu `user` value of every row in (from, to]: null for an unknown row. */
export async function cpuRows(app: RunningAppliance, agentId: string, from: number, to: number): Promise<Map<number, number | null>> {
  const s = await app.api<SeriesResponse>(`/api/v1/agents/${agentId}/series?family=cpu&from=${from}&to=${to}&points=5000`);
  const user = s.data[1 + s.fields.indexOf('user')] ?? [];
  const out = new Map<number, number | null>();
  s.data[0].forEach((tm, i) => out.set(tm, user[i] ?? null));
  return out;
}

/** The time of the last cpu row with data in the last two minutes, or null. */
export async function lastStored(app: RunningAppliance, agentId: string): Promise<number | null> {
  let last: number | null = null;
  for (const [tm, v] of await cpuRows(app, agentId, nowS() - 120, nowS())) if (v !== null) last = tm;
  return last;
}

/** The seconds in [from, to] with no cpu data. */
export async function missingSeconds(app: RunningAppliance, agentId: string, from: number, to: number): Promise<number[]> {
  const rows = await cpuRows(app, agentId, from - 1, to);
  const missing: number[] = [];
  for (let tm = from; tm <= to; tm++) if (rows.get(tm) == null) missing.push(tm);
  return missing;
}

/** GET /api/v1/health as admin, whatever its status (503 when degraded). */
export async function health(app: RunningAppliance): Promise<HealthResponse> {
  const res = await app.fetch('/api/v1/health');
  return (await res.json()) as HealthResponse;
}
