// S15 visitor history and the agent's latest snapshot: connection counting (pure), batched
// writes to a real SQLite file, then hand-made batches with x.visitors through MQTT into the
// REAL built appliance, read back through GET /api/v1/visitors (filters, sort, limit) and
// GET /api/v1/agents/:id (`snapshot`), kept across a restart.
import t from 'tap';

import path from 'node:path';
import type { AgentDetail } from '../../../contract/api.js';
import type { VisitorListResponse, VisitorRecord } from '../../../contract/fleet-api.js';
import type { MetricsBatch, Snapshot } from '../../../contract/metrics.js';
import type { Clock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/logger.js';
import { openDatabase } from '../../../appliance/db/database.js';
import { VisitorHistory } from '../../../appliance/visitors/visitor-history.js';
import { VisitorRepository } from '../../../appliance/visitors/visitor-repository.js';
import { VisitorTracker, MAX_PORTS_PER_VISITOR, type VisitorUpdate } from '../../../appliance/visitors/visitor-tracker.js';
import { freePort, startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll, publishMetrics } from '../../helpers/mqtt-agent.js';
import { tempDir } from '../../helpers/temp-dir.js';

type Visitors = NonNullable<Snapshot['visitors']>;
const T0 = 1_700_000_000;
const v = (remote: string, remotePort: number, localPort: number): Visitors[number] => ({ remote, remotePort, localPort });

function pick(u: VisitorUpdate): [string, number, number, number, number[]] {
  return [u.remote, u.firstSeen, u.lastSeen, u.connections, [...u.localPorts].sort((a, b) => a - b)];
}

void t.test('a connection is counted once, when it first appears in a snapshot', (t) => {
  const tracker = new VisitorTracker();
  tracker.observe('a1', 100, [v('10.0.0.5', 50001, 443), v('10.0.0.5', 50002, 80), v('192.168.1.9', 40000, 22)]);
  tracker.observe('a1', 130, [v('10.0.0.5', 50001, 443), v('10.0.0.5', 50003, 443)]);
  tracker.observe('a1', 160, []);
  tracker.observe('a1', 190, [v('192.168.1.9', 40000, 22)]);
  t.same(tracker.drain().map(pick).sort(), [
    ['10.0.0.5', 100, 130, 3, [80, 443]],
    ['192.168.1.9', 100, 190, 2, [22]],
  ], 'the still-open 50001 counts once; the same tuple after a snapshot without it counts again');
  t.equal(tracker.pendingCount, 0, 'drained');

  tracker.observe('a1', 220, [v('192.168.1.9', 40000, 22)]);
  tracker.observe('a1', 200, [v('192.168.1.9', 40001, 22)]);
  t.same(tracker.drain().map(pick), [['192.168.1.9', 200, 220, 0, [22]]], 'an older snapshot (a re-sent batch) extends the times but counts nothing');

  tracker.observe('a2', 300, Array.from({ length: 100 }, (_, i) => v('203.0.113.7', 1000 + i, 1 + i)));
  const scan = tracker.drain()[0];
  t.equal(scan?.connections, 100);
  t.equal(scan?.localPorts.size, MAX_PORTS_PER_VISITOR, 'a port scan does not grow a record without bound');
  t.end();
});

void t.test('visitor records are written in batches, one transaction per flush, and merged with what is stored', (t) => {
  const dir = tempDir(t, 'rw-vis-');
  const db = openDatabase(path.join(dir, 'db.sqlite'));
  t.teardown(() => db.close());
  db.prepare("INSERT INTO agents (id, hostname, secret_hash, created_at) VALUES ('a1', 'web-01', 'x', 0)").run();
  let writes = 0;
  class CountingRepository extends VisitorRepository {
    override write(updates: readonly VisitorUpdate[]): void {
      writes++;
      super.write(updates);
    }
  }
  const timers: (() => void)[] = [];
  const clock: Clock = {
    now: () => (T0 + 10_000) * 1000,
    setTimeout: (fn) => {
      timers.push(fn);
      return {};
    },
    clearTimeout: () => undefined,
  };
  const history = new VisitorHistory({ repo: new CountingRepository(db), clock, logger: silentLogger, flushIntervalMs: 10_000, maxPending: 1_000 });
  history.start();
  for (let i = 0; i < 50; i++) history.record('a1', { t: T0 + i, visitors: [v('10.0.0.5', 50_000 + i, 443), v(`10.1.0.${i}`, 1, 22)] });
  t.equal(writes, 0, 'fifty snapshots, no write yet');
  timers.shift()?.();
  t.equal(writes, 1, 'one write when the flush interval is up');
  const { total, visitors } = history.query({ agentId: 'a1', from: 0, to: 1e12, sort: 'connections', descending: true, limit: 10 });
  t.equal(total, 51);
  t.same(visitors[0], { agentId: 'a1', hostname: 'web-01', remote: '10.0.0.5', firstSeen: T0, lastSeen: T0 + 49, connections: 50, localPorts: [443] });

  history.record('a1', { t: T0 + 1_000, visitors: [v('10.0.0.5', 60_000, 8443)] });
  history.stop();
  t.equal(writes, 3, 'query and stop each write what is waiting');
  const after = history.query({ agentId: 'a1', from: T0 + 500, to: 1e12, sort: 'lastSeen', descending: true, limit: 10 });
  t.same(after.visitors.map((r) => [r.remote, r.firstSeen, r.lastSeen, r.connections, r.localPorts]), [['10.0.0.5', T0, T0 + 1_000, 51, [443, 8443]]], 'a later batch adds to the stored record');
  t.end();
});

void t.test('visitor history and the latest snapshot through the real appliance', async (t) => {
  const dataDir = tempDir(t, 'rw-vis-');
  const ports = { httpPort: await freePort(), mqttPort: await freePort() };
  let app = await startAppliance(t, { dataDir, ...ports });
  const web = await enroll(app, 'web-01');
  const db = await enroll(app, 'db-01');
  const webClient = await connectAgent(t, app, web);
  const dbClient = await connectAgent(t, app, db);
  const T = Math.floor(Date.now() / 1000) - 600;
  const snapshotBatch = (x: Snapshot): MetricsBatch => ({ v: 1, i: 30, s: [], x });
  const top = { cpu: [{ pid: 4242, name: 'postgres', user: 'postgres', value: 87.5 }], memory: [{ pid: 1, name: 'java', user: 'app', value: 41 }], io: [] };

  await publishMetrics(webClient, web.agentId, snapshotBatch({
    t: T, top, routes: [{ destination: '0.0.0.0/0', gateway: '10.0.0.1', iface: 'eth0', metric: 100, family: 'inet' }],
    visitors: [v('10.0.0.5', 50001, 443), v('10.0.0.5', 50002, 80), v('192.168.1.9', 40000, 22)],
  }));
  await publishMetrics(webClient, web.agentId, snapshotBatch({ t: T + 30, visitors: [v('10.0.0.5', 50001, 443), v('10.0.0.5', 50003, 443), v('172.16.0.1', 1234, 443)] }));
  await publishMetrics(webClient, web.agentId, snapshotBatch({ t: T + 60, visitors: [] }));
  await publishMetrics(webClient, web.agentId, snapshotBatch({ t: T + 90, visitors: [v('192.168.1.9', 40000, 22)] }));
  await publishMetrics(dbClient, db.agentId, snapshotBatch({ t: T + 10, visitors: [v('10.0.0.5', 6000, 5432)] }));

  const list = (query = ''): Promise<VisitorListResponse> => app.api<VisitorListResponse>(`/api/v1/visitors${query}`);
  const row = (r: VisitorRecord): [string, string, number, number, number, number[]] => [r.hostname, r.remote, r.firstSeen - T, r.lastSeen - T, r.connections, r.localPorts];

  await t.test('every client address of every server, most recent first', async (t) => {
    const all = await waitFor('four visitor records', async () => {
      const r = await list();
      return r.total === 4 ? r : null;
    }, { timeoutMs: 5_000 });
    t.same(all.visitors.map(row), [
      ['web-01', '192.168.1.9', 0, 90, 2, [22]],
      ['web-01', '10.0.0.5', 0, 30, 3, [80, 443]],
      ['web-01', '172.16.0.1', 30, 30, 1, [443]],
      ['db-01', '10.0.0.5', 10, 10, 1, [5432]],
    ], 'ties in time by address');
  });

  await t.test('filtered by server, time and text; sorted; limited', async (t) => {
    t.same((await list(`?agent=${web.agentId}`)).visitors.map((r) => r.remote).sort(), ['10.0.0.5', '172.16.0.1', '192.168.1.9']);
    t.same((await list(`?from=${T + 31}`)).visitors.map((r) => r.remote), ['192.168.1.9'], 'from: seen at or after');
    t.same((await list(`?to=${T + 5}`)).visitors.map(row).map((r) => [r[0], r[1]]).sort(), [['web-01', '10.0.0.5'], ['web-01', '192.168.1.9']], 'to: first seen at or before');
    t.same((await list(`?from=${T + 20}&to=${T + 40}&agent=${web.agentId}`)).visitors.map((r) => r.remote).sort(), ['10.0.0.5', '172.16.0.1', '192.168.1.9'], 'active during the range');
    t.same((await list('?q=10.0.')).visitors.map((r) => r.hostname).sort(), ['db-01', 'web-01'], 'q matches the address');
    t.same((await list('?q=DB-0')).visitors.map((r) => r.hostname), ['db-01'], 'q matches the host name, any case');
    t.same((await list('?q=%25')).total, 0, 'a % in q is a literal %');
    t.same((await list('?sort=-connections')).visitors.map((r) => r.connections), [3, 2, 1, 1]);
    t.same((await list('?sort=remote')).visitors.map((r) => r.remote), ['10.0.0.5', '10.0.0.5', '172.16.0.1', '192.168.1.9']);
    const one = await list('?limit=1&sort=firstSeen');
    t.equal(one.total, 4, 'total counts every match');
    t.equal(one.visitors.length, 1);
    t.equal(one.visitors[0]?.firstSeen, T);
    for (const [query, status, code] of [
      ['?sort=colour', 400, 'RW_ERR_BAD_REQUEST'], ['?limit=0', 400, 'RW_ERR_BAD_REQUEST'], ['?from=yesterday', 400, 'RW_ERR_BAD_REQUEST'],
      [`?from=${T + 10}&to=${T}`, 400, 'RW_ERR_BAD_REQUEST'], ['?agent=nobody', 404, 'RW_ERR_NOT_FOUND'],
    ] as const) {
      const res = await app.fetch(`/api/v1/visitors${query}`);
      t.equal(res.status, status, query);
      t.equal(((await res.json()) as { error: { code: string } }).error.code, code, query);
    }
  });

  await t.test('the latest routes, top processes and visitors are in the agent\'s detail', async (t) => {
    // an older snapshot delivered late (a backlog) does not replace newer parts
    await publishMetrics(webClient, web.agentId, snapshotBatch({ t: T - 300, top: { cpu: [], memory: [], io: [] }, visitors: [v('198.51.100.1', 1, 22)] }));
    const d = await app.api<AgentDetail>(`/api/v1/agents/${web.agentId}`);
    t.equal(d.snapshot?.top?.t, T);
    t.equal(d.snapshot?.top?.cpu[0]?.name, 'postgres', 'the top CPU process (alert causes read it too)');
    t.equal(d.snapshot?.routes?.entries[0]?.gateway, '10.0.0.1');
    t.same(d.snapshot?.visitors, { t: T + 90, entries: [v('192.168.1.9', 40000, 22)] }, 'the connections open now');
    t.equal((await app.api<AgentDetail>(`/api/v1/agents/${db.agentId}`)).snapshot?.top, undefined, 'a part never sent is absent');
  });

  await t.test('the history is kept across a restart', async (t) => {
    await webClient.endAsync();
    await dbClient.endAsync();
    await app.stop();
    app = await startAppliance(t, { dataDir, ...ports });
    const all = await list();
    t.equal(all.total, 5, 'the late 198.51.100.1 included');
    t.same(all.visitors.find((r) => r.remote === '10.0.0.5' && r.hostname === 'web-01')?.connections, 3);
    const kept = (await app.api<AgentDetail>(`/api/v1/agents/${web.agentId}`)).snapshot;
    t.equal(kept?.routes?.entries[0]?.gateway, '10.0.0.1', 'the latest snapshot is kept across the restart (S1, S15): served before the agent sends again');
    t.ok(kept?.visitors, 'its visitors too');
  });
});
