// docs/architecture.md: a bad payload is counted, logged once per agent and dropped; it never crashes the
// process or poisons a store.
import t from 'tap';
import { startAppliance } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../../helpers/mqtt-agent.js';
import type { HealthResponse, SeriesResponse } from '../../../contract/api.js';

void t.test('malformed metrics payloads are dropped and counted; the appliance keeps serving', async (t) => {
  const app = await startAppliance(t);
  const id = await enroll(app, 'db-1');
  const client = await connectAgent(t, app, id);
  const now = Math.floor(Date.now() / 1000);
  const before = (await app.api<HealthResponse>('/api/v1/health')).counters.badPayloads;

  const bad: [string, string | Buffer][] = [
    ['not JSON', '{"v":1, "i": 1, "s": ['],
    ['wrong types', JSON.stringify({ v: 1, i: '5', s: [{ t: now, f: 'cpu', v: { user: 'high' } }] })],
    ['unknown family', JSON.stringify({ v: 1, i: 1, s: [{ t: now, f: 'gpu', v: { x: 1 } }] })],
    ['unknown field', JSON.stringify({ v: 1, i: 1, s: [{ t: now, f: 'cpu', v: { turbo: 1 } }] })],
    // just over the payload bound: within the MQTT packet limit (its topic is shorter than the
    // longest), so it is read, acknowledged and dropped; a packet over that limit closes the
    // connection at its header instead (test/appliance/broker/mqtt-bounds.int.test.ts)
    ['oversized', Buffer.alloc(256 * 1024 + 1, 0x20)],
    ['far in the future', JSON.stringify(sampleBatch(now + 86_400))],
    ['far in the past', JSON.stringify(sampleBatch(now - 30 * 86_400))],
    ['keyed family without key', JSON.stringify({ v: 1, i: 1, s: [{ t: now, f: 'fs', v: { used: 1 } }] })],
  ];
  for (const [, payload] of bad) await publishMetrics(client, id.agentId, payload);

  const health = await app.api<HealthResponse>('/api/v1/health');
  t.equal(health.counters.badPayloads - before, bad.length, 'every bad payload counted');
  t.equal(health.status, 'ok', 'appliance healthy');
  t.equal(app.output().match(/dropped a malformed payload/g)?.length, 1, 'logged once for this agent within the minute');
  t.ok(client.connected, 'the agent stays connected (a bad payload is acknowledged, not retried forever)');

  await publishMetrics(client, id.agentId, sampleBatch(now, 1, 42));
  const series = await app.api<SeriesResponse>(`/api/v1/agents/${id.agentId}/series?family=cpu&from=${now - 60}&to=${now + 5}`);
  const user = series.data[series.fields.indexOf('user') + 1] ?? [];
  t.ok(user.includes(42), 'a valid payload after the bad ones is stored');
});
