// GET /api/v1/stream: live samples filtered by agent, and a reconnect with Last-Event-ID gets
// what it missed.
import t from 'tap';
import { startAppliance, waitFor } from '../helpers/appliance-harness.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../helpers/mqtt-agent.js';
import { openStream } from '../helpers/sse.js';

void t.test('the stream filters by agent and replays missed events after Last-Event-ID', async (t) => {
  const app = await startAppliance(t);
  const a = await enroll(app, 'stream-a');
  const b = await enroll(app, 'stream-b');
  const all = await openStream(`${app.url}/api/v1/stream`);
  const onlyB = await openStream(`${app.url}/api/v1/stream?agent=${b.agentId}`);
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
  const resumed = await openStream(`${app.url}/api/v1/stream?agent=${a.agentId}`, { 'last-event-id': first });
  t.teardown(() => resumed.close());
  const replayed = await waitFor('replayed events', () => {
    const r = resumed.events.filter((e) => e.event === 'sample');
    return r.length >= 2 ? r : null;
  });
  t.same(replayed.slice(0, 2).map((e) => e.id), samples().slice(1, 3).map((e) => e.id), 'the two events after Last-Event-ID are replayed in order');
});
