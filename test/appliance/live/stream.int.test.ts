// GET /api/v1/stream: live samples filtered by agent, and a reconnect with Last-Event-ID gets
// what it missed.
import t from 'tap';
import type { StreamEvents } from '../../../contract/api.js';
import type { MetricsBatch } from '../../../contract/metrics.js';
import { startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../../helpers/mqtt-agent.js';
import { openStream } from '../../helpers/sse.js';

void t.test('the stream filters by agent and replays missed events after Last-Event-ID', async (t) => {
  const app = await startAppliance(t);
  const a = await enroll(app, 'stream-a');
  const b = await enroll(app, 'stream-b');
  const all = await openStream(app, `/api/v1/stream`);
  const onlyB = await openStream(app, `/api/v1/stream?agent=${b.agentId}`);
  t.teardown(() => { all.close(); onlyB.close(); });

  await enroll(app, 'stream-c'); // a new agent after the streams opened: every stream is told
  const client = await connectAgent(t, app, a);
  const now = Math.floor(Date.now() / 1000);
  for (let n = 0; n < 3; n++) await publishMetrics(client, a.agentId, sampleBatch(now - 3 + n, 1, n));

  const samples = () => all.events.filter((e) => e.event === 'sample');
  await waitFor('3 sample events', () => samples().length >= 3);
  t.ok(samples().every((e) => e.id && /^\d+$/.test(e.id)), 'every event has a numeric id');
  t.notOk(onlyB.events.some((e) => e.event === 'sample' || e.event === 'status'), "a stream for agent b gets none of agent a's samples or status");
  t.ok(onlyB.events.some((e) => e.event === 'agent' && (e.data as { hostname: string }).hostname === 'stream-c'), 'but it is told about new agents (for server lists)');

  const first = samples()[0]?.id as string;
  const resumed = await openStream(app, `/api/v1/stream?agent=${a.agentId}`, { 'last-event-id': first });
  t.teardown(() => resumed.close());
  const replayed = await waitFor('replayed events', () => {
    const r = resumed.events.filter((e) => e.event === 'sample');
    return r.length >= 2 ? r : null;
  });
  t.same(replayed.slice(0, 2).map((e) => e.id), samples().slice(1, 3).map((e) => e.id), 'the two events after Last-Event-ID are replayed in order');
  t.same(samples()[0]?.data, { agentId: a.agentId, batch: sampleBatch(now - 3, 1, 0) }, 'a sample event carries the batch as the agent published it');

  // a batch with a snapshot, and one whose JSON spans lines: the samples alone, on one data line
  const withSnapshot: MetricsBatch = { ...sampleBatch(now, 1, 7), x: { t: now, visitors: [{ remote: '10.0.0.9', remotePort: 50000, localPort: 22 }] } };
  await publishMetrics(client, a.agentId, withSnapshot);
  await publishMetrics(client, a.agentId, JSON.stringify(sampleBatch(now + 1, 1, 8), null, 2));
  const later = await waitFor('two more sample events', () => (samples().length >= 5 ? samples().slice(3, 5) : null));
  t.same(later.map((e) => e.data), [
    { agentId: a.agentId, batch: sampleBatch(now, 1, 7) },
    { agentId: a.agentId, batch: sampleBatch(now + 1, 1, 8) },
  ] satisfies StreamEvents['sample'][], 'no snapshot on the stream; a multi-line payload streamed intact');
});
