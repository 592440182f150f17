// S18 process and user history: the snapshots of a minute averaged into one row (pure), written
// in batches to a real SQLite file and pruned by age and by rows per agent, the chart lines built
// from the rows, then hand-made batches with x.top (processes and users) and x.visitors through
// MQTT into the REAL built appliance, read back through GET /api/v1/agents/:id/top-history.
import path from 'node:path';
import t from 'tap';
import type { MetricsBatch, Snapshot } from '../../../contract/metrics.js';
import { TOP_HISTORY_LIMITS, type TopHistoryResponse } from '../../../contract/top-history-api.js';
import type { Clock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/logger.js';
import { openDatabase } from '../../../appliance/db/database.js';
import { TopHistory } from '../../../appliance/top-history/top-history.js';
import { TopHistoryRepository } from '../../../appliance/top-history/top-history-repository.js';
import { topHistorySeries } from '../../../appliance/top-history/top-history-series.js';
import { TopMinutes } from '../../../appliance/top-history/top-minutes.js';
import { startAppliance } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll, publishMetrics } from '../../helpers/mqtt-agent.js';
import { tempDir } from '../../helpers/temp-dir.js';

type Top = NonNullable<Snapshot['top']>;
const p = (name: string, user: string, value: number, pid = 1): Top['cpu'][number] => ({ pid, name, user, value });
const T0 = 1_700_000_040; // a minute's start (divisible by 60)

void t.test('the snapshots of a minute are averaged into one row; a later minute closes it', (t) => {
  const minutes = new TopMinutes();
  minutes.observe('a1', {
    t: T0 + 1,
    top: { cpu: [p('java', 'app', 80, 10), p('java', 'app', 20, 11), p('sshd', 'root', 4)], memory: [p('java', 'app', 30, 10)], io: [], users: [{ user: 'app', cpu: 100, memory: 3000 }] },
    visitors: [{ remote: '10.0.0.5', remotePort: 1, localPort: 443 }, { remote: '10.0.0.5', remotePort: 2, localPort: 443 }],
  }, 0);
  minutes.observe('a1', { t: T0 + 31, top: { cpu: [p('java', 'app', 50)], memory: [p('java', 'app', 34)], io: [], users: [{ user: 'app', cpu: 50, memory: 5000 }] } }, 0);
  const open = minutes.drain(0, 1000);
  t.same(open, [{
    agentId: 'a1', t: T0,
    data: { c: [['java', 'app', 75], ['sshd', 'root', 2]], m: [['java', 'app', 32]], u: [['app', 75, 4000]], v: [2, 1] },
  }], 'two pids of one name and account add up; sshd, missing from the second list, counts 0 there; the minute in progress is handed out');
  t.same(minutes.drain(0, 1000), [], 'nothing new: nothing to write');
  minutes.observe('a1', { t: T0 + 61, top: { cpu: [p('make', 'dev', 190)], memory: [], io: [] } }, 0);
  minutes.observe('a1', { t: T0 + 59, top: { cpu: [p('late', 'x', 1)], memory: [], io: [] } }, 0);
  const rows = minutes.drain(500, 1000);
  t.same(rows.map((r) => [r.t - T0, r.data.c?.[0]?.[0]]), [[60, 'make'], [0, 'late']], 'a new minute closes the open one; a late snapshot of an old minute makes a row of its own (it replaces the stored one)');
  t.same(minutes.drain(2000, 1000), [], 'an idle minute is let go');

  const many = new TopMinutes();
  many.observe('a2', { t: T0, top: { cpu: Array.from({ length: 20 }, (_, i) => p(`p${i}`, 'u', i)), memory: [], io: [], users: Array.from({ length: 20 }, (_, i) => ({ user: `u${i}`, cpu: i, memory: 100 - i })) } }, 0);
  const [row] = many.drain(0, 1);
  t.equal(row?.data.c?.length, TOP_HISTORY_LIMITS.perList, `at most ${TOP_HISTORY_LIMITS.perList} processes a list`);
  t.equal(row?.data.c?.[0]?.[0], 'p19', 'the highest kept');
  t.equal(row?.data.u?.length, TOP_HISTORY_LIMITS.perList, 'and as many users');
  t.end();
});

void t.test('chart lines: a point is the mean of its minutes, a missing line 0, a point with no minute a gap', (t) => {
  const minutes = [
    { t: T0, data: { c: [['java', 'app', 60], ['cron', 'root', 10]] as [string, string, number][], u: [['app', 60, 1000]] as [string, number, number][] } },
    { t: T0 + 60, data: { c: [['java', 'app', 20]] as [string, string, number][], u: [['app', 20, 3000]] as [string, number, number][], v: [4, 2] as [number, number] } },
    { t: T0 + 240, data: { c: [['cron', 'root', 90]] as [string, string, number][] } },
  ];
  const r = topHistorySeries('a1', minutes, { by: 'cpu', from: T0, to: T0 + 300, points: 3, lines: 8 });
  t.equal(r.stepS, 120, 'five minutes in three points: two minutes a point');
  t.same(r.t, [T0, T0 + 120, T0 + 240]);
  t.same(r.processes, [
    { name: 'cron', user: 'root', values: [5, null, 90] },
    { name: 'java', user: 'app', values: [40, null, 0] },
  ], 'the highest sum first');
  t.same(r.users, [{ user: 'app', values: [40, null, 0] }]);
  t.same(r.visitors, { connections: [4, null, null], addresses: [2, null, null] }, 'visitors: over the minutes that counted them');
  const mem = topHistorySeries('a1', minutes, { by: 'memory', from: T0, to: T0 + 300, points: 10, lines: 1 });
  t.same(mem.users, [{ user: 'app', values: [1000, 3000, null, null, 0] }], 'users by memory: bytes');
  t.same(topHistorySeries('a1', minutes, { by: 'cpu', from: T0, to: T0 + 300, points: 5, lines: 8, process: 'java' }).processes.map((l) => l.name), ['java'], 'one process picked');
  t.same(topHistorySeries('a1', minutes, { by: 'cpu', from: T0, to: T0 + 300, points: 5, lines: 1 }).processes.length, 1, 'lines bounds the answer');
  t.end();
});

void t.test('rows are written in batches to SQLite and pruned by age and by rows per agent', (t) => {
  const dir = tempDir(t, 'rw-top-');
  const db = openDatabase(path.join(dir, 'db.sqlite'));
  t.teardown(() => db.close());
  db.prepare("INSERT INTO agents (id, hostname, secret_hash, created_at) VALUES ('a1', 'web-01', 'x', 0), ('a2', 'db-01', 'x', 0)").run();
  let nowMs = (T0 + 100 * 60) * 1000;
  const timers: (() => void)[] = [];
  const clock: Clock = { now: () => nowMs, setTimeout: (fn) => { timers.push(fn); return {}; }, clearTimeout: () => undefined };
  const count = (agent: string): number => (db.prepare('SELECT count(*) AS n FROM top_history WHERE agent_id = ?').get(agent) as { n: number }).n;
  const history = new TopHistory({ repo: new TopHistoryRepository(db), clock, logger: silentLogger, retentionS: 50 * 60, maxRowsPerAgent: 30 });
  history.start();
  // 100 minutes of a1 (one snapshot each), 10 of a2
  for (let m = 0; m < 100; m++) history.record('a1', { t: T0 + m * 60, top: { cpu: [p('java', 'app', m)], memory: [], io: [] } });
  for (let m = 90; m < 100; m++) history.record('a2', { t: T0 + m * 60, visitors: [] });
  t.equal(count('a1'), 0, 'nothing written before the flush interval');
  timers.shift()?.();
  // the first flush prunes: a1 keeps its newest 30 (within the 50 minutes), a2 its 10
  t.equal(count('a1'), 30, 'a1: at most maxRowsPerAgent, the newest');
  t.equal(count('a2'), 10);
  const r = history.query('a1', { by: 'cpu', from: T0, to: T0 + 100 * 60, points: 100, lines: 8 });
  t.equal(r.processes[0]?.values.filter((v) => v !== null).length, 30, 'the API serves what is kept');
  t.equal(r.processes[0]?.values.at(-1), 99, 'the newest minute');
  nowMs += 3_600_000; // an hour on: everything is past the 50-minute retention
  history.record('a2', { t: T0 + 160 * 60, visitors: [{ remote: '10.0.0.1', remotePort: 1, localPort: 22 }] });
  history.stop();
  t.equal(count('a1'), 0, 'pruned by age');
  t.equal(count('a2'), 1, 'only the new minute');
  db.prepare("DELETE FROM agents WHERE id = 'a2'").run();
  t.equal(count('a2'), 0, 'gone with its agent');
  t.end();
});

void t.test('top processes and users over time through the real appliance', async (t) => {
  const app = await startAppliance(t);
  const web = await enroll(app, 'web-01');
  const client = await connectAgent(t, app, web);
  const T = Math.floor(Date.now() / 1000 / 60) * 60 - 600; // ten minutes ago, a minute's start
  const batch = (x: Snapshot): MetricsBatch => ({ v: 1, i: 5, s: [], x });
  // minute 0: postgres busy; minute 1: java busy; minute 2: both. Users summed by the agent.
  const plan: [number, [string, string, number][], [string, number, number][]][] = [
    [0, [['postgres', 'postgres', 90], ['java', 'app', 10]], [['postgres', 90, 4e9], ['app', 10, 1e9]]],
    [20, [['postgres', 'postgres', 70]], [['postgres', 70, 4e9]]],
    [60, [['java', 'app', 150]], [['app', 150, 2e9]]],
    [120, [['java', 'app', 100], ['postgres', 'postgres', 50]], [['app', 100, 2e9], ['postgres', 50, 4e9]]],
  ];
  for (const [dt, procs, users] of plan) {
    await publishMetrics(client, web.agentId, batch({
      t: T + dt,
      top: {
        cpu: procs.map(([name, user, v], i) => p(name, user, v, 100 + i)),
        memory: procs.map(([name, user], i) => p(name, user, name === 'java' ? 25 : 50, 100 + i)),
        io: [],
        users: users.map(([user, cpu, memory]) => ({ user, cpu, memory })),
      },
      ...(dt === 0 ? { visitors: [{ remote: '10.0.0.5', remotePort: 5, localPort: 443 }, { remote: '10.0.0.6', remotePort: 6, localPort: 443 }] } : {}),
    }));
  }
  const get = (q: string): Promise<TopHistoryResponse> => app.api<TopHistoryResponse>(`/api/v1/agents/${web.agentId}/top-history?from=${T}&to=${T + 180}&${q}`);

  await t.test('by CPU: a line per process and per user, a point per minute', async (t) => {
    const r = await get('by=cpu');
    t.equal(r.stepS, 60);
    t.same(r.t, [T, T + 60, T + 120]);
    t.same(r.processes, [
      { name: 'java', user: 'app', values: [5, 150, 100] },
      { name: 'postgres', user: 'postgres', values: [80, 0, 50] },
    ], 'the mean of each minute\'s snapshots, the busiest over the range first');
    t.same(r.users, [{ user: 'app', values: [5, 150, 100] }, { user: 'postgres', values: [80, 0, 50] }]);
    t.same(r.visitors, { connections: [2, null, null], addresses: [2, null, null] }, 'visitors: the mean over the snapshots that listed them (one, in minute 0)');
  });

  await t.test('by memory; one process picked; one user picked', async (t) => {
    const r = await get('by=memory');
    t.same(r.processes.map((l) => [l.name, l.values]), [['postgres', [50, 0, 50]], ['java', [12.5, 25, 25]]]);
    t.same(r.users.map((l) => [l.user, l.values]), [['postgres', [4e9, 0, 4e9]], ['app', [5e8, 2e9, 2e9]]], 'users by memory: bytes');
    t.same((await get('by=cpu&process=postgres')).processes.map((l) => [l.name, l.values]), [['postgres', [80, 0, 50]]]);
    const mine = await get('by=memory&user=app');
    t.same(mine.users.map((l) => l.user), ['app']);
    t.same(mine.processes.map((l) => l.name), ['java'], 'and only that account\'s processes');
  });

  await t.test('bad input is a clear error', async (t) => {
    for (const [query, status, field] of [
      ['by=disk', 400, 'by'], ['lines=0', 400, 'lines'], ['points=1', 400, 'points'], [`process=${'x'.repeat(300)}`, 400, 'process'],
      ['from=yesterday', 400, 'from'], [`from=${T - 30 * 86_400}`, 400, 'from'],
    ] as const) {
      const res = await app.fetch(`/api/v1/agents/${web.agentId}/top-history?${query}`);
      t.equal(res.status, status, query);
      t.match(((await res.json()) as { error: { message: string } }).error.message, field, `${query}: names ${field}`);
    }
    const none = await app.fetch('/api/v1/agents/nobody/top-history');
    t.equal(none.status, 404, 'an unknown agent');
    t.equal((await app.fetchAnonymous(`/api/v1/agents/${web.agentId}/top-history`)).status, 401, 'signed in only');
  });
});
