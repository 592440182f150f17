// Nothing acknowledged is lost when the appliance itself is killed (SIGKILL), and no child of it is
// left running (RES): rrdcached, started through `setpriv --pdeathsig TERM`, gets SIGTERM when the
// appliance dies and writes everything (-F) before it exits; the restarted appliance would stop
// one still running through its pid file. Hand-made batches with known values, so every sample
// can be checked; the REAL built appliance and a real rrdcached.
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SeriesResponse } from '../../contract/api.js';
import type { MetricsBatch } from '../../contract/metrics.js';
import { isAlive } from '../../core/child-lifetime.js';
import { freePort, startAppliance, waitFor } from '../helpers/appliance-harness.js';
import { connectAgent, enroll, publishMetrics } from '../helpers/mqtt-agent.js';
import { tempDir } from '../helpers/temp-dir.js';

void t.test('samples acknowledged before a SIGKILL of the appliance are all in the RRD after its restart', async (t) => {
  const dataDir = tempDir(t, 'rw-kill-');
  const ports = { httpPort: await freePort(), mqttPort: await freePort() };
  const app = await startAppliance(t, { dataDir, ...ports });
  const id = await enroll(app, 'kill-01');
  const client = await connectAgent(t, app, id);
  const N = 180;
  const T = Math.floor(Date.now() / 1000) - 2 * N;
  const user = (i: number): number => Math.round(1000 * Math.sin(i / 7) ** 2) / 10;
  for (let i = 0; i < N; i++) {
    const batch: MetricsBatch = { v: 1, i: 1, s: [{ t: T + i, f: 'cpu', v: { user: user(i), system: 1, iowait: 0, steal: 0, idle: 99 - user(i) } }] };
    // resolves on the PUBACK: rrdcached has acknowledged the update
    await publishMetrics(client, id.agentId, batch);
  }
  client.end(true);
  const childPid = Number(readFileSync(path.join(dataDir, 'run', 'rrdcached.pid'), 'utf8').trim());
  await app.kill();
  await waitFor('rrdcached to exit after the appliance died', () => !isAlive(childPid), { timeoutMs: 10_000 });

  const again = await startAppliance(t, { dataDir, ...ports });
  const s = await waitFor('the series', () => again.api<SeriesResponse>(`/api/v1/agents/${id.agentId}/series?family=cpu&from=${T - 1}&to=${T + N - 1}&points=5000`));
  t.equal(s.step, 1, 'raw resolution');
  t.same(s.data[0], Array.from({ length: N }, (_, i) => T + i), 'every second, in order, none twice');
  t.same(s.data[1 + s.fields.indexOf('user')], Array.from({ length: N }, (_, i) => user(i)), 'each with the value that was sent');
});
