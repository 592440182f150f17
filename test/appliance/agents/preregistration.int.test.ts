// S3/S4 pre-registration against the REAL built appliance: an operator adds a server by name and
// address, it is listed at once as awaiting its agent, and the agent that enrolls under that host
// name takes the entry (same id, address kept) instead of creating a new one; removal works for
// a waiting entry and for an enrolled agent (whose secret stops working at once).
import t from 'tap';
import mqtt from 'mqtt';
import type { AgentDetail, AgentSummary, EnrollResponse } from '../../../contract/api.js';
import type { AgentConfigResponse } from '../../../contract/fleet-api.js';
import { startAgent, startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll } from '../../helpers/mqtt-agent.js';

interface ErrorBody {
  error: { code: string; message: string; problems?: string[] };
}

void t.test('pre-registered servers', async (t) => {
  const app = await startAppliance(t);
  const post = async (body: unknown): Promise<{ status: number; body: unknown }> => {
    const res = await app.fetch('/api/v1/servers', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  };
  const del = (id: string): Promise<Response> => app.fetch(`/api/v1/servers/${id}`, { method: 'DELETE' });
  const agents = (): Promise<AgentSummary[]> => app.api<AgentSummary[]>('/api/v1/agents');

  let waiting: AgentDetail;
  await t.test('a pre-registered server is listed at once, awaiting its agent', async (t) => {
    const r = await post({ name: 'web-07', address: '10.0.3.7' });
    t.equal(r.status, 201);
    waiting = r.body as AgentDetail;
    t.match(waiting, { hostname: 'web-07', address: '10.0.3.7', awaitingAgent: true, status: 'unknown', lastSeen: null });
    t.match(waiting.id, /^[0-9a-f]{12}$/);
    t.match((await agents()).find((a) => a.id === waiting.id), { hostname: 'web-07', awaitingAgent: true, address: '10.0.3.7' });
  });

  await t.test('bad input and a name already taken are refused', async (t) => {
    const bad = await post({ name: 'not a host!', address: '', extra: 1 });
    t.equal(bad.status, 400);
    const e = bad.body as ErrorBody;
    t.equal(e.error.code, 'RW_ERR_VALIDATION');
    t.equal(e.error.problems?.length, 3, `every problem: ${e.error.problems?.join(' | ')}`);
    t.match(e.error.problems?.join('\n'), /^name: /m);
    t.match(e.error.problems?.join('\n'), /^address: /m);
    t.match(e.error.problems?.join('\n'), /^extra: unknown setting$/m);
    t.equal((await post({ name: 'x', address: 'not an address!' })).status, 400);
    t.equal((await post({ name: 'v6', address: 'fd00::7' })).status, 201, 'an IPv6 address is an address');
    const dup = await post({ name: 'WEB-07', address: '10.0.3.8' });
    t.equal(dup.status, 409, 'host names are compared without case');
    t.equal((dup.body as ErrorBody).error.code, 'RW_ERR_CONFLICT');
  });

  await t.test('a schedule can be set before the agent arrives', async (t) => {
    const res = await app.fetch(`/api/v1/agents/${waiting.id}/config`, { method: 'PUT', body: JSON.stringify({ collectors: { cpu: { intervalS: 2 } } }) });
    t.equal(res.status, 200);
    t.equal(((await res.json()) as AgentConfigResponse).effective.collectors.cpu?.intervalS, 2);
  });

  await t.test('an agent enrolling under the name takes the entry: same id, address kept', async (t) => {
    const r = await app.api<EnrollResponse>('/api/v1/enroll', { token: app.token, hostname: 'web-07' });
    t.equal(r.agentId, waiting.id, 'the id the UI already showed');
    const d = await app.api<AgentDetail>(`/api/v1/agents/${waiting.id}`);
    t.equal(d.address, '10.0.3.7');
    t.notOk(d.awaitingAgent, 'no longer awaiting');
    t.equal((await agents()).filter((a) => a.hostname === 'web-07').length, 1, 'no second entry');
    const client = await connectAgent(t, app, { agentId: r.agentId, secret: r.secret });
    t.ok(client.connected, 'the agent logs in with the secret it was given');
    const again = await app.api<EnrollResponse>('/api/v1/enroll', { token: app.token, hostname: 'web-07' });
    t.not(again.agentId, waiting.id, 'a second agent of the same name gets an entry of its own');
  });

  await t.test('a real agent started with the pre-registered name appears under that entry', async (t) => {
    const pre = (await post({ name: 'app-42', address: 'app-42.example.net' })).body as AgentDetail;
    startAgent(t, app, { hostname: 'app-42', interval: 1 });
    const online = await waitFor('the agent online under the pre-registered id', async () => {
      const a = (await agents()).find((x) => x.id === pre.id);
      return a?.status === 'online' ? a : null;
    }, { timeoutMs: 20_000 });
    t.match(online, { hostname: 'app-42', address: 'app-42.example.net' });
    t.notOk(online.awaitingAgent);
    t.equal((await agents()).filter((a) => a.hostname === 'app-42').length, 1);
  });

  await t.test('removing a waiting entry, and an enrolled agent whose secret then stops working', async (t) => {
    const spare = (await post({ name: 'spare-01', address: '10.0.9.9' })).body as AgentDetail;
    t.equal((await del(spare.id)).status, 204);
    t.notOk((await agents()).some((a) => a.id === spare.id));
    t.equal((await del(spare.id)).status, 404);

    const id = await enroll(app, 'retired-01');
    const client = await connectAgent(t, app, id);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    t.equal((await del(id.agentId)).status, 204);
    await closed;
    t.pass('its MQTT connection was closed');
    const refused = await mqtt.connectAsync(`mqtt://127.0.0.1:${app.mqttPort}`, {
      clientId: id.agentId, username: id.agentId, password: id.secret, reconnectPeriod: 0, connectTimeout: 5_000, protocolVersion: 4,
    }).then((c) => c.endAsync().then(() => 'connected'), (e: unknown) => String(e));
    t.match(refused, /Bad username or password|Not authorized|refused/i, 'it cannot log in again');
    t.equal((await app.fetch(`/api/v1/agents/${id.agentId}`)).status, 404);
  });
});
