// S1, S15: an agent's latest snapshot (routing table, top processes, current visitors) survives an
// appliance restart: served at once after it, before the agent's collectors run again (routes:
// every 300 s). REAL appliance stopped and started on the same data dir, a hand-driven MQTT agent.
import t from 'tap';
import type { AgentDetail } from '../../../contract/api.js';
import type { MetricsBatch } from '../../../contract/metrics.js';
import { startAgent, startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll, publishMetrics } from '../../helpers/mqtt-agent.js';

void t.test('the latest snapshot is served after an appliance restart', async (t) => {
  const first = await startAppliance(t);
  const id = await enroll(first, 'snap-01');
  const client = await connectAgent(t, first, id);
  const tS = Math.floor(Date.now() / 1000) - 5;
  const batch: MetricsBatch = {
    v: 1, i: 5, s: [],
    x: {
      t: tS,
      routes: [{ destination: '0.0.0.0/0', gateway: '192.0.2.1', iface: 'eth0', metric: 100, family: 'inet' }],
      top: { cpu: [{ pid: 4242, name: 'java', user: 'app', value: 88 }], memory: [{ pid: 4242, name: 'java', user: 'app', value: 41 }], io: [] },
      visitors: [{ remote: '198.51.100.9', remotePort: 50123, localPort: 443 }],
    },
  };
  await publishMetrics(client, id.agentId, batch);
  const detail = (app: typeof first): Promise<AgentDetail> => app.api<AgentDetail>(`/api/v1/agents/${id.agentId}`);
  const before = await waitFor('the snapshot served', async () => (await detail(first)).snapshot?.routes ? (await detail(first)).snapshot : undefined, { timeoutMs: 15_000 });
  await client.endAsync();
  await first.stop();

  const again = await startAppliance(t, { dataDir: first.dataDir });
  const after = (await detail(again)).snapshot;
  t.same(after, before, 'routes, top processes and visitors as they were, with their times');
  t.equal(after?.routes?.entries[0]?.gateway, '192.0.2.1');
  t.equal(after?.top?.cpu[0]?.name, 'java');
  t.equal(after?.visitors?.entries[0]?.remote, '198.51.100.9');
});

void t.test('a new agent sends its routing table and visitors right after connecting, not after their 300 s / 30 s period', async (t) => {
  const app = await startAppliance(t);
  startAgent(t, app, { interval: 5, hostname: 'snap-02' });
  const agentId = await waitFor('the agent listed', async () =>
    (await app.api<{ id: string; hostname: string }[]>('/api/v1/agents')).find((a) => a.hostname === 'snap-02')?.id, { timeoutMs: 30_000 });
  // well inside the routes' 300 s period (and the visitors' 30 s): only a snapshot sent on connecting arrives
  const snapshot = await waitFor('routes and visitors', async () => {
    const s = (await app.api<AgentDetail>(`/api/v1/agents/${agentId}`)).snapshot;
    return s?.routes && s.visitors ? s : undefined;
  }, { timeoutMs: 20_000 });
  t.ok(snapshot.routes && snapshot.routes.entries.length > 0, 'this machine\'s routing table');
  t.ok(Array.isArray(snapshot.visitors?.entries), 'its current visitors (maybe none)');
});
