// D2: rrdcached runs as the appliance's supervised helper. Killed, it is restarted; what was
// acknowledged before the kill is still readable (its journal is replayed); while it is stopped,
// acknowledgements wait instead of piling samples up in memory (S19 backpressure).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../../helpers/mqtt-agent.js';
import { stopProcess } from './store-fixture.js';
import type { AgentDetail, HealthResponse, SeriesResponse } from '../../../contract/api.js';

async function cpuUser(app: { api<T>(p: string): Promise<T> }, agentId: string, from: number, to: number): Promise<(number | null)[]> {
  const s = await app.api<SeriesResponse>(`/api/v1/agents/${agentId}/series?family=cpu&from=${from}&to=${to}&points=1000`);
  return s.data[s.fields.indexOf('user') + 1] ?? [];
}

void t.test('rrdcached killed with SIGKILL is restarted and acknowledged samples survive (journal replay)', async (t) => {
  const app = await startAppliance(t);
  const id = await enroll(app, 'cache-1');
  const client = await connectAgent(t, app, id);
  const t0 = Math.floor(Date.now() / 1000) - 30;
  // 20 acknowledged samples, values 1…20, one per second of the past
  for (let n = 1; n <= 20; n++) await publishMetrics(client, id.agentId, sampleBatch(t0 + n, 1, n));

  const before = await app.api<HealthResponse>('/api/v1/health');
  t.ok(before.rrdcached.pid, 'rrdcached pid reported');
  process.kill(before.rrdcached.pid as number, 'SIGKILL');

  const after = await waitFor('rrdcached restarted', async () => {
    const h = await app.api<HealthResponse>('/api/v1/health');
    return h.rrdcached.ok && h.rrdcached.restarts >= 1 && h.rrdcached.pid !== before.rrdcached.pid ? h : null;
  }, { timeoutMs: 20_000 });
  t.equal(after.status, 'ok');

  const values = await cpuUser(app, id.agentId, t0, t0 + 21);
  for (let n = 1; n <= 20; n++) t.ok(values.includes(n), `sample ${n} readable after the restart`);

  // and the store keeps working
  await publishMetrics(client, id.agentId, sampleBatch(t0 + 21, 1, 77));
  t.ok((await cpuUser(app, id.agentId, t0, t0 + 22)).includes(77), 'new samples stored after the restart');
});

void t.test('while rrdcached cannot take updates, the MQTT acknowledgement is withheld, then given once stored', async (t) => {
  const app = await startAppliance(t);
  const id = await enroll(app, 'cache-2');
  const client = await connectAgent(t, app, id);
  const now = Math.floor(Date.now() / 1000);
  await publishMetrics(client, id.agentId, sampleBatch(now - 10, 1, 5));
  const pid = (await app.api<HealthResponse>('/api/v1/health')).rrdcached.pid as number;

  // the daemon has really stopped before the publish (this test once saw a PUBACK within 1.5 s)
  await stopProcess(pid);
  const publishedAt = Date.now();
  let acked = false;
  const publish = publishMetrics(client, id.agentId, sampleBatch(now - 9, 1, 66)).then(() => { acked = true; });
  await new Promise((r) => setTimeout(r, 1500));
  t.notOk(acked, 'no PUBACK while the sample is not in rrdcached');
  const h = await app.api<HealthResponse>('/api/v1/health');
  t.ok(h.counters.ingestBacklog >= 1, 'the withheld publish shows as ingest backlog');
  t.equal(h.rrdcached.pid, pid, 'the same daemon, still stopped: it was not replaced meanwhile');
  const seen = await app.api<AgentDetail>(`/api/v1/agents/${id.agentId}`);
  t.ok((seen.lastSeen ?? 0) >= publishedAt, 'the agent counts as heard from while its sample waits (not silent)');
  try {
    process.kill(pid, 'SIGCONT');
  } catch {
    // the supervisor may have replaced a daemon that stopped answering: equally fine
  }
  await publish;
  t.ok(acked, 'PUBACK after rrdcached took the update');
  t.ok((await cpuUser(app, id.agentId, now - 20, now)).includes(66), 'the sample is stored');
});

void t.test('--rrd-write-interval is how long the supervised rrdcached holds updates (-w), spread over as much again (-z)', async (t) => {
  const app = await startAppliance(t, { args: ['--rrd-write-interval', '60'] });
  const { rrdcached } = await app.api<HealthResponse>('/api/v1/health');
  const args = readFileSync(`/proc/${rrdcached.pid as number}/cmdline`, 'utf8').split('\0');
  t.equal(args[args.indexOf('-w') + 1], '60');
  t.equal(args[args.indexOf('-z') + 1], '60');
});
