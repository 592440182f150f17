// GET /agents?latest=1 (S9): the server list's columns (each server's latest values) in the one
// list request, instead of a detail request a server; the plain list stays as it was.
import t from 'tap';
import type { AgentSummary, AgentWithLatest } from '../../../contract/api.js';
import { startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../../helpers/mqtt-agent.js';

void t.test('the agent list with latest values', async (t) => {
  const app = await startAppliance(t);
  const sending = await enroll(app, 'web-01');
  const quiet = await enroll(app, 'db-01');
  const client = await connectAgent(t, app, sending);
  await publishMetrics(client, sending.agentId, sampleBatch(Math.floor(Date.now() / 1000), 1, 42));

  await t.test('latest=1: a server that sent samples has its CPU values, one that did not has none', async (t) => {
    const list = await waitFor('web-01\'s cpu among its latest values', async () => {
      const l = await app.api<AgentWithLatest[]>('/api/v1/agents?latest=1');
      return l.find((a) => a.id === sending.agentId)?.latest?.some((s) => s.family === 'cpu') ? l : undefined;
    });
    const web = list.find((a) => a.id === sending.agentId);
    t.equal(web?.hostname, 'web-01');
    t.equal(web?.latest?.find((s) => s.family === 'cpu')?.values.user, 42, 'the value sent');
    t.same(list.find((a) => a.id === quiet.agentId)?.latest, [], 'db-01 has sent nothing yet');
  });

  await t.test('without it, the list is the summaries alone', async (t) => {
    const list = await app.api<(AgentSummary & { latest?: unknown })[]>('/api/v1/agents');
    t.equal(list.length, 2);
    t.ok(list.every((a) => a.latest === undefined), 'no latest values');
  });

  await t.test('a bad latest= is refused naming it', async (t) => {
    const res = await app.fetch('/api/v1/agents?latest=yes');
    t.equal(res.status, 400);
    t.match(await res.text(), /latest/);
  });
});
