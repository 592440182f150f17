// S7, S12: "Agent silent" waits its minute before it fires, and silence is not judged while the
// appliance itself keeps agents from being acknowledged. The soak (docs/benchmarks.md) texted
// hundreds of agents "offline" that were back within seconds: a tenth of the fleet reconnecting,
// the seconds between the disk filling and its fault being raised, and "no data" when a
// SIGSTOPped rrdcached answered again. In virtual time, with the alerting rig (real SQLite,
// repository, hub and outbox) and the shipped rule as it is seeded.
import t from 'tap';
import { AlertRepository } from '../../../appliance/alerting/alert-repository.js';
import { FaultAlerts } from '../../../appliance/health/fault-alerts.js';
import { DEFAULT_RULE_UPGRADES, DEFAULT_RULES } from '../../../appliance/alerting/rules/rule-types.js';
import { openDatabase } from '../../../appliance/db/database.js';
import type { AgentStatus } from '../../../contract/agent-status.js';
import type { Rule } from '../../../contract/alerting.js';
import { T0, contact, rig, silentAfter, texts, type Rig } from './support/alerting-rig.js';
import path from 'node:path';

const KIM = '+821011112222';

/** The agent's status changes (its last will, or it reconnects and reports). */
function agent(r: Rig, id: string, status: AgentStatus): void {
  const row = r.agents.rows.get(id);
  if (!row) throw new Error(`no ${id}`);
  row.status = status;
  row.lastSeen = r.clock.now();
  r.hub.publish('status', id, { agentId: id, status, at: r.clock.now() });
}

/** Agents that report every interval while the test lets them (their publishes count as reporting). */
function fleet(r: Rig, hosts: readonly string[]): string[] {
  return hosts.map((host, i) => {
    const id = `a${i + 1}`;
    r.agents.add(id, host, 'online', T0);
    r.agents.talking.add(id);
    return id;
  });
}

const silentAlertsOf = (r: Rig, agentId: string): number => new AlertRepository(r.db).alertHistory({ agentId }).filter((a) => a.ruleId === 'default-agent-silent').length;
const streamedAbout = (r: Rig, agentId: string): string[] => r.events.filter((e) => e.name === 'alert' && e.agentId === agentId).map((e) => (e.data as { kind: string }).kind);
const about = (r: Rig, host: string): string[] => texts(r, KIM).filter((x) => x.includes(host));

void t.test('S7: an agent back within the minute is never alerted (no SMS, no history row, nothing streamed); one away longer is texted after it, its history from when it went', async (t) => {
  const r = rig(t, { graceMs: 0 });
  t.equal(r.admin.getRule('default-agent-silent')?.forS, 60, 'the shipped rule waits a minute');
  r.admin.saveContact(contact('kim', KIM));
  const [back, gone] = fleet(r, ['web-01', 'web-02']) as [string, string];
  await r.clock.advance(1_000);
  // a tenth of the fleet restarted: both connections close without a DISCONNECT (their last wills)
  r.agents.talking.clear();
  agent(r, back, 'offline');
  agent(r, gone, 'offline');
  const wentAt = r.clock.now();
  await r.clock.advance(30_000);
  t.same(r.engine.openAlerts(), [], 'a silence within its minute is no open alert');
  agent(r, back, 'online');
  r.agents.talking.add(back);
  await r.clock.advance(28_000);
  t.same(texts(r, KIM), [], '58 s after they went: nobody texted');
  await r.clock.advance(4_000);
  t.same(about(r, 'web-01'), [], 'web-01, back after 30 s, is never texted');
  t.match(about(r, 'web-02'), [/^\[CRIT\] web-02 offline since /], 'web-02, still away after the minute, is');
  t.equal(silentAlertsOf(r, back), 0, 'web-01 left no alert in the history');
  t.same(streamedAbout(r, back), [], 'nor any event on the live stream');
  t.same(streamedAbout(r, gone), ['fired'], 'web-02 streamed once, when it fired');
  const [alert] = new AlertRepository(r.db).alertHistory({ agentId: gone });
  if (!alert) throw new Error('no alert for web-02');
  t.equal(alert.startedAt, wentAt + 1_000, 'its alert began when the silence was seen (a second after the last will)');
  t.same(new AlertRepository(r.db).eventsOf(alert.id).map((e) => [e.kind, e.at - wentAt]), [['pending', 1_000], ['fired', 61_000]], 'its history: pending from then, fired a minute later');
});

void t.test('S7: the minute is the rule\'s duration: an operator who sets 10 s is texted after 10 s', async (t) => {
  const r = rig(t, { graceMs: 0 });
  silentAfter(r, 10);
  r.admin.saveContact(contact('kim', KIM));
  const [id] = fleet(r, ['db-01']) as [string];
  await r.clock.advance(1_000);
  r.agents.talking.clear();
  agent(r, id, 'offline');
  await r.clock.advance(10_000);
  t.same(texts(r, KIM), [], 'not within 10 s');
  await r.clock.advance(2_000);
  t.match(texts(r, KIM), [/^\[CRIT\] db-01 offline since /]);
});

void t.test('S7: agents cut off in the seconds between the disk filling and its fault being raised are not texted: they are back in the grace after it', async (t) => {
  const r = rig(t, { graceMs: 30_000 });
  r.admin.saveContact(contact('kim', KIM));
  const ids = fleet(r, ['web-01', 'web-02', 'web-03']);
  await r.clock.advance(31_000); // past the start-up grace
  // the disk fills: ingest refuses writes and the broker closes every agent's connection; the
  // fault monitor sees it at its next poll, seconds later
  r.agents.talking.clear();
  for (const id of ids) agent(r, id, 'offline');
  await r.clock.advance(5_000);
  const faults = new FaultAlerts(() => r.engine, r.clock);
  t.teardown(() => faults.stop());
  faults.raised({ cause: 'disk-full', detail: '/var/lib/rackwatch: 0 bytes free' });
  await r.clock.advance(30_000);
  faults.cleared('disk-full');
  // web-01 and web-02 reconnect (their back-off); web-03's server died meanwhile
  await r.clock.advance(10_000);
  for (const id of ids.slice(0, 2)) {
    agent(r, id, 'online');
    r.agents.talking.add(id);
  }
  // the grace runs until 30 s after the last agent came back (silence-grace.ts)
  await r.clock.advance(28_000);
  t.same(texts(r, KIM).filter((x) => /web-0/.test(x)), [], 'no agent texted through the fault and the grace after it');
  t.match(texts(r, KIM).find((x) => x.includes('disk full')), /^\[CRIT\] rackwatch .*disk full/, 'the fault itself is');
  await r.clock.advance(4_000);
  t.same(texts(r, KIM).filter((x) => /web-0/.test(x)).map((x) => x.slice(0, 26)), ['[CRIT] web-03 offline sinc'], 'after the grace only web-03, silent for over a minute, is texted');
  t.equal(silentAlertsOf(r, 'a1') + silentAlertsOf(r, 'a2'), 0, 'web-01 and web-02 left no alert in the history');
});

void t.test('S7: while rrdcached does not answer nobody turns silent, nor in the grace after; a server that died meanwhile is texted a minute after the grace', async (t) => {
  const r = rig(t, { graceMs: 30_000 });
  r.admin.saveContact(contact('kim', KIM));
  const ids = fleet(r, ['web-01', 'web-02', 'web-03']);
  await r.clock.advance(31_000);
  const rows = ids.map((id) => r.agents.rows.get(id));
  const reported = (): void => {
    for (const row of rows) if (row) row.lastSeen = r.clock.now();
  };
  reported();
  // rrdcached stops (SIGSTOP, a stalled disk): nothing is stored or acknowledged any more; the
  // agents' publishes wait, their keepalives time out and they give up on them
  r.agents.talking.clear();
  await r.clock.advance(10_000);
  // PING unanswered for 10 s: the fault (rrdcached-supervisor.ts unansweredMs)
  const faults = new FaultAlerts(() => r.engine, r.clock);
  t.teardown(() => faults.stop());
  faults.raised({ cause: 'rrdcached-not-answering', detail: 'rrdcached leaves PING unanswered' });
  await r.clock.advance(60_000);
  t.same(texts(r, KIM).filter((x) => /web-0/.test(x)), [], '70 s without a stored sample: nobody silent');
  faults.cleared('rrdcached-not-answering');
  // web-01 and web-02 catch up over the next 20 s; web-03's server died during the outage
  await r.clock.advance(20_000);
  for (const row of rows.slice(0, 2)) if (row) row.lastSeen = r.clock.now();
  for (const id of ids.slice(0, 2)) r.agents.talking.add(id);
  await r.clock.advance(9_000);
  t.same(texts(r, KIM).filter((x) => /web-0/.test(x)), [], 'nor in the grace after it answers again');
  await r.clock.advance(59_000);
  t.same(texts(r, KIM).filter((x) => /web-0/.test(x)), [], 'web-03 pending its minute after the grace');
  await r.clock.advance(4_000);
  t.same(texts(r, KIM).filter((x) => /web-0/.test(x)).map((x) => x.slice(0, 26)), ['[CRIT] web-03 no data sinc'], 'then texted');
});

void t.test('S7: a fault that keeps no agent away (lost commits) holds no silence', async (t) => {
  const r = rig(t, { graceMs: 0 });
  silentAfter(r, 0);
  r.admin.saveContact(contact('kim', KIM));
  const [id] = fleet(r, ['db-01']) as [string];
  const faults = new FaultAlerts(() => r.engine, r.clock);
  t.teardown(() => faults.stop());
  faults.raised({ cause: 'lost-commits', detail: 'the database is at commit 9, its ledger at 10' });
  await r.clock.advance(1_000);
  r.agents.talking.clear();
  agent(r, id, 'offline');
  await r.clock.advance(2_000);
  t.match(texts(r, KIM).filter((x) => x.includes('db-01')), [/^\[CRIT\] db-01 offline since /]);
});

void t.test('S7: an installation seeded before the minute gets it at its next start, unless its operator edited the rule', (t) => {
  const was = DEFAULT_RULE_UPGRADES.find((u) => u.id === 'default-agent-silent')?.was;
  if (!was) throw new Error('no upgrade of default-agent-silent');
  const oldDefaults = DEFAULT_RULES.map((d) => (d.id === was.id ? was : d));
  /** a database as the earlier version left it: its defaults seeded, perhaps one edited (it kept no record of edits) */
  const dir = t.testdir();
  const seededBefore = (name: string, editedTo?: Rule): string => {
    const file = path.join(dir, `${name}.sqlite`);
    const db = openDatabase(file);
    new AlertRepository(db).seedDefaultRules(oldDefaults, T0 - 86_400_000);
    if (editedTo) db.prepare('UPDATE alert_rules SET definition = ? WHERE id = ?').run(JSON.stringify(editedTo), editedTo.id);
    db.close();
    return file;
  };

  const untouched = rig(t, { file: seededBefore('untouched') });
  t.equal(untouched.admin.getRule('default-agent-silent')?.forS, 60, 'never edited: a minute now');

  // an edit by the old version (no record of edits then): the definition differs from what it seeded
  const editedBefore = rig(t, { file: seededBefore('edited-before', { ...was, metric: { kind: 'agent_silent', missedIntervals: 5 } }) });
  t.match(editedBefore.admin.getRule('default-agent-silent'), { forS: 0, metric: { missedIntervals: 5 } }, 'edited before: the operator\'s rule stays as it was');

  const disabledBefore = rig(t, { file: seededBefore('disabled-before', { ...was, enabled: false }) });
  t.match(disabledBefore.admin.getRule('default-agent-silent'), { forS: 0, enabled: false }, 'disabled before: left alone');

  // an operator who chose "at once" after the minute shipped keeps it through restarts
  const file = seededBefore('chosen');
  const first = rig(t, { file });
  const upgraded = first.admin.getRule('default-agent-silent');
  if (!upgraded) throw new Error('no rule');
  first.admin.saveRule({ ...upgraded, forS: 0 });
  first.engine.stop();
  const second = rig(t, { file });
  t.equal(second.admin.getRule('default-agent-silent')?.forS, 0, 'the operator\'s 0 s survives the next start');
  t.end();
});
