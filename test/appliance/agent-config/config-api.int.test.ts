// S2 collector schedules: the defaults and per-agent overrides API against the REAL built
// appliance, validated with every problem as "path: message" and nothing changed on a refusal,
// persisted, and published RETAINED on rw/v1/<id>/config, observed by an MQTT client logged in
// as the agent (on change, for a new agent, and again after a restart).
import t from 'tap';
import type { MqttClient } from 'mqtt';
import { agentConfigSchema, DEFAULT_COLLECTOR_SETTINGS, type AgentConfig } from '../../../contract/agent-config.js';
import type { AgentConfigResponse, ConfigDefaultsResponse } from '../../../contract/fleet-api.js';
import { agentTopic } from '../../../contract/topics.js';
import { freePort, startAppliance, waitFor, type RunningAppliance, type Teardownable } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll, type Identity } from '../../helpers/mqtt-agent.js';
import { tempDir } from '../../helpers/temp-dir.js';

interface Answer<T> {
  status: number;
  body: T;
}

async function put<T>(app: RunningAppliance, pathname: string, body: unknown): Promise<Answer<T>> {
  const res = await app.fetch(pathname, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as T };
}

interface Problems {
  error: { code: string; message: string; problems?: string[] };
}

/** Subscribes as the agent and records every configuration it is sent (retained ones included). */
async function listen(t: Teardownable, app: RunningAppliance, id: Identity): Promise<{ client: MqttClient; received: { config: AgentConfig; retained: boolean }[] }> {
  const client = await connectAgent(t, app, id);
  const received: { config: AgentConfig; retained: boolean }[] = [];
  client.on('message', (topic, payload, packet) => {
    if (topic === agentTopic(id.agentId, 'config')) received.push({ config: agentConfigSchema.parse(JSON.parse(payload.toString('utf8'))), retained: packet.retain });
  });
  const granted = await client.subscribeAsync(agentTopic(id.agentId, 'config'), { qos: 1 });
  if (granted[0]?.qos !== 1) throw new Error(`subscription refused: ${JSON.stringify(granted)}`);
  return { client, received };
}

function configWithRevision(received: readonly { config: AgentConfig }[], revision: number): Promise<AgentConfig> {
  return waitFor(`the configuration of revision ${revision}`, () => received.find((r) => r.config.revision === revision)?.config, { timeoutMs: 5_000 });
}

void t.test('collector schedules (S2)', async (t) => {
  const dataDir = tempDir(t, 'rw-cfg-');
  const ports = { httpPort: await freePort(), mqttPort: await freePort() };
  let app = await startAppliance(t, { dataDir, ...ports });
  const web = await enroll(app, 'web-01');
  const agentPath = `/api/v1/agents/${web.agentId}/config`;

  await t.test('until an operator saves anything, the built-in defaults are shown and nothing is published', async (t) => {
    const d = await app.api<ConfigDefaultsResponse>('/api/v1/config/defaults');
    t.equal(d.configured, false);
    t.equal(d.revision, 0);
    t.same(d.collectors, DEFAULT_COLLECTOR_SETTINGS);
    const a = await app.api<AgentConfigResponse>(agentPath);
    t.same(a.overrides, {});
    t.equal(a.published, false, 'the agent runs on its own flags');
    t.same(a.effective.collectors, DEFAULT_COLLECTOR_SETTINGS);
    const { received } = await listen(t, app, web);
    await new Promise((r) => setTimeout(r, 300));
    t.same(received, [], 'no retained configuration waits for the agent');
  });

  await t.test('bad settings are refused with every problem as "path: message", and nothing changes', async (t) => {
    const before = { defaults: await app.api<ConfigDefaultsResponse>('/api/v1/config/defaults'), agent: await app.api<AgentConfigResponse>(agentPath) };
    const cases: [string, unknown, RegExp][] = [
      ['interval 0', { collectors: { cpu: { intervalS: 0 } } }, /^collectors\.cpu\.intervalS: interval must be at least 1 s$/],
      ['negative interval', { collectors: { net: { intervalS: -5 } } }, /^collectors\.net\.intervalS: /],
      ['fractional interval', { collectors: { net: { intervalS: 2.5 } } }, /^collectors\.net\.intervalS: /],
      ['interval too long', { collectors: { fs: { intervalS: 86_400 } } }, /^collectors\.fs\.intervalS: interval must be at most 3600 s$/],
      ['unknown collector', { collectors: { gpu: { enabled: true } } }, /^collectors\.gpu: unknown collector \(known: cpu, /],
      ['wrong type', { collectors: { cpu: { enabled: 'yes' } } }, /^collectors\.cpu\.enabled: /],
      ['unknown setting', { collectors: { cpu: { enabled: true, colour: 'red' } } }, /^collectors\.cpu\.colour: unknown setting$/],
      ['queue too small', { queue: { maxBytes: 10 } }, /^queue\.maxBytes: /],
      ['not an object', [1, 2], /^\(body\): /],
    ];
    for (const [what, body, problem] of cases) {
      for (const pathname of ['/api/v1/config/defaults', agentPath]) {
        const r = await put<Problems>(app, pathname, body);
        t.equal(r.status, 400, `${what} on ${pathname}: 400`);
        t.equal(r.body.error.code, 'RW_ERR_VALIDATION', what);
        t.match(r.body.error.problems?.[0] ?? '', problem, what);
      }
    }
    const many = await put<Problems>(app, agentPath, { collectors: { cpu: { intervalS: 0 }, gpu: {} }, queue: { maxAgeS: 'long' } });
    t.equal(many.body.error.problems?.length, 3, 'every problem of a body is listed, not only the first');
    const notJson = await put<Problems>(app, agentPath, '{');
    t.equal(notJson.status, 400);
    t.equal(notJson.body.error.code, 'RW_ERR_BAD_REQUEST');
    const unknown = await put<Problems>(app, '/api/v1/agents/nobody/config', {});
    t.equal(unknown.status, 404);
    t.equal(unknown.body.error.code, 'RW_ERR_NOT_FOUND');
    t.same(await app.api<ConfigDefaultsResponse>('/api/v1/config/defaults'), before.defaults, 'the defaults did not change');
    t.same(await app.api<AgentConfigResponse>(agentPath), before.agent, 'the agent\'s configuration did not change');
  });

  let agentRevision = 0;
  await t.test('a per-agent change is published retained, complete, with a higher revision', async (t) => {
    const { received } = await listen(t, app, web);
    const r = await put<AgentConfigResponse>(app, agentPath, { collectors: { cpu: { intervalS: 1 }, top: { enabled: false } } });
    t.equal(r.status, 200);
    t.equal(r.body.published, true);
    t.same(r.body.overrides, { collectors: { cpu: { intervalS: 1 }, top: { enabled: false } } });
    t.same(r.body.effective.collectors.cpu, { enabled: true, intervalS: 1 });
    t.same(r.body.effective.collectors.top, { enabled: false, intervalS: DEFAULT_COLLECTOR_SETTINGS.top.intervalS });
    t.same(r.body.effective.collectors.memory, DEFAULT_COLLECTOR_SETTINGS.memory, 'what the overrides leave out comes from the defaults');
    t.ok(r.body.effective.revision > 0);
    agentRevision = r.body.effective.revision;
    t.same(await configWithRevision(received, agentRevision), r.body.effective, 'the agent received exactly the effective configuration');
    t.same(await app.api<AgentConfigResponse>(agentPath), r.body, 'and it is what GET answers');
  });

  let defaultsRevision = 0;
  await t.test('new defaults reach every agent, under its own overrides', async (t) => {
    const { received } = await listen(t, app, web);
    const r = await put<ConfigDefaultsResponse>(app, '/api/v1/config/defaults', { collectors: { memory: { intervalS: 10 }, cpu: { intervalS: 30 } } });
    t.equal(r.status, 200);
    t.equal(r.body.configured, true);
    t.ok(r.body.revision > agentRevision, 'revisions only grow');
    defaultsRevision = r.body.revision;
    t.same(r.body.collectors.memory, { enabled: true, intervalS: 10 });
    const got = await configWithRevision(received, defaultsRevision);
    t.same(got.collectors.memory, { enabled: true, intervalS: 10 }, 'the new default');
    t.same(got.collectors.cpu, { enabled: true, intervalS: 1 }, 'the agent\'s own override still wins');
  });

  await t.test('a server enrolled later finds the defaults waiting', async (t) => {
    const db = await enroll(app, 'db-01');
    const { received } = await listen(t, app, db);
    const got = await configWithRevision(received, defaultsRevision);
    t.equal(received[0]?.retained, true);
    t.same(got.collectors.cpu, { enabled: true, intervalS: 30 });
  });

  await t.test('clearing an agent\'s overrides puts it back on the defaults', async (t) => {
    const { received } = await listen(t, app, web);
    const r = await put<AgentConfigResponse>(app, agentPath, {});
    t.same(r.body.overrides, {});
    t.ok(r.body.effective.revision > defaultsRevision);
    const got = await configWithRevision(received, r.body.effective.revision);
    t.same(got.collectors.cpu, { enabled: true, intervalS: 30 });
    agentRevision = r.body.effective.revision;
  });

  await t.test('after a restart every agent gets its configuration again (retained messages lived in memory)', async (t) => {
    await app.stop();
    app = await startAppliance(t, { dataDir, ...ports });
    t.equal((await app.api<ConfigDefaultsResponse>('/api/v1/config/defaults')).revision, defaultsRevision, 'the defaults were kept');
    const { received } = await listen(t, app, web);
    const got = await configWithRevision(received, agentRevision);
    t.equal(received[0]?.retained, true, 'delivered as a retained message on subscription');
    t.same(got.collectors.memory, { enabled: true, intervalS: 10 });
  });
});
