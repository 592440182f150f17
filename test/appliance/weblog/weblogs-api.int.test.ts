// Web log sources on the appliance (S11; docs/api.md "Web logs") against the REAL built appliance
// on loopback with real rrdcached and SQLite: definitions created, read, changed and removed with
// every problem named (400, a bad format naming its token), unknown agents, pools and sources
// (404), bounds (409), a viewer that reads but cannot write, CSRF and the audit log; each agent's
// retained config carrying its logs; intervals published over MQTT by the enrolled agent becoming
// the `weblog` series, exact totals, top tables merged across intervals, `weblog` events on the
// live stream; intervals of unknown or other agents' sources ignored, resends not counted twice;
// malformed payloads dropped while the appliance keeps serving; a 5xx-rate rule firing.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { MqttClient } from 'mqtt';
import type { AuditPage, CreatedToken } from '../../../contract/accounts-api.js';
import type { SeriesResponse } from '../../../contract/api.js';
import type { AlertListResponse, ValidationErrorBody } from '../../../contract/alerts-api.js';
import { agentConfigSchema, type AgentConfig } from '../../../contract/agent-config.js';
import type { WeblogSource, WeblogTopResponse } from '../../../contract/weblog-api.js';
import type { WeblogInterval, WeblogTopEntry } from '../../../contract/weblog.js';
import { agentTopic } from '../../../contract/topics.js';
import { send, createRule } from '../../helpers/alerting-helpers.js';
import { startAppliance, waitFor, type RunningAppliance, type Teardownable } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll, type Identity } from '../../helpers/mqtt-agent.js';
import { openStream } from '../../helpers/sse.js';
import { TEST_ADMIN, WebSession } from '../../helpers/web-session.js';

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

function publishWeblog(client: MqttClient, agentId: string, payload: unknown): Promise<unknown> {
  return client.publishAsync(agentTopic(agentId, 'weblog'), typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1 });
}

const noTop = { url: [], referrer: [], visitor: [], agent: [], notfound: [] };

/** An interval of `codes` (status code → requests), `bytes` per request, and the given top lists. */
function interval(source: string, t: number, codes: Record<string, number>, top: Partial<WeblogInterval['top']> = {}, extra: Partial<WeblogInterval> = {}): WeblogInterval {
  const classes: WeblogInterval['classes'] = [0, 0, 0, 0, 0];
  let requests = 0;
  for (const [code, n] of Object.entries(codes)) {
    classes[Number(code[0]) - 1 as 0] += n;
    requests += n;
  }
  return {
    source, t, i: 10, requests, bytes: requests * 1000, classes, codes, methods: { GET: requests }, latency: { p50: 12, p95: 80, p99: 150, max: 300 },
    visitors: 3, top: { ...noTop, ...top }, malformed: 0, cut: 0, samples: [], problem: null, ...extra,
  };
}

const entries = (counts: Record<string, number>): WeblogTopEntry[] => Object.entries(counts).map(([key, count]) => ({ key, count, error: 0 }));

void t.test('web log sources (S11)', async (top) => {
  const t = top;
  const app = await startAppliance(t);
  const web = await enroll(app, 'web-01');
  const db = await enroll(app, 'db-01');
  const source = (agentId: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ agentId, path: '/var/log/nginx/access.log', format: 'combined', ...extra });

  await t.test('a bad definition is 400 naming the field (a bad format its token); unknown agent, pool or source is 404', async (t) => {
    const cases: [string, unknown, RegExp][] = [
      ['a relative path', source(web.agentId, { path: 'access.log' }), /^path: path must be absolute$/],
      ['a format token nobody knows', source(web.agentId, { format: '%h %l %u %t "%r" %>s %Q' }), /^format: .*%Q/],
      ['an nginx variable with no name', source(web.agentId, { format: '$remote_addr $ - $status' }), /^format: /],
      ['an interval too short', source(web.agentId, { intervalS: 1 }), /^intervalS: /],
      ['a weight of nothing', source(web.agentId, { weight: 0 }), /^weight: /],
      ['a setting sources do not have', source(web.agentId, { colour: 'red' }), /^colour: /],
      ['no agent', { path: '/var/log/x.log', format: 'common' }, /^agentId: /],
    ];
    for (const [what, body, problem] of cases) {
      const r = await send(app, 'POST', '/api/v1/weblogs', body);
      t.equal(r.status, 400, `${what}: 400`);
      t.match((r.json as ValidationErrorBody).error.problems, [problem], what);
    }
    const unknownAgent = await send(app, 'POST', '/api/v1/weblogs', source('feedfacecafe'));
    t.equal(unknownAgent.status, 404, 'an unknown agent');
    t.match(unknownAgent.json, { error: { code: 'RW_ERR_NOT_FOUND', message: /no agent feedfacecafe/ } });
    t.equal((await send(app, 'POST', '/api/v1/weblogs', source(web.agentId, { poolId: 'nopool' }))).status, 404, 'an unknown pool');
    t.equal((await app.fetch('/api/v1/weblogs/wnosuchsource')).status, 404, 'an unknown source');
    t.equal((await send(app, 'PUT', '/api/v1/weblogs/wnosuchsource', source(web.agentId))).status, 404);
    t.equal((await send(app, 'DELETE', '/api/v1/weblogs/wnosuchsource')).status, 404);
    t.same(await app.api<WeblogSource[]>('/api/v1/weblogs'), [], 'nothing was created');
  });

  let nginx: WeblogSource;
  let dbLog: WeblogSource;
  const agent = await configOf(t, app, web);
  await t.test('create, read, change and remove; the agent\'s config carries its logs', async (t) => {
    const created = await send(app, 'POST', '/api/v1/weblogs', source(web.agentId));
    t.equal(created.status, 201);
    nginx = created.json as WeblogSource;
    t.match(nginx, {
      id: /^w[0-9a-f]{12}$/, agentId: web.agentId, path: '/var/log/nginx/access.log', format: 'combined', intervalS: 10, keepQuery: false, fromStart: false, poolId: null, weight: 1,
      totals: { requests: 0, bytes: 0, status: {}, malformed: 0, cut: 0, samples: [], problem: null, lastIntervalAt: null },
    });
    t.same(await app.api<WeblogSource>(`/api/v1/weblogs/${nginx.id}`), nginx, 'GET answers what POST did');
    const sent = await waitFor('the config with the log', () => cfgWith(agent.latest(), 1));
    t.same(sent.weblogs, [{ id: nginx.id, path: '/var/log/nginx/access.log', format: 'combined', intervalS: 10 }]);
    t.same(sent.collectors, {}, 'an agent under no schedule keeps its own collector settings');

    const again = await send(app, 'POST', '/api/v1/weblogs', source(web.agentId));
    t.equal(again.status, 409, 'one source per path on an agent');
    const other = await app.api<WeblogSource>('/api/v1/weblogs', source(web.agentId, { path: '/var/log/apache2/other_vhosts_access.log', format: 'vcombined', keepQuery: true }));
    await waitFor('the config with both logs', () => cfgWith(agent.latest(), 2));
    t.match(agent.latest()?.weblogs?.[1], { id: other.id, format: 'vcombined', keepQuery: true });
    dbLog = await app.api<WeblogSource>('/api/v1/weblogs', source(db.agentId, { format: '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent $request_time' }));
    t.equal((await app.api<WeblogSource[]>('/api/v1/weblogs')).length, 3);

    const revision = agent.latest()?.revision ?? 0;
    const changed = await send(app, 'PUT', `/api/v1/weblogs/${other.id}`, source(web.agentId, { path: '/var/log/apache2/access.log', format: 'common', intervalS: 30 }));
    t.equal(changed.status, 200);
    t.match(changed.json, { id: other.id, path: '/var/log/apache2/access.log', intervalS: 30, keepQuery: false, createdAt: other.createdAt });
    const afterPut = await waitFor('the changed config', () => { const c = agent.latest(); return c?.weblogs?.[1]?.intervalS === 30 && c; });
    t.ok(afterPut.revision > revision, 'a new revision');
    t.equal((await send(app, 'DELETE', `/api/v1/weblogs/${other.id}`)).status, 204);
    t.equal((await app.fetch(`/api/v1/weblogs/${other.id}`)).status, 404, 'gone');
    await waitFor('the config without it', () => cfgWith(agent.latest(), 1));
  });

  await t.test('a viewer reads and changes nothing; a browser session needs its CSRF token; changes are audited', async (t) => {
    const token = await app.api<CreatedToken>('/api/v1/tokens', { name: 'weblog viewer', role: 'viewer' });
    const asViewer = (method: string, pathname: string, body?: unknown): Promise<Response> => app.fetch(pathname, {
      method, headers: { authorization: `Bearer ${token.token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
    });
    t.equal((await asViewer('GET', '/api/v1/weblogs')).status, 200);
    t.equal((await asViewer('GET', `/api/v1/weblogs/${nginx.id}/top?dimension=url`)).status, 200);
    t.equal((await asViewer('POST', '/api/v1/weblogs', source(web.agentId, { path: '/var/log/v.log' }))).status, 403);
    t.equal((await asViewer('PUT', `/api/v1/weblogs/${nginx.id}`, source(web.agentId, { path: '/var/log/v.log' }))).status, 403);
    t.equal((await asViewer('DELETE', `/api/v1/weblogs/${nginx.id}`)).status, 403);
    t.match(await app.api<WeblogSource>(`/api/v1/weblogs/${nginx.id}`), { path: '/var/log/nginx/access.log' }, 'unchanged');

    const session = new WebSession(app.url);
    t.equal((await session.login(TEST_ADMIN.username, TEST_ADMIN.password)).status, 200);
    const csrf = session.csrf;
    session.csrf = '';
    const noToken = await session.request('POST', '/api/v1/weblogs', source(web.agentId, { path: '/var/log/s.log' }));
    t.equal(noToken.status, 403, 'no CSRF token: refused');
    session.csrf = csrf;
    const made = await session.request('POST', '/api/v1/weblogs', source(web.agentId, { path: '/var/log/s.log' }));
    t.equal(made.status, 201);
    const id = ((await made.json()) as WeblogSource).id;
    t.equal((await session.request('DELETE', `/api/v1/weblogs/${id}`)).status, 204);
    const audit = await app.api<AuditPage>('/api/v1/audit?limit=50');
    const actions = audit.entries.filter((e) => e.action.startsWith('weblog.'));
    t.ok(actions.some((e) => e.action === 'weblog.created' && e.actor === TEST_ADMIN.username), 'the creation, by whom');
    t.ok(actions.some((e) => e.action === 'weblog.removed' && (e.before as { path?: string } | null)?.path === '/var/log/s.log'), 'the removal, with what was removed');
    t.ok(actions.some((e) => e.action === 'weblog.changed'), 'a change');
    await waitFor('the config back to one log', () => cfgWith(agent.latest(), 1));
  });

  await t.test('intervals become series, exact totals, merged top tables and live events', async (t) => {
    const stream = await openStream(app, `/api/v1/stream?agent=${web.agentId}`);
    t.teardown(() => stream.close());
    // intervals start on the step, as the agent's do: each value fills one RRD step exactly
    const t0 = nowS() - 60 - (nowS() % 10);
    t0Used = t0;
    const sent = [
      interval(nginx.id, t0, { 200: 90, 404: 8, 500: 2 }, { url: entries({ '/': 50, '/api': 30, '/img.png': 20 }), visitor: entries({ '10.0.0.1': 60, '10.0.0.2': 40 }) }, { malformed: 1, samples: ['garbage line'] }),
      interval(nginx.id, t0 + 10, { 200: 40, 301: 5, 503: 5 }, { url: entries({ '/api': 45, '/login': 5 }), notfound: entries({ '/favicon.ico': 3 }) }),
      interval(nginx.id, t0 + 20, { 200: 100 }, { url: entries({ '/': 10, '/api': 60, '/img.png': 30 }), agent: entries({ 'Chrome/Windows': 100 }) }, { problem: 'permission denied: /var/log/nginx/access.log' }),
    ];
    await publishWeblog(agent.client, web.agentId, { v: 1, intervals: sent.slice(0, 2) });
    // in the same message: another agent's source and one that does not exist, both ignored
    await publishWeblog(agent.client, web.agentId, { v: 1, intervals: [sent[2], interval(dbLog.id, t0 + 20, { 200: 1000 }), interval('wdeadbeef0000', t0 + 20, { 200: 1000 })] });
    // a resend of the first interval (QoS 1 redelivery) is not counted twice
    await publishWeblog(agent.client, web.agentId, { v: 1, intervals: [sent[0]] });

    const view = await waitFor('the totals of three intervals', async () => {
      const v = await app.api<WeblogSource>(`/api/v1/weblogs/${nginx.id}`);
      return v.totals.lastIntervalAt === t0 + 20 && v;
    });
    t.same(view.totals, {
      requests: 250, bytes: 250_000, status: { 200: 230, 301: 5, 404: 8, 500: 2, 503: 5 }, malformed: 1, cut: 0,
      samples: ['garbage line'], problem: 'permission denied: /var/log/nginx/access.log', lastIntervalAt: t0 + 20,
    }, 'exact: sums of what was sent, the resend and other sources left out');
    t.match(await app.api<WeblogSource>(`/api/v1/weblogs/${dbLog.id}`), { totals: { requests: 0 } }, 'db-01\'s source took nothing from web-01');

    const url = await app.api<WeblogTopResponse>(`/api/v1/weblogs/${nginx.id}/top?dimension=url&from=${t0 - 3600}&k=3`);
    t.same(url.entries, [{ key: '/api', count: 135, error: 0 }, { key: '/', count: 60, error: 0 }, { key: '/img.png', count: 50, error: 0 }], 'merged across intervals, as an exact count gives');
    const status = await app.api<WeblogTopResponse>(`/api/v1/weblogs/${nginx.id}/top?dimension=status&from=${t0 - 3600}`);
    t.same(status.entries.map((e) => [e.key, e.count]), [['200', 230], ['404', 8], ['301', 5], ['503', 5], ['500', 2]]);
    t.same((await app.api<WeblogTopResponse>(`/api/v1/weblogs/${nginx.id}/top?dimension=notfound&from=${t0 - 3600}`)).entries, entries({ '/favicon.ico': 3 }));
    t.same((await app.api<WeblogTopResponse>(`/api/v1/weblogs/${nginx.id}/top?dimension=url&from=${t0 + 3 * 86_400}&to=${t0 + 4 * 86_400}`)).entries, [], 'nothing in a range with no traffic');
    const bad = await app.fetch(`/api/v1/weblogs/${nginx.id}/top?dimension=cookies`);
    t.equal(bad.status, 400);
    t.match(await bad.json(), { error: { problems: [/^dimension: must be one of url, referrer, visitor, agent, notfound, status/] } });
    t.match(await (await app.fetch(`/api/v1/weblogs/${nginx.id}/top?dimension=url&k=1000`)).json(), { error: { problems: [/^k: /] } });
    t.equal((await app.fetch(`/api/v1/weblogs/${nginx.id}/top?dimension=url&from=200&to=100`)).status, 400, 'from after to');

    const series = await waitFor('the weblog series', async () => {
      const res = await app.fetch(`/api/v1/weblogs/${nginx.id}/series?from=${t0 - 60}&to=${t0 + 60}`);
      if (res.status !== 200) return null;
      const s = (await res.json()) as SeriesResponse;
      const requests = s.data[1 + s.fields.indexOf('requests')] ?? [];
      return requests.filter((v) => v !== null).length >= 3 && s;
    });
    t.match(series, { agentId: web.agentId, family: 'weblog', key: nginx.id, step: 10 });
    const column = (field: string): number[] => (series.data[1 + series.fields.indexOf(field)] ?? []).filter((v): v is number => v !== null);
    t.same(column('requests'), [10, 5, 10], 'requests/s over each 10 s interval');
    t.same(column('s5xx'), [0.2, 0.5, 0], '5xx/s');
    t.same(column('bytes'), [10_000, 5000, 10_000], 'bytes/s');
    t.same(column('p95_ms'), [80, 80, 80]);
    const same = await app.api<SeriesResponse>(`/api/v1/agents/${web.agentId}/series?family=weblog&key=${nginx.id}&from=${t0 - 60}&to=${t0 + 60}`);
    t.same(same.data, series.data, 'the agents\' series API answers the same');

    const events = await waitFor('three weblog events', () => {
      const found = stream.events.filter((e) => e.event === 'weblog');
      return found.length >= 3 && found;
    });
    t.same(events.map((e) => (e.data as { interval: WeblogInterval }).interval.t), [t0, t0 + 10, t0 + 20], 'one per interval counted, none for the ignored ones');
    t.match(events[0]?.data, { agentId: web.agentId, interval: { source: nginx.id, requests: 100 } });
  });

  await t.test('a malformed payload is dropped and the appliance keeps serving', async (t) => {
    const before = (await app.api<WeblogSource>(`/api/v1/weblogs/${nginx.id}`)).totals;
    const t1 = t0Used + 30;
    const good = interval(nginx.id, t1, { 200: 10 });
    const bad: unknown[] = [
      'not json at all',
      { v: 2, intervals: [good] },
      { v: 1, intervals: [{ ...good, requests: -5 }] },
      { v: 1, intervals: [{ ...good, codes: { '2000': 10 } }] },
      { v: 1, intervals: [{ ...good, top: { ...noTop, url: Array.from({ length: 21 }, (_, i) => ({ key: `/p${i}`, count: 1, error: 0 })) } }] },
      { v: 1, intervals: [{ ...good, samples: ['x'.repeat(301)] }] },
      { v: 1, intervals: Array.from({ length: 33 }, () => good) },
      { v: 1, intervals: [{ ...good, t: nowS() + 3600 }] },
    ];
    for (const payload of bad) await publishWeblog(agent.client, web.agentId, payload);
    t.equal((await app.fetch('/api/v1/health')).status, 200, 'still serving');
    t.same((await app.api<WeblogSource>(`/api/v1/weblogs/${nginx.id}`)).totals, before, 'nothing of them counted');
    await publishWeblog(agent.client, web.agentId, { v: 1, intervals: [good] });
    const after = await waitFor('the good interval after them', async () => {
      const v = await app.api<WeblogSource>(`/api/v1/weblogs/${nginx.id}`);
      return v.totals.lastIntervalAt === t1 && v.totals;
    });
    t.equal(after.requests, before.requests + 10);
    t.match(app.output(), /dropped a malformed payload.*"topic":"weblog"/, 'logged');
  });

  await t.test('a rule on the 5xx rate of one source fires', async (t) => {
    const rule = await createRule(app, {
      name: 'nginx 5xx', metric: { kind: 'field', family: 'weblog', field: 's5xx', key: nginx.id }, comparison: '>', levels: { critical: 1 },
      forS: 0, scope: { kind: 'agent', agentId: web.agentId }, enabled: true,
    });
    const t2 = t0Used + 40;
    await publishWeblog(agent.client, web.agentId, { v: 1, intervals: [interval(nginx.id, t2, { 200: 50, 502: 30 })] });
    const alert = await waitFor('the 5xx alert', async () => {
      const list = await app.api<AlertListResponse>(`/api/v1/alerts?state=firing&agent=${web.agentId}`);
      return list.alerts.find((a) => a.ruleId === rule.id);
    });
    t.match(alert, { key: nginx.id, severity: 'critical', value: 3, unit: '/s' }, '30 5xx in 10 s: 3/s');
  });

  await t.test('a deleted source takes its series files, totals and top tables with it', async (t) => {
    const rrdDir = path.join(app.dataDir, 'rrd', web.agentId);
    const files = (): string[] => readdirSync(rrdDir).filter((n) => n.startsWith(`weblog-${nginx.id}.`));
    t.equal(files().length, 1, 'one file: the source at its 10 s step');
    t.equal((await send(app, 'DELETE', `/api/v1/weblogs/${nginx.id}`)).status, 204);
    await waitFor('its series file removed', () => files().length === 0);
    t.equal((await app.fetch(`/api/v1/weblogs/${nginx.id}/top?dimension=url`)).status, 404);
    t.equal((await app.fetch(`/api/v1/weblogs/${nginx.id}/series`)).status, 404);
    await waitFor('the config without it', () => cfgWith(agent.latest(), 0));
    t.equal(agent.latest()?.weblogs, undefined, 'no weblogs left: none in the config');
  });
});

let t0Used = 0;

function cfgWith(c: AgentConfig | null, logs: number): AgentConfig | false {
  return c !== null && (c.weblogs?.length ?? 0) === logs && c;
}
