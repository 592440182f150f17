// The checks store's bounds and seams (S5, S6, S16) on a real SQLite file: 1,000 checks on one
// agent (its groups' counted) and no more, the appliance's probes recorded as the probes'
// CheckRunSink and listed as their ProbeDefinitionSource, results for a check that does not run
// there dropped, a resent older result ignored, and the history of one (check, agent) pair kept
// to its bound.
import path from 'node:path';
import t from 'tap';
import { CHECK_DEFINITION_LIMITS, type CheckResult } from '../../../contract/check-definitions.js';
import { systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/logger.js';
import { AgentRepository } from '../../../appliance/agents/agent-repository.js';
import { AlertRepository } from '../../../appliance/alerting/alert-repository.js';
import { HISTORY_PER_INSTANCE, CheckRepository } from '../../../appliance/checks/check-repository.js';
import { CheckService } from '../../../appliance/checks/check-service.js';
import type { RecordedCheckRun } from '../../../appliance/checks/check-runs.js';
import { openDatabase } from '../../../appliance/db/database.js';
import { LiveHub } from '../../../appliance/live/live-hub.js';
import { tempDir } from '../../helpers/temp-dir.js';

function setUp(t: { teardown(fn: () => unknown): void }) {
  const db = openDatabase(path.join(tempDir(t, 'rw-chk-'), 'rackwatch.sqlite'));
  t.teardown(() => db.close());
  const agents = new AgentRepository(db);
  for (const [id, host] of [['a1', 'web-01'], ['a2', 'web-02']] as const) agents.insert(id, host, 'x', 0);
  const alerts = new AlertRepository(db);
  const changed: string[][] = [];
  const hub = new LiveHub({ ringSize: 16, bootTimeMs: 0 });
  const service = new CheckService({
    repo: new CheckRepository(db), agentExists: (id) => agents.get(id) !== null, hostnameOf: (id) => agents.get(id)?.hostname ?? null,
    groups: () => alerts.listGroups(), onAgentChecksChanged: (ids) => changed.push(ids), hub, clock: systemClock, logger: silentLogger,
  });
  service.start();
  return { db, alerts, service, changed, hub };
}

const port = (n: number, where: Record<string, string>) => ({ ...where, type: 'port', name: `port ${n}`, host: '127.0.0.1', port: 1 + n, interval: 10 });
const result = (id: string, tS: number, state: CheckResult['state']): CheckResult => ({ id, t: tS, state, output: state, durationMs: 1 });

void t.test('1,000 checks on one agent, its groups\' included, and no more', (t) => {
  const { alerts, service } = setUp(t);
  alerts.saveGroup({ id: 'web', name: 'Web' }, 0);
  alerts.setGroupMembers('web', ['a1']);
  // what the alert engine's reload of the groups tells it in the appliance
  service.onGroupsChanged();
  const max = CHECK_DEFINITION_LIMITS.checksPerAgent;
  t.ok(service.create(port(0, { groupId: 'web' })).ok, 'a group check');
  for (let n = 1; n < max; n++) {
    const r = service.create(port(n, { agentId: 'a1' }));
    if (!r.ok) t.fail(`check ${n}: ${r.problems.join('; ')}`);
  }
  t.equal(service.agentChecks('a1').length, max, 'all of them in its config');
  t.throws(() => service.create(port(max, { agentId: 'a1' })), { code: 'RW_ERR_CONFLICT', message: /web-01 \(a1\) runs 1000 checks already, its groups' included: at most 1000/ });
  t.throws(() => service.create(port(max, { groupId: 'web' })), { code: 'RW_ERR_CONFLICT' }, 'nor through its group');
  t.ok(service.create(port(max, { agentId: 'a2' })).ok, 'another agent has room');
  const some = service.list({ agentId: 'a1' }).checks[5];
  if (!some) throw new Error('no check');
  t.ok(service.update(some.id, { ...port(5, { agentId: 'a1' }), port: 999 }).ok, 'a full agent\'s check can still be changed');
  t.end();
});

void t.test('probes: listed for the probes, recorded from the appliance; a run where a check does not run is dropped', (t) => {
  const { service } = setUp(t);
  let probeChanges = 0;
  service.onProbesChanged(() => probeChanges++);
  const probe = service.create({ type: 'probe-tcp', name: 'smtp from the box', host: '127.0.0.1', port: 25, interval: 10 });
  const off = service.create({ type: 'probe-ping', name: 'gateway', host: '127.0.0.1', interval: 30, enabled: false });
  const agentCheck = service.create(port(1, { agentId: 'a1' }));
  if (!probe.ok || !off.ok || !agentCheck.ok) throw new Error('not created');
  t.equal(probeChanges, 2, 'told of each probe saved, not of agent checks');
  t.same(service.probes().map((p) => p.id), [probe.value.id], 'enabled probes only');
  const heard: RecordedCheckRun[] = [];
  service.results.onRun((r) => heard.push(r));
  const now = Math.floor(Date.now() / 1000);
  service.results.record([
    { checkId: probe.value.id, agentId: null, result: result(probe.value.id, now, 'critical') },
    // an agent's result for a probe, the appliance's for an agent check, another agent's: none of them
    { checkId: probe.value.id, agentId: 'a1', result: result(probe.value.id, now, 'ok') },
    { checkId: agentCheck.value.id, agentId: null, result: result(agentCheck.value.id, now, 'ok') },
    { checkId: agentCheck.value.id, agentId: 'a2', result: result(agentCheck.value.id, now, 'ok') },
  ]);
  t.match(service.view(probe.value.id), { state: 'critical', instances: [{ agentId: null, state: 'critical' }] });
  t.equal(service.view(agentCheck.value.id).state, 'pending');
  t.same(heard.map((r) => [r.checkId, r.agentId, r.previous, r.result.state]), [[probe.value.id, null, 'pending', 'critical']], 'the listeners hear the recorded run only');
  t.equal(service.results.counters.dropped, 3);
  service.remove(probe.value.id);
  t.equal(probeChanges, 3);
  t.same(service.probes(), []);
  t.end();
});

void t.test('an older result is ignored; the history of one pair is bounded', (t) => {
  const { db, service } = setUp(t);
  const c = service.create(port(1, { agentId: 'a1' }));
  if (!c.ok) throw new Error('not created');
  const id = c.value.id;
  const t0 = Math.floor(Date.now() / 1000) - 100_000;
  const flips = HISTORY_PER_INSTANCE + 50;
  service.results.record(Array.from({ length: flips }, (_, i) => ({ checkId: id, agentId: 'a1', result: result(id, t0 + i * 10, i % 2 === 0 ? 'ok' : 'critical') })));
  const last = t0 + (flips - 1) * 10;
  t.match(service.view(id), { state: 'critical', since: last, lastRun: last });
  service.results.record([{ checkId: id, agentId: 'a1', result: result(id, last - 5, 'ok') }]);
  t.match(service.view(id), { state: 'critical', lastRun: last }, 'a resent older result changes nothing');
  t.equal(service.results.counters.stale, 1);
  service.stop();
  const kept = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM check_history WHERE check_id = ?').get(id)?.n;
  t.equal(kept, HISTORY_PER_INSTANCE, `at most ${HISTORY_PER_INSTANCE} entries per check and agent`);
  const newest = service.history(id, { from: 0, to: last, limit: 2 }).entries;
  t.same(newest.map((e) => e.t), [last, last - 10], 'the newest are kept');
  t.end();
});

void t.test('an unknown check is a 404', (t) => {
  const { service } = setUp(t);
  t.throws(() => service.view('cnope'), { code: 'RW_ERR_NOT_FOUND' });
  t.throws(() => service.remove('cnope'), { code: 'RW_ERR_NOT_FOUND' });
  t.end();
});

void t.test('a removed group takes its checks along, and its members lose them', (t) => {
  const { alerts, service, changed } = setUp(t);
  alerts.saveGroup({ id: 'db', name: 'Databases' }, 0);
  alerts.setGroupMembers('db', ['a2']);
  service.onGroupsChanged();
  const c = service.create({ groupId: 'db', type: 'process', name: 'postgres', process: 'postgres', interval: 30 });
  if (!c.ok) throw new Error('not created');
  t.same(service.agentChecks('a2').map((x) => x.id), [c.value.id]);
  service.results.record([{ checkId: c.value.id, agentId: 'a2', result: result(c.value.id, Math.floor(Date.now() / 1000), 'ok') }]);
  changed.length = 0;
  alerts.deleteGroup('db');
  service.onGroupsChanged();
  t.throws(() => service.view(c.value.id), { code: 'RW_ERR_NOT_FOUND' });
  t.same(service.agentChecks('a2'), []);
  t.same(changed, [['a2']], 'the former member\'s config is looked at again');
  t.same(service.results.instancesWithStatus(c.value.id), [], 'its statuses are gone');
  t.end();
});
