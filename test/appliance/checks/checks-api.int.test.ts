// Service checks (S5, S6, S16; docs/api.md "Checks") against the REAL built appliance on loopback:
// definitions created, read, changed and removed with every problem named (400), unknown agents,
// groups and checks (404), a viewer that reads but cannot write; each agent's retained config
// carrying its checks (a group's check reaching a member added later); results published over
// MQTT by an enrolled agent becoming state, history, a live `check` event and perfdata in RRD;
// results for checks the agent does not run dropped; states kept across a restart.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { MqttClient } from 'mqtt';
import type { CreatedToken } from '../../../contract/accounts-api.js';
import type { SeriesResponse } from '../../../contract/api.js';
import type { GroupView, ValidationErrorBody } from '../../../contract/alerts-api.js';
import { agentConfigSchema, type AgentConfig } from '../../../contract/agent-config.js';
import type { CheckResultsPayload } from '../../../contract/check-definitions.js';
import type { CheckHistoryResponse, CheckListResponse, CheckStreamEvent, CheckView } from '../../../contract/checks-api.js';
import { agentTopic } from '../../../contract/topics.js';
import { send } from '../../helpers/alerting-helpers.js';
import { freePort, startAppliance, waitFor, type RunningAppliance, type Teardownable } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll, type Identity } from '../../helpers/mqtt-agent.js';
import { openStream } from '../../helpers/sse.js';
import { tempDir } from '../../helpers/temp-dir.js';

const nowS = (): number => Math.floor(Date.now() / 1000);

/** Subscribes as the agent and keeps the newest configuration it was sent. */
async function configOf(t: Teardownable, app: RunningAppliance, id: Identity): Promise<{ client: MqttClient; latest: () => AgentConfig | null }> {
  const client = await connectAgent(t, app, id);
  let latest: AgentConfig | null = null;
  client.on('message', (topic, payload) => {
    if (topic === agentTopic(id.agentId, 'config')) latest = agentConfigSchema.parse(JSON.parse(payload.toString('utf8')));
  });
  await client.subscribeAsync(agentTopic(id.agentId, 'config'), { qos: 1 });
  return { client, latest: () => latest };
}

function publishResults(client: MqttClient, agentId: string, payload: CheckResultsPayload): Promise<unknown> {
  return client.publishAsync(agentTopic(agentId, 'checks'), JSON.stringify(payload), { qos: 1 });
}

const portCheck = (agentId: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  agentId, type: 'port', name: 'smtp', host: '127.0.0.1', port: 25, expect: '^220', interval: 10, ...extra,
});

void t.test('service checks API (S5, S6, S16)', async (top) => {
  const t = top;
  const dataDir = tempDir(t, 'rw-checks-');
  const ports = { httpPort: await freePort(), mqttPort: await freePort() };
  let app = await startAppliance(t, { dataDir, ...ports });
  const web = await enroll(app, 'web-01');
  const db = await enroll(app, 'db-01');

  await t.test('a bad definition is 400 naming the field; an unknown agent, group or check is 404', async (t) => {
    const cases: [string, unknown, RegExp][] = [
      ['a port that is not a number', portCheck(web.agentId, { port: 'smtp' }), /^port: /],
      ['a port out of range', portCheck(web.agentId, { port: 70_000 }), /^port: /],
      ['an interval too short', portCheck(web.agentId, { interval: 1 }), /^interval: interval must be at least 5 s$/],
      ['a setting the type does not have', portCheck(web.agentId, { colour: 'red' }), /^colour: /],
      ['an unknown type', { agentId: web.agentId, type: 'ftp', name: 'x', interval: 10 }, /^type: /],
      ['a pattern that backtracks', portCheck(web.agentId, { expect: '(a)\\1' }), /^expect: not a pattern this appliance runs/],
      ['neither agent nor group', { type: 'process', name: 'nginx', process: 'nginx', interval: 10 }, /^agentId: /],
      ['a timeout beyond the interval', portCheck(web.agentId, { timeout: 30 }), /^timeout: at most the interval/],
      ['a log pattern that is not one', { agentId: web.agentId, type: 'log', name: 'syslog', path: '/var/log/syslog', interval: 10, patterns: [{ pattern: '(?<=x)', severity: 'critical' }] }, /^patterns\.0\.pattern: /],
    ];
    for (const [what, body, problem] of cases) {
      const r = await send(app, 'POST', '/api/v1/checks', body);
      t.equal(r.status, 400, `${what}: 400`);
      t.match((r.json as ValidationErrorBody).error.problems, [problem], what);
    }
    const unknownAgent = await send(app, 'POST', '/api/v1/checks', portCheck('feedfacecafe'));
    t.equal(unknownAgent.status, 404, 'an unknown agent');
    t.match(unknownAgent.json, { error: { code: 'RW_ERR_NOT_FOUND', message: /no agent feedfacecafe/ } });
    const unknownGroup = await send(app, 'POST', '/api/v1/checks', { type: 'process', name: 'nginx', process: 'nginx', interval: 10, groupId: 'no-such-group' });
    t.equal(unknownGroup.status, 404, 'an unknown group');
    t.equal((await app.fetch('/api/v1/checks/cnosuchcheck')).status, 404, 'an unknown check');
    t.equal((await send(app, 'PUT', '/api/v1/checks/cnosuchcheck', portCheck(web.agentId))).status, 404);
    t.equal((await send(app, 'DELETE', '/api/v1/checks/cnosuchcheck')).status, 404);
    t.same((await app.api<CheckListResponse>('/api/v1/checks')).checks, [], 'nothing was created');
    t.equal((await app.fetch('/api/v1/checks?state=sunny')).status, 400, 'a bad state filter');
    t.equal((await app.fetch('/api/v1/checks?type=ftp')).status, 400, 'a bad type filter');
  });

  let smtp: CheckView;
  await t.test('create, read, list with filters, change and remove; the agent\'s config carries its enabled checks', async (t) => {
    const cfg = await configOf(t, app, web);
    const created = await send(app, 'POST', '/api/v1/checks', portCheck(web.agentId));
    t.equal(created.status, 201);
    smtp = created.json as CheckView;
    t.match(smtp, { type: 'port', state: 'pending', since: null, lastRun: null, definition: { name: 'smtp', port: 25 }, instances: [{ agentId: web.agentId, hostname: 'web-01', state: 'pending' }] });
    t.same(await app.api<CheckView>(`/api/v1/checks/${smtp.id}`), smtp, 'GET answers what POST did');

    const sent = await waitFor('the config with the check', () => cfg.latest()?.checks?.length === 1 && cfg.latest());
    t.same(sent.checks, [{ id: smtp.id, type: 'port', name: 'smtp', host: '127.0.0.1', port: 25, expect: '^220', intervalS: 10 }], 'interval → intervalS, the check\'s id');
    t.same(sent.collectors, {}, 'an agent under no schedule keeps its own collector settings');
    const firstRevision = sent.revision;

    const probe = await app.api<CheckView>('/api/v1/checks', { type: 'probe-tcp', name: 'smtp from the box', host: '127.0.0.1', port: 25, interval: 10, agentId: db.agentId });
    t.match(probe.instances, [{ agentId: null }], 'a probe runs on the appliance');
    const list = await app.api<CheckListResponse>('/api/v1/checks');
    t.equal(list.checks.length, 2);
    t.same(list.byState, { ok: 0, warning: 0, critical: 0, unknown: 0, pending: 2 });
    t.same((await app.api<CheckListResponse>('/api/v1/checks?type=port')).checks.map((c) => c.id), [smtp.id]);
    t.same((await app.api<CheckListResponse>(`/api/v1/checks?agentId=${db.agentId}`)).checks.map((c) => c.id), [probe.id], 'a probe is listed under the server it is about');
    t.same((await app.api<CheckListResponse>('/api/v1/checks?q=FROM%20THE')).checks.map((c) => c.id), [probe.id], 'q: the name, any case');
    t.same((await app.api<CheckListResponse>('/api/v1/checks?state=critical')).checks, []);

    const changed = await send(app, 'PUT', `/api/v1/checks/${smtp.id}`, portCheck(web.agentId, { port: 587, timeout: 5 }));
    t.equal(changed.status, 200);
    t.match(changed.json, { id: smtp.id, definition: { port: 587 }, createdAt: smtp.createdAt });
    const afterPut = await waitFor('the changed config', () => { const c = cfg.latest(); return c?.checks?.[0]?.type === 'port' && c.checks[0].port === 587 && c; });
    t.ok(afterPut.revision > firstRevision, 'a new revision');
    t.match(afterPut.checks?.[0], { timeoutS: 5 });
    const retyped = await send(app, 'PUT', `/api/v1/checks/${smtp.id}`, { agentId: web.agentId, type: 'process', name: 'smtp', process: 'exim', interval: 10 });
    t.match((retyped.json as ValidationErrorBody).error.problems, [/^type: a check's type cannot change/]);

    const disabled = await send(app, 'PUT', `/api/v1/checks/${smtp.id}`, portCheck(web.agentId, { enabled: false }));
    t.equal(disabled.status, 200);
    await waitFor('a config without the disabled check', () => cfg.latest()?.checks?.length === 0);
    await send(app, 'PUT', `/api/v1/checks/${smtp.id}`, portCheck(web.agentId));
    await waitFor('the check enabled again', () => cfg.latest()?.checks?.length === 1);

    t.equal((await send(app, 'DELETE', `/api/v1/checks/${probe.id}`)).status, 204);
    t.equal((await app.fetch(`/api/v1/checks/${probe.id}`)).status, 404, 'gone');
  });

  await t.test('a viewer reads checks and changes none', async (t) => {
    const token = await app.api<CreatedToken>('/api/v1/tokens', { name: 'checks viewer', role: 'viewer' });
    const asViewer = (method: string, pathname: string, body?: unknown): Promise<Response> => app.fetch(pathname, {
      method, headers: { authorization: `Bearer ${token.token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
    });
    t.equal((await asViewer('GET', '/api/v1/checks')).status, 200);
    t.equal((await asViewer('GET', `/api/v1/checks/${smtp.id}/history`)).status, 200);
    t.equal((await asViewer('POST', '/api/v1/checks', portCheck(web.agentId))).status, 403);
    t.equal((await asViewer('PUT', `/api/v1/checks/${smtp.id}`, portCheck(web.agentId, { port: 26 }))).status, 403);
    t.equal((await asViewer('DELETE', `/api/v1/checks/${smtp.id}`)).status, 403);
    t.match(await app.api<CheckView>(`/api/v1/checks/${smtp.id}`), { definition: { port: 25 } }, 'unchanged');
  });

  await t.test('a group\'s check runs on every member, present and future', async (t) => {
    const group = await app.api<GroupView>('/api/v1/groups', { name: 'Databases' });
    const check = await app.api<CheckView>('/api/v1/checks', { groupId: group.id, type: 'process', name: 'postgres', process: 'postgres', min: 1, interval: 30 });
    t.same(check.instances, [], 'no member yet');
    const cfg = await configOf(t, app, db);
    t.equal((await send(app, 'POST', `/api/v1/groups/${group.id}/members/${db.agentId}`)).status < 300, true);
    const sent = await waitFor('the member\'s config with the group\'s check', () => cfg.latest()?.checks?.find((c) => c.id === check.id));
    t.same(sent, { id: check.id, type: 'process', name: 'postgres', process: 'postgres', min: 1, intervalS: 30 });
    t.match(await app.api<CheckView>(`/api/v1/checks/${check.id}`), { instances: [{ agentId: db.agentId, hostname: 'db-01' }] });
    t.same((await app.api<CheckListResponse>(`/api/v1/checks?groupId=${group.id}`)).checks.map((c) => c.id), [check.id]);
    await send(app, 'DELETE', `/api/v1/groups/${group.id}/members/${db.agentId}`);
    await waitFor('the former member\'s config without it', () => cfg.latest()?.checks?.length === 0);
    t.equal((await send(app, 'DELETE', `/api/v1/checks/${check.id}`)).status, 204);
  });

  await t.test('results from the agent: state, since, history, a live event within the second, perfdata in RRD; others dropped', async (t) => {
    const client = await connectAgent(t, app, web);
    const stream = await openStream(app, '/api/v1/stream');
    t.teardown(() => stream.close());
    const dbCheck = await app.api<CheckView>('/api/v1/checks', portCheck(db.agentId, { name: 'db port' }));
    // on the step's boundaries: each value fills one RRD row as it was measured
    const t0 = Math.floor((nowS() - 30) / 10) * 10;
    const result = (t: number, state: 'ok' | 'critical', output: string, time: number): CheckResultsPayload['results'][number] => ({
      id: smtp.id, t, state, output, longOutput: 'line 2\nline 3', durationMs: 12.5,
      perfdata: [{ label: 'time', value: time, unit: 's', warn: '1', crit: '2', min: 0, max: null }],
    });
    await publishResults(client, web.agentId, { v: 1, results: [result(t0, 'ok', 'TCP OK - 0.010 second response time', 0.01)] });
    await publishResults(client, web.agentId, { v: 1, results: [result(t0 + 10, 'ok', 'TCP OK - 0.020 second response time', 0.02)] });
    await publishResults(client, web.agentId, {
      v: 1,
      results: [
        result(t0 + 20, 'critical', 'connection refused', 0.5),
        // not this agent's check, and no check at all: both dropped
        { id: dbCheck.id, t: t0 + 20, state: 'critical', output: 'forged', durationMs: 1 },
        { id: 'cnosuchcheck', t: t0 + 20, state: 'critical', output: 'nothing', durationMs: 1 },
      ],
    });
    const critical = await waitFor('the check CRITICAL', async () => {
      const v = await app.api<CheckView>(`/api/v1/checks/${smtp.id}`);
      return v.state === 'critical' && v;
    });
    t.match(critical, { state: 'critical', output: 'connection refused', longOutput: 'line 2\nline 3', since: t0 + 20, lastRun: t0 + 20, durationMs: 12.5 });
    t.match(critical.perfdata, [{ label: 'time', value: 0.5, unit: 's' }]);
    t.match(await app.api<CheckView>(`/api/v1/checks/${dbCheck.id}`), { state: 'pending', output: '' }, 'another agent\'s check is untouched');
    t.same((await app.api<CheckListResponse>('/api/v1/checks?state=critical')).checks.map((c) => c.id), [smtp.id]);

    const history = await app.api<CheckHistoryResponse>(`/api/v1/checks/${smtp.id}/history`);
    t.same(history.entries.map((e) => [e.t, e.previous, e.state]), [[t0 + 20, 'ok', 'critical'], [t0, 'pending', 'ok']], 'one entry per state change, newest first');
    t.equal(history.entries[0]?.output, 'connection refused');

    const events = await waitFor('the check events on the stream', () => {
      const found = stream.events.filter((e) => e.event === 'check').map((e) => e.data as CheckStreamEvent);
      return found.length >= 3 && found;
    });
    t.same(events.map((e) => [e.checkId, e.instance.state, e.changed]), [[smtp.id, 'ok', true], [smtp.id, 'ok', false], [smtp.id, 'critical', true]], 'every run, with whether it changed state; nothing for the dropped ones');
    t.match(events[2]?.instance, { agentId: web.agentId, hostname: 'web-01', output: 'connection refused' });

    const series = await waitFor('the perfdata series', async () => {
      const res = await app.fetch(`/api/v1/checks/${smtp.id}/series?label=time&from=${t0 - 60}&to=${t0 + 30}`);
      if (res.status !== 200) return null;
      const s = (await res.json()) as SeriesResponse;
      return s.data[1]?.some((v) => v !== null) && s;
    });
    t.match(series, { agentId: web.agentId, family: 'check', key: `${smtp.id}/time`, step: 10, fields: ['value'] });
    const values = (series.data[1] ?? []).filter((v): v is number => v !== null);
    t.ok(values.every((v) => [0.01, 0.02, 0.5].some((x) => Math.abs(v - x) < 1e-9)), `stored values are the perfdata's (${values.join(', ')})`);
    t.equal((await app.fetch(`/api/v1/checks/${smtp.id}/series?from=${t0}`)).status, 400, 'label is required');
    t.equal((await app.fetch(`/api/v1/checks/${smtp.id}/series?label=time&agentId=${db.agentId}`)).status, 404, 'an agent the check does not run on');
    t.equal((await app.fetch(`/api/v1/checks/${smtp.id}/series?label=time&points=1`)).status, 400, 'points as the agents\' series bound it');

    // a deleted check's perfdata files go (left behind, they would hold the agent's series quota)
    const spare = await app.api<CheckView>('/api/v1/checks', portCheck(web.agentId, { name: 'spare', port: 26 }));
    await publishResults(client, web.agentId, { v: 1, results: [{ ...result(t0 + 20, 'ok', 'fine', 0.1), id: spare.id }] });
    const rrdDir = path.join(dataDir, 'rrd', web.agentId);
    const spareFiles = (): string[] => readdirSync(rrdDir).filter((n) => n.startsWith(`check-${spare.id}_`));
    await waitFor('the spare check\'s perfdata file', () => spareFiles().length === 1);
    t.equal((await send(app, 'DELETE', `/api/v1/checks/${spare.id}`)).status, 204);
    await waitFor('the file removed', () => spareFiles().length === 0);
    t.ok(readdirSync(rrdDir).some((n) => n.startsWith(`check-${smtp.id}_`)), 'the other check\'s file stays');

    // a malformed payload is dropped and the appliance keeps serving
    await client.publishAsync(agentTopic(web.agentId, 'checks'), '{"v":1,"results":[{"id":1}]}', { qos: 1 });
    await client.publishAsync(agentTopic(web.agentId, 'checks'), 'not json', { qos: 1 });
    t.equal((await app.fetch(`/api/v1/checks/${smtp.id}`)).status, 200);
  });

  await t.test('states, since and history survive a restart', async (t) => {
    const before = await app.api<CheckView>(`/api/v1/checks/${smtp.id}`);
    await app.stop();
    // torn down with the whole test, not this subtest: the next one uses it
    app = await startAppliance(top, { dataDir, ...ports });
    const after = await app.api<CheckView>(`/api/v1/checks/${smtp.id}`);
    t.same(after, before, 'the same view');
    t.equal((await app.api<CheckHistoryResponse>(`/api/v1/checks/${smtp.id}/history`)).entries.length, 2);
    // the config waits retained for the agent again
    const cfg = await configOf(t, app, web);
    await waitFor('the retained config after a restart', () => cfg.latest()?.checks?.[0]?.id === smtp.id);
  });

  await t.test('removing a server removes its checks', async (t) => {
    t.equal((await send(app, 'DELETE', `/api/v1/servers/${web.agentId}`)).status, 204);
    t.equal((await app.fetch(`/api/v1/checks/${smtp.id}`)).status, 404);
    t.same((await app.api<CheckListResponse>('/api/v1/checks')).checks.map((c) => c.definition.name), ['db port']);
  });
});
