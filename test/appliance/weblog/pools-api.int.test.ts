// Load-balancer pools (B6) in-process against a real rrdcached and a real SQLite file: pools are
// created, read, changed and removed over /api/v1/pools (bad bodies 400 naming the field, an
// unknown pool 404, a taken name 409, a viewer's change 403, a session's change without the page's
// CSRF token 403, every change audited); a pool of three servers' log sources with `weblog`
// samples in RRD shows each member's requests/s, error rate and p95, its share against the
// expected one (weights) and which members are out of line and why; and the skew rule, judged
// every minute in virtual time, raises a warning naming the pool and the member after the pool's
// skewMinutes, texted to the on-call contact, and resolves when the member is back in line.
import t from 'tap';
import path from 'node:path';
import type { Test } from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import { createHttpApp } from '../../../appliance/http/http-server.js';
import type { ChangeEntry } from '../../../appliance/http/change-audit.js';
import { retentionSpanS } from '../../../appliance/store/rrd-layout.js';
import { poolRoutes } from '../../../appliance/weblog/pools/routes.js';
import { PoolsFeature } from '../../../appliance/weblog/pools/pools-feature.js';
import { PoolSkewMonitor, SKEW_CHECK_MS } from '../../../appliance/weblog/pools/pool-skew-monitor.js';
import type { WeblogPool, WeblogPoolView } from '../../../contract/weblog-api.js';
import { silentLogger } from '../../../core/logger.js';
import { fixedAuthenticator } from '../../helpers/test-authenticator.js';
import { startStore } from '../store/store-fixture.js';
import { contact, rig, S, texts, type Rig } from '../alerting/support/alerting-rig.js';
import { insertServer, insertSource, writeLoad, type Load } from './pool-fixture.js';
import type { RrdStore } from '../../../appliance/store/rrd-store.js';

interface Fixture {
  r: Rig;
  store: RrdStore;
  pools: PoolsFeature;
  audit: ChangeEntry[];
  call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, token?: string): Promise<LightMyRequestResponse>;
  inject: Awaited<ReturnType<typeof createHttpApp>>['inject'];
}

const SERVERS = [['a1', 'web-1', 's1'], ['a2', 'web-2', 's2'], ['a3', 'web-3', 's3']] as const;

async function fixture(t: Test): Promise<Fixture> {
  const r = rig(t);
  const { store } = await startStore(t);
  for (const [agentId, host] of SERVERS) {
    insertServer(r.db, agentId, host);
    r.agents.add(agentId, host, 'online', r.clock.now());
  }
  const pools = new PoolsFeature({ db: r.db, series: store, clock: r.clock });
  const audit: ChangeEntry[] = [];
  const app = await createHttpApp({
    logger: silentLogger, audit: (e) => audit.push(e),
    auth: fixedAuthenticator(
      { rw_viewer: { username: 'val', role: 'viewer' }, rw_operator: { username: 'olga', role: 'operator' } },
      { 'live-session': { username: 'olga', role: 'operator' } },
    ),
  });
  await app.register(poolRoutes, { pools, clock: r.clock, retentionS: retentionSpanS('default') });
  t.teardown(() => app.close());
  return {
    r, store, pools, audit, inject: app.inject.bind(app),
    call: (method, url, body, token = 'rw_operator') => app.inject({
      method, url, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    }),
  };
}

function problems(res: LightMyRequestResponse): string[] {
  return res.json<{ error: { code: string; problems?: string[] } }>().error.problems ?? [];
}

void t.test('a pool is created, read, changed and removed; bad input is refused and named; every change audited', async (t) => {
  const f = await fixture(t);
  const created = await f.call('POST', '/api/v1/pools', { name: 'Web front' });
  t.equal(created.statusCode, 201, created.body);
  const pool = created.json<WeblogPool>();
  t.match(pool, { name: 'Web front', shareTolerancePct: 20, skewMinutes: 5, errorRatioFactor: 3 }, 'the skew rule\'s defaults');
  t.match(pool.id, /^p-[0-9a-f]{12}$/);
  t.same((await f.call('GET', '/api/v1/pools', undefined, 'rw_viewer')).json(), { pools: [pool] }, 'a viewer lists it');
  const view = await f.call('GET', `/api/v1/pools/${pool.id}`, undefined, 'rw_viewer');
  t.equal(view.statusCode, 200);
  t.match(view.json<WeblogPoolView>(), { id: pool.id, from: S - 300, to: S, members: [] }, 'no member yet; the last 5 minutes by default');

  const changed = await f.call('PUT', `/api/v1/pools/${pool.id}`, { name: 'Web', shareTolerancePct: 10, skewMinutes: 3 });
  t.equal(changed.statusCode, 200, changed.body);
  t.match(changed.json<WeblogPool>(), { id: pool.id, name: 'Web', shareTolerancePct: 10, skewMinutes: 3, errorRatioFactor: 3 }, 'the whole definition replaced, defaults filled in');

  // bad bodies: 400 naming the field
  const bad = async (body: unknown, field: RegExp, what: string): Promise<void> => {
    const res = await f.call('POST', '/api/v1/pools', body);
    t.equal(res.statusCode, 400, what);
    t.match(problems(res).join('\n'), field, what);
  };
  await bad({ name: '' }, /^name: /m, 'an empty name');
  await bad({ name: 'x'.repeat(101) }, /^name: /m, 'a name over 100 characters');
  await bad({ name: 'p', shareTolerancePct: 0 }, /^shareTolerancePct: /m, 'a tolerance under 1 point');
  await bad({ name: 'p', skewMinutes: 1441 }, /^skewMinutes: /m, 'more than a day');
  await bad({ name: 'p', errorRatioFactor: 1 }, /^errorRatioFactor: /m, 'a factor under 1.5');
  await bad({ name: 'p', members: ['s1'] }, /^members: unknown setting/m, 'an unknown setting');
  t.equal((await f.call('POST', '/api/v1/pools', { name: 'WEB' })).statusCode, 409, 'a taken name, any letter case');
  const range = await f.call('GET', `/api/v1/pools/${pool.id}?from=${S}&to=${S - 60}`);
  t.equal(range.statusCode, 400);
  t.match(range.body, /from must be before to/);
  t.match((await f.call('GET', `/api/v1/pools/${pool.id}?to=soon`)).body, /to must be a whole number/);

  // who may change
  t.equal((await f.call('POST', '/api/v1/pools', { name: 'Mine' }, 'rw_viewer')).statusCode, 403, 'a viewer creates none');
  t.equal((await f.call('PUT', `/api/v1/pools/${pool.id}`, { name: 'Mine' }, 'rw_viewer')).statusCode, 403, 'nor changes one');
  t.equal((await f.call('DELETE', `/api/v1/pools/${pool.id}`, undefined, 'rw_viewer')).statusCode, 403, 'nor removes one');
  const noCsrf = await f.inject({ method: 'POST', url: '/api/v1/pools', cookies: { rw_session: 'live-session', rw_csrf: 'x' }, payload: { name: 'Mine' } });
  t.equal(noCsrf.statusCode, 403, 'a session\'s change without the page\'s CSRF token');
  t.match(noCsrf.body, /RW_ERR_CSRF/);

  t.equal((await f.call('GET', '/api/v1/pools/p-000000000000')).statusCode, 404, 'an unknown pool');
  t.equal((await f.call('PUT', '/api/v1/pools/p-000000000000', { name: 'x' })).statusCode, 404);
  t.equal((await f.call('DELETE', '/api/v1/pools/p-000000000000')).statusCode, 404);

  insertSource(f.r.db, 's1', 'a1', pool.id);
  t.equal((await f.call('DELETE', `/api/v1/pools/${pool.id}`)).statusCode, 204);
  t.equal((await f.call('GET', `/api/v1/pools/${pool.id}`)).statusCode, 404, 'removed');
  t.same(f.r.db.prepare('SELECT id, pool_id AS poolId FROM weblog_sources').all(), [{ id: 's1', poolId: null }], 'its source stays, in no pool');
  t.same(f.audit.map((e) => [e.action, e.actor]), [['pool.created', 'olga'], ['pool.changed', 'olga'], ['pool.removed', 'olga']]);
  t.match(f.audit[1]?.before, { name: 'Web front' }, 'a change records what it replaced');
});

void t.test('the pool view: each member\'s traffic from its RRD series, its share against its weight, and who is out of line', async (t) => {
  const f = await fixture(t);
  const pool = (await f.call('POST', '/api/v1/pools', { name: 'Web' })).json<WeblogPool>();
  const loads: Record<string, Load> = {
    s1: { rps: 50, errors: 0.01, p95: 40 },
    // twice its weight's worth: expected 50 %, sends 50 %
    s2: { rps: 100, errors: 0.1, p95: 45 },
    s3: { rps: 50, errors: 0.01, p95: 30 },
  };
  insertSource(f.r.db, 's1', 'a1', pool.id, 1);
  insertSource(f.r.db, 's2', 'a2', pool.id, 2);
  insertSource(f.r.db, 's3', 'a3', pool.id, 1);
  insertSource(f.r.db, 'other', 'a3', null);
  for (const [agentId, , source] of SERVERS) await writeLoad(f.store, agentId, source, S - 600, S, loads[source] as Load);
  const view = (await f.call('GET', `/api/v1/pools/${pool.id}`, undefined, 'rw_viewer')).json<WeblogPoolView>();
  t.same(view.members.map((m) => m.host), ['web-1', 'web-2', 'web-3'], 'the three members, by host name; a source in no pool is none');
  const [m1, m2, m3] = view.members;
  t.match(m1, { sourceId: 's1', agentId: 'a1', weight: 1, expectedShare: 0.25, skew: null });
  t.equal(m1?.requestsPerS, 50);
  t.equal(m2?.expectedShare, 0.5, 'a weight of 2 among 1, 2, 1');
  t.equal(m2?.share, 0.5);
  t.equal(m3?.share, 0.25);
  t.ok(Math.abs((m2?.errorRate ?? 0) - 0.1) < 1e-9, 'its 5xx share');
  t.equal(m2?.p95Ms, 45);
  t.equal(m2?.skew, 'error rate 10.0× the pool\'s median', 'ten times the others\' error rate: out of line');
  t.equal(m3?.skew, null, 'within its share and error rate');

  // web-3 takes twice its share from the last 5 minutes on (and a window can be asked)
  await writeLoad(f.store, 'a3', 's3', S, S + 300, { rps: 150, errors: 0.01, p95: 30 });
  await writeLoad(f.store, 'a1', 's1', S, S + 300, loads.s1 as Load);
  await writeLoad(f.store, 'a2', 's2', S, S + 300, { rps: 100, errors: 0.01, p95: 45 });
  const later = (await f.call('GET', `/api/v1/pools/${pool.id}?from=${S}&to=${S + 300}`)).json<WeblogPoolView>();
  t.same(later.members.map((m) => m.skew), [null, null, 'share 50 % against 25 % expected'], 'only web-3 is flagged, by its share');
  t.same(later.members.map((m) => m.share), [50 / 300, 100 / 300, 150 / 300]);
  const before = (await f.call('GET', `/api/v1/pools/${pool.id}?from=${S - 600}&to=${S}`)).json<WeblogPoolView>();
  t.equal(before.members[2]?.share, 0.25, 'the window before is unchanged');
});

void t.test('the skew alert fires after the pool\'s skewMinutes of a member out of line, names pool and member, and resolves', async (t) => {
  const f = await fixture(t);
  const { r } = f;
  r.admin.saveContact(contact('kim', '+821011112222'));
  const pool = (await f.call('POST', '/api/v1/pools', { name: 'Shop', skewMinutes: 3 })).json<WeblogPool>();
  for (const [agentId, , source] of SERVERS) insertSource(r.db, source, agentId, pool.id);
  const monitor = new PoolSkewMonitor({ pools: f.pools, alerts: r.engine, clock: r.clock, logger: silentLogger });
  monitor.start();
  t.teardown(() => monitor.stop());
  const skewAlerts = (): string[] => r.engine.openAlerts().filter((a) => a.metric.kind === 'pool_skew').map((a) => `${a.state} ${a.agentName} ${a.cause.poolSkew?.pool ?? ''}: ${a.cause.poolSkew?.reason ?? ''}`);
  /** one minute of traffic, then the minute's judgement */
  const minute = async (web3: number): Promise<void> => {
    const now = Math.floor(r.clock.now() / 1000);
    for (const [agentId, , source] of SERVERS) await writeLoad(f.store, agentId, source, now, now + 60, { rps: source === 's3' ? web3 : 100 });
    await r.clock.advance(SKEW_CHECK_MS);
    await monitor.check();
  };

  for (let m = 0; m < 3; m++) await minute(100);
  t.same(skewAlerts(), [], 'a balanced pool: nothing');
  await minute(400);
  await minute(400);
  t.same(skewAlerts(), [], 'two minutes out of line: not yet');
  await minute(400);
  t.same(skewAlerts(), ['firing web-3 Shop: share 67 % against 33 % expected'], 'the third minute: a warning on web-3 naming the pool');
  t.match(texts(r, '+821011112222').join('\n'), /\[WARN\] web-3 pool skew Shop share 67 % against 33 % expected/, 'texted with the pool and the reason');
  await minute(400);
  t.equal(skewAlerts().length, 1, 'one alert while it lasts');
  await minute(100);
  t.same(skewAlerts(), [], 'back in line: resolved at the next judgement');
  const rows = r.db.prepare<[], { state: string; snapshot: string }>("SELECT state, snapshot FROM alerts WHERE rule_id = 'pool-skew'").all();
  t.same(rows.map((a) => [a.state, (JSON.parse(a.snapshot) as { resolution?: string }).resolution]), [['resolved', 'recovered']], 'recorded as recovered');

  // a member that leaves the pool while flagged: its alert resolves too
  for (let m = 0; m < 3; m++) await minute(400);
  t.equal(skewAlerts().length, 1, 'out of line again');
  r.db.prepare("UPDATE weblog_sources SET pool_id = NULL WHERE id = 's3'").run();
  await minute(400);
  t.same(skewAlerts(), [], 'gone from the pool: resolved');
});

void t.test('a skew alert restored at start stays open while its member is out of line and resolves once it is back', async (t) => {
  const f = await fixture(t);
  const pool = (await f.call('POST', '/api/v1/pools', { name: 'Shop', skewMinutes: 1 })).json<WeblogPool>();
  for (const [agentId, , source] of SERVERS) insertSource(f.r.db, source, agentId, pool.id);
  const minute = async (monitor: PoolSkewMonitor, web3: number): Promise<void> => {
    const now = Math.floor(f.r.clock.now() / 1000);
    for (const [agentId, , source] of SERVERS) await writeLoad(f.store, agentId, source, now, now + 60, { rps: source === 's3' ? web3 : 100 });
    await f.r.clock.advance(SKEW_CHECK_MS);
    await monitor.check();
  };
  const before = new PoolSkewMonitor({ pools: f.pools, alerts: f.r.engine, clock: f.r.clock, logger: silentLogger });
  before.start();
  await minute(before, 400);
  t.same(f.r.engine.openPoolSkews(), [{ poolId: pool.id, sourceId: 's3', agentId: 'a3' }], 'a minute out of line with skewMinutes 1: open');
  before.stop();
  f.r.engine.stop();

  // the appliance restarts: the engine restores the open alert from the database
  const again = rig(t, { file: path.join(t.testdirName, 'rackwatch.sqlite'), clock: f.r.clock, agents: f.r.agents });
  const after = new PoolSkewMonitor({ pools: f.pools, alerts: again.engine, clock: f.r.clock, logger: silentLogger });
  after.start();
  t.teardown(() => after.stop());
  t.equal(again.engine.openPoolSkews().length, 1, 'restored');
  again.engine.sweep();
  t.equal(again.engine.openPoolSkews().length, 1, 'not withdrawn by the sweep: it is no rule\'s series');
  await minute(after, 400);
  t.equal(again.engine.openPoolSkews().length, 1, 'still out of line: still open');
  await minute(after, 100);
  t.same(again.engine.openPoolSkews(), [], 'back in line: resolved');
});
