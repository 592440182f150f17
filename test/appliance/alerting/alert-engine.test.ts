// The alert engine (appliance/alerting/alert-engine.ts) in virtual time, with a real SQLite file,
// the real repository, live hub and outbox (test/appliance/alerting/support/alerting-rig.ts):
// per-batch evaluation, escalation timers, acknowledgement, the silence grace, and a restart that
// keeps an open alert firing without firing it again. Its SMS commands are tested in
// sms-command-handler.test.ts, mutes and the other admin writes in alert-admin.test.ts.
import path from 'node:path';
import t, { type Test } from 'tap';
import { silentLogger } from '../../../core/logger.js';
import { AlertRepository } from '../../../appliance/alerting/alert-repository.js';
import { createAlertingCore } from '../../../appliance/alerting/alerting-feature.js';
import { openDatabase } from '../../../appliance/db/database.js';
import { LiveHub } from '../../../appliance/live/live-hub.js';
import { MuteStore } from '../../../appliance/alerting/mute-store.js';
import { SmsOutbox } from '../../../appliance/alerting/outbox/sms-outbox.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';
import { Agents, ESCALATE_MS, S, T0, contact, cpu, mem, rig, rule, silentAfter, texts } from './support/alerting-rig.js';

void t.test('a batch is evaluated against the rules of its families; the alert fires after forS and its SMS is queued', (t) => {
  const r = rig(t);
  r.agents.add('a1', 'web-01', 'online', T0);
  r.admin.saveContact(contact('kim', '+821011112222'));
  r.admin.saveRule(rule(10));
  r.engine.onBatch('a1', mem(S));
  t.same(r.events.filter((e) => e.name === 'alert'), [], 'no rule reads memory above its thresholds: nothing happens');
  r.engine.onBatch('a1', cpu(S, 1));
  r.engine.onBatch('a1', cpu(S + 5, 1));
  t.same(texts(r), [], 'pending for 5 s of 10');
  r.engine.onBatch('a1', cpu(S + 10, 1));
  t.same(r.events.filter((e) => e.name === 'alert').map((e) => (e.data as { kind: string }).kind), ['pending', 'fired']);
  t.match(texts(r, '+821011112222'), [/^\[CRIT\] web-01 cpu 99% \(>90\) 05:00 #1/]);
  r.engine.onBatch('a1', cpu(S + 15, 50));
  t.match(texts(r)[1] ?? '', /^\[OK\] web-01 cpu 50%/, 'and its recovery');
  t.end();
});

void t.test('not acknowledged in time, the next level is texted; an acknowledged alert is not escalated', async (t) => {
  const r = rig(t);
  r.agents.add('a1', 'web-01', 'online', T0);
  r.agents.add('a2', 'web-02', 'online', T0);
  // both keep reporting: their silence is no part of this test (S7: it would fire after the ack)
  r.agents.talking.add('a1');
  r.agents.talking.add('a2');
  r.admin.saveContact(contact('kim', '+821011112222', 0));
  r.admin.saveContact(contact('lee', '+821033334444', 1, 'ko'));
  r.admin.saveRule(rule(0));
  r.engine.onBatch('a1', cpu(S, 1));
  r.engine.onBatch('a2', cpu(S, 1));
  const [first, second] = r.engine.openAlerts().sort((a, b) => a.id - b.id);
  if (!first || !second) throw new Error('two alerts expected');
  await r.clock.advance(60_000);
  const ack = r.engine.acknowledge(first.id, 'web');
  t.equal(ack.ok, true);
  t.same(texts(r, '+821033334444'), [], 'level 1 hears nothing yet');
  await r.clock.advance(ESCALATE_MS - 60_000);
  const lee = texts(r, '+821033334444');
  t.equal(lee.length, 1, 'one escalation');
  t.match(lee[0] ?? '', new RegExp(`미확인.*#${second.id}`), `about #${second.id} only`);
  t.match(texts(r, '+821011112222').at(-1) ?? '', new RegExp(`^\\[ACK\\] #${first.id} web-01 .*by web`), 'the acknowledgement is told to those told about it');
  t.same(r.engine.acknowledge(first.id, 'web'), { ok: false, reason: 'already-acknowledged' });
});

void t.test('no agent is silent during the start-up grace; an offline agent fires after it, and a status change is judged within a second', async (t) => {
  const r = rig(t, { graceMs: 30_000 });
  // when silence is judged, not how long it must last (S7's minute: silence-duration.test.ts)
  silentAfter(r, 0);
  r.agents.add('a1', 'db-01', 'offline', T0 - 60_000);
  r.agents.add('a2', 'db-02', 'online', T0);
  r.admin.saveContact(contact('kim', '+821011112222'));
  await r.clock.advance(29_000);
  t.same(texts(r), [], 'nobody is silent in the grace');
  const row = r.agents.rows.get('a2');
  if (!row) throw new Error('no a2');
  row.lastSeen = r.clock.now(); // db-02 keeps reporting
  await r.clock.advance(2_000);
  t.match(texts(r), [/^\[CRIT\] db-01 offline since 04:59 #1/]);
  await r.clock.advance(1_000); // a periodic check has just run; the next is 2 s away
  // db-02 goes offline (its last will): judged a second after the status event (status changes
  // are judged together), not at the next periodic check
  row.status = 'offline';
  r.hub.publish('status', 'a2', { agentId: 'a2', status: 'offline', at: r.clock.now() });
  await r.clock.advance(999);
  t.equal(texts(r).length, 1, 'not yet: other status changes may come with it');
  await r.clock.advance(1);
  t.match(texts(r)[1] ?? '', /^\[CRIT\] db-02 offline since 05:0[01] #2/);
});

void t.test('an agent whose publishes wait for their acknowledgement (the appliance is behind) is not silent; once they stop, it is', async (t) => {
  const r = rig(t, { graceMs: 0 });
  silentAfter(r, 0);
  r.agents.add('a1', 'db-01', 'online', T0);
  r.agents.talking.add('a1');
  r.admin.saveContact(contact('kim', '+821011112222'));
  await r.clock.advance(120_000);
  t.same(texts(r), [], 'two minutes without a stored sample, but talking all along: no alert');
  r.agents.talking.delete('a1');
  await r.clock.advance(2_000);
  t.match(texts(r), [/^\[CRIT\] db-01 /], 'silent once nothing of it waits any more');
});

void t.test('after a restart an open alert keeps firing and is not fired again', (t) => {
  const file = path.join(t.testdir(), 'restart.sqlite');
  const clock = new VirtualClock(T0);
  const agents = new Agents();
  agents.add('a1', 'web-01', 'online', T0);
  {
    const db = openDatabase(file);
    const first = createAlertingCore({
      repo: new AlertRepository(db), agents, hub: new LiveHub({ ringSize: 10, bootTimeMs: T0 }),
      outbox: new SmsOutbox({ db, clock, logger: silentLogger, transport: null }), mutes: new MuteStore(db), clock, logger: silentLogger,
    });
    first.engine.start();
    first.admin.deleteRule('default-cpu-busy');
    first.admin.saveRule(rule(0));
    first.engine.onBatch('a1', cpu(S, 1));
    t.equal(first.engine.openAlerts()[0]?.state, 'firing');
    first.engine.stop();
    db.close();
  }
  const r = rig(t, { file, clock, agents });
  t.equal(r.engine.openAlerts()[0]?.id, 1, 'restored');
  r.engine.onBatch('a1', cpu(S + 5, 1));
  t.same(r.events.filter((e) => e.name === 'alert'), [], 'still firing: no second "fired"');
  r.engine.onBatch('a1', cpu(S + 10, 50));
  t.same(r.events.filter((e) => e.name === 'alert').map((e) => (e.data as { kind: string }).kind), ['resolved']);
  t.end();
});

/** RES: web-01 goes silent and its alert is acknowledged; then the appliance restarts (same file, same clock) with web-01 still down. */
async function silentAckedThenRestarted(t: Test): Promise<{ r: ReturnType<typeof rig>; agents: Agents; alertId: number; textsBefore: number }> {
  const file = path.join(t.testdir(), 'silent-restart.sqlite');
  const clock = new VirtualClock(T0);
  const agents = new Agents();
  agents.add('a1', 'web-01', 'offline', T0 - 60_000);
  const first = rig(t, { file, clock, agents, graceMs: 0 });
  // at once (S7 ships a minute): the restart, not the duration, is what these tests are about
  silentAfter(first, 0);
  first.admin.saveContact(contact('kim', '+821011112222'));
  await clock.advance(2_000);
  const [alert] = first.engine.openAlerts();
  if (!alert) throw new Error('the silent alert did not fire');
  t.equal(first.engine.acknowledge(alert.id, 'web').ok, true);
  t.match(texts(first), [/^\[CRIT\] web-01 offline/, /^\[ACK\] #\d+ web-01/]);
  first.engine.stop(); // the process ends; state is in SQLite
  await clock.advance(60_000);
  const r = rig(t, { file, clock, agents, graceMs: 30_000 });
  return { r, agents, alertId: alert.id, textsBefore: texts(r).length };
}

void t.test('RES: an agent silent before a restart stays in its acknowledged alert: no "[OK]" in the grace, no new alert after it', async (t) => {
  const { r, agents, alertId, textsBefore } = await silentAckedThenRestarted(t);
  await r.clock.advance(2_000);
  t.same(texts(r).slice(textsBefore), [], 'no false recovery at the first silence check');
  await r.clock.advance(60_000);
  t.same(texts(r).slice(textsBefore), [], 'no new alert after the grace, no escalation');
  t.match(r.engine.openAlerts(), [{ id: alertId, state: 'acknowledged', ackedBy: 'web' }], 'the same alert, still acknowledged');
  t.same(r.events.filter((e) => e.name === 'alert'), [], 'no alert event at all');
  // web-01 really comes back: exactly one recovery
  const row = agents.rows.get('a1');
  if (!row) throw new Error('no a1');
  row.status = 'online';
  row.lastSeen = r.clock.now();
  r.hub.publish('status', 'a1', { agentId: 'a1', status: 'online', at: r.clock.now() });
  await r.clock.advance(1_000);
  row.lastSeen = r.clock.now();
  await r.clock.advance(10_000);
  t.match(texts(r).slice(textsBefore), [/^\[OK\] .*web-01/], 'one recovery');
  t.same(r.engine.openAlerts(), []);
});

void t.test('RES: an agent silent before a restart that reports within the grace recovers once', async (t) => {
  const { r, agents, textsBefore } = await silentAckedThenRestarted(t);
  const row = agents.rows.get('a1');
  if (!row) throw new Error('no a1');
  await r.clock.advance(5_000);
  row.status = 'online';
  row.lastSeen = r.clock.now();
  await r.clock.advance(2_000);
  t.match(texts(r).slice(textsBefore), [/^\[OK\] .*web-01/], 'recovered while the grace still runs');
  for (let i = 0; i < 30; i++) { // it keeps reporting past the grace
    row.lastSeen = r.clock.now();
    await r.clock.advance(2_000);
  }
  const after = texts(r).slice(textsBefore);
  t.equal(after.length, 1, `once: ${JSON.stringify(after)}`);
});

void t.test('SEC: a sign-in lock raises an info alert on the appliance itself, texted to info contacts, resolved when the lock ends', async (t) => {
  const r = rig(t);
  r.admin.saveContact({ ...contact('sec', '+821055556666'), severities: ['info', 'critical'] });
  r.admin.saveContact(contact('kim', '+821011112222'));
  const untilMs = r.clock.now() + 15 * 60_000;
  r.engine.raiseLockout({ kind: 'login', keys: ['user:admin'], address: '198.51.100.9', failures: 10, untilMs });
  const [alert, ...more] = r.engine.openAlerts();
  t.same(more, [], 'one alert');
  t.equal(alert?.severity, 'info');
  t.equal(alert?.state, 'firing');
  t.equal(alert?.agentId, 'appliance');
  t.same(alert?.metric, { kind: 'lockout' });
  t.same(alert?.cause.lockout, { kind: 'login', keys: ['user:admin'], address: '198.51.100.9', untilMs });
  t.match(texts(r, '+821055556666'), [/^\[INFO\] rackwatch sign-in locked user:admin until \d\d:\d\d/], 'the contact who takes info alerts is told');
  t.same(texts(r, '+821011112222'), [], 'one who takes only critical alerts is not');
  // the same key locked again while open: still one alert
  r.engine.raiseLockout({ kind: 'login', keys: ['user:admin'], address: '198.51.100.9', failures: 10, untilMs: untilMs + 60_000 });
  t.equal(r.engine.openAlerts().length, 1);
  await r.clock.advance(15 * 60_000);
  t.equal(r.engine.openAlerts().length, 1, 'open until the later lock ends');
  await r.clock.advance(60_000);
  t.same(r.engine.openAlerts(), [], 'resolved when the lock ends');
});
