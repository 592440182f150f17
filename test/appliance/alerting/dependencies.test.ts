// Dependencies (B10) in the alert engine, in virtual time with the real repository, hub and
// outbox (support/alerting-rig.ts): two servers behind a gateway probe. The probe's failure is
// one SMS that says how many servers are behind it; the servers' own alerts open suppressed, the
// parent named, and are never texted; when the parent recovers, a server still down is texted
// after the settle time and one that came back closes quietly, in either order. A group's
// dependencies reach its members; a cycle, a server on itself, an unknown parent are refused.
import t from 'tap';
import type { Alert } from '../../../contract/alerting.js';
import type { RecordedCheckRun } from '../../../appliance/checks/check-runs.js';
import type { CheckState } from '../../../contract/checks.js';
import type { CheckInput } from '../../../contract/checks-api.js';
import { contact, rig, silentAfter, texts, T0, type Rig } from './support/alerting-rig.js';

const KIM = '+821011112222';
const gateway: CheckInput = { type: 'probe-tcp', name: 'gateway ssh', host: '10.0.0.1', port: 22, interval: 10 } as unknown as CheckInput;

function probeRun(r: Rig, state: CheckState): RecordedCheckRun {
  return {
    checkId: 'gw', name: 'gateway ssh', type: 'probe-tcp', definition: gateway, agentId: null, hostname: 'core-sw-1', previous: 'pending',
    result: { id: 'gw', t: Math.floor(r.clock.now() / 1000), state, output: state === 'ok' ? 'TCP OK - 0.001 s' : 'TCP CRITICAL - connection refused', perfdata: [], durationMs: 1 },
  };
}

async function setup(t: Parameters<typeof rig>[0]): Promise<Rig> {
  const r = rig(t, { graceMs: 0 });
  // these tests are about dependencies: "Agent silent" fires at once here, not after its minute (S7)
  silentAfter(r, 0);
  r.agents.add('a1', 'web-01', 'online', T0);
  r.agents.add('a2', 'web-02', 'online', T0);
  r.agents.talking.add('a1');
  r.agents.talking.add('a2');
  r.checkServers.set('gw', []);
  r.admin.saveContact(contact('kim', KIM));
  for (const a of ['a1', 'a2']) {
    const set = r.dependencies.set('agent', a, ['gw']);
    if (!set.ok) throw new Error(set.problems.join('; '));
  }
  r.engine.dependenciesChanged();
  await r.clock.advance(1_000);
  return r;
}

/** The agent stops (offline) or reports again (online, and on: its publishes keep coming). */
function agent(r: Rig, id: string, status: 'online' | 'offline'): void {
  const row = r.agents.rows.get(id);
  if (!row) throw new Error(`no ${id}`);
  row.status = status;
  row.lastSeen = r.clock.now();
  if (status === 'online') r.agents.talking.add(id);
  else r.agents.talking.delete(id);
  r.hub.publish('status', id, { agentId: id, status, at: r.clock.now() });
}

const openOf = (r: Rig, agentId: string): Alert | undefined => r.engine.openAlerts().find((a) => a.agentId === agentId);

/** The parent fails and both servers behind it go silent. */
async function outage(t: Parameters<typeof rig>[0], r: Rig): Promise<void> {
  r.engine.onCheckRun(probeRun(r, 'critical'));
  t.match(texts(r, KIM), [/^\[CRIT\] core-sw-1 gateway ssh CRITICAL: connection refused .* \(2 servers behind it\)/], 'one SMS, with the servers behind it');
  agent(r, 'a1', 'offline');
  agent(r, 'a2', 'offline');
  await r.clock.advance(3_000);
  for (const id of ['a1', 'a2']) {
    t.match(openOf(r, id), { state: 'firing', metric: { kind: 'agent_silent' }, quiet: { kind: 'dependency', parentId: 'gw', parentName: 'check gw' } }, `${id} suppressed, the parent named`);
  }
  await r.clock.advance(20 * 60_000);
  t.equal(texts(r, KIM).length, 1, 'twenty minutes on: still the one SMS (no escalation of the suppressed)');
}

void t.test('parent down: one SMS; the parent recovers first: the server still down is texted after the settle time, the one back closes quietly', async (t) => {
  const r = await setup(t);
  await outage(t, r);
  r.engine.onCheckRun(probeRun(r, 'ok'));
  t.match(texts(r, KIM)[1], /^\[OK\] core-sw-1 gateway ssh/, 'the parent\'s recovery');
  await r.clock.advance(5_000);
  agent(r, 'a1', 'online');
  await r.clock.advance(5_000);
  t.equal(openOf(r, 'a1'), undefined, 'web-01 came back within the settle time: closed');
  t.equal(texts(r, KIM).length, 2, 'quietly');
  await r.clock.advance(40_000);
  t.equal(texts(r, KIM).length, 2, 'web-02 not yet: 50 s of the 60 s settle time');
  await r.clock.advance(15_000);
  t.match(texts(r, KIM).slice(2), [/^\[CRIT\] web-02 offline since /], 'web-02 still down after the settle time: texted now');
  t.equal(openOf(r, 'a2')?.quiet, undefined, 'no longer suppressed');
  agent(r, 'a2', 'online');
  await r.clock.advance(3_000);
  t.match(texts(r, KIM).at(-1), /^\[OK\] web-02 reporting again/, 'and its recovery is told to whoever heard of it');
  t.notMatch(texts(r, KIM).join('\n'), /web-01/, 'nothing about web-01, ever');
});

void t.test('the servers recover before their parent: nothing about them is ever texted', async (t) => {
  const r = await setup(t);
  await outage(t, r);
  agent(r, 'a1', 'online');
  agent(r, 'a2', 'online');
  await r.clock.advance(3_000);
  t.same(r.engine.openAlerts().map((a) => a.key), ['gw'], 'only the parent\'s alert is open');
  r.engine.onCheckRun(probeRun(r, 'ok'));
  await r.clock.advance(5 * 60_000);
  t.equal(texts(r, KIM).length, 2, 'the parent\'s alert and its recovery, nothing else');
  t.notMatch(texts(r, KIM).join('\n'), /web-0/);
});

void t.test('a group depends on the gateway: its members\' alerts are suppressed; a server outside is texted', async (t) => {
  const r = rig(t, { graceMs: 0 });
  silentAfter(r, 0);
  for (const [id, host] of [['a1', 'web-01'], ['a3', 'db-01']] as const) {
    r.agents.add(id, host, 'online', T0);
    r.agents.talking.add(id);
    r.db.prepare('INSERT INTO agents (id, hostname, secret_hash, created_at) VALUES (?, ?, ?, ?)').run(id, host, 'x', T0);
  }
  r.checkServers.set('gw', []);
  r.admin.saveContact(contact('kim', KIM));
  r.admin.saveGroup({ id: 'web', name: 'web' }, ['a1']);
  t.match(r.dependencies.set('group', 'web', ['gw']), { ok: true });
  r.engine.dependenciesChanged();
  r.engine.onCheckRun(probeRun(r, 'critical'));
  t.match(texts(r, KIM)[0], /\(1 server behind it\)/);
  agent(r, 'a1', 'offline');
  agent(r, 'a3', 'offline');
  await r.clock.advance(3_000);
  t.match(openOf(r, 'a1')?.quiet, { kind: 'dependency', parentId: 'gw' });
  t.equal(openOf(r, 'a3')?.quiet, undefined);
  t.match(texts(r, KIM).slice(1), [/^\[CRIT\] db-01 offline/], 'db-01 depends on nothing: texted');
});

void t.test('refused: a cycle (directly or through a check), a server on itself, an unknown parent; the bounds', async (t) => {
  const r = await setup(t);
  r.agents.add('a3', 'db-01', 'online', T0);
  const problems = (kind: 'agent' | 'group', id: string, parents: string[]): string[] => {
    const set = r.dependencies.set(kind, id, parents);
    return set.ok ? [] : set.problems;
  };
  t.same(problems('agent', 'a3', ['a1']), []);
  t.same(problems('agent', 'a1', ['gw', 'a3']), ['dependsOn: would make a cycle: a1 → a3 → a1']);
  t.same(problems('agent', 'a1', ['a1']), ['dependsOn.0: a server cannot depend on itself']);
  t.same(problems('agent', 'a1', ['gw', 'nope']), ['dependsOn.1: no server or check nope']);
  t.same(problems('agent', 'a1', ['gw', 'gw']), ['dependsOn: names a parent twice']);
  t.match(problems('agent', 'a1', Array.from({ length: 21 }, (_, i) => `x${i}`)), ['dependsOn: at most 20 parents']);
  // a check that probes web-01 raises web-01's alerts: web-02 behind it, web-01 behind web-02 is a cycle
  r.checkServers.set('web01-http', ['a1']);
  t.same(problems('agent', 'a2', ['web01-http']), []);
  t.same(problems('agent', 'a1', ['a2']), ['dependsOn: would make a cycle: a1 → a2 → web01-http → a1']);
  t.same(r.dependencies.listing().servers, { a1: ['gw'], a2: ['web01-http'], a3: ['a1'] }, 'what was refused changed nothing');
  t.throws(() => r.dependencies.set('agent', 'nobody', []), { code: 'RW_ERR_NOT_FOUND' });
  t.equal(r.dependencies.dependantsOf('a1'), 1, 'db-01 is behind web-01');
  t.equal(r.dependencies.dependantsOf('gw'), 2, 'web-01 and, through it, db-01 are behind the gateway');
});
