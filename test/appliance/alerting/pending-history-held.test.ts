// S7: an agent that goes offline cannot complete a rule's "for" time, so its pending alerts are
// cancelled when it goes (its last will), not kept for the 10 minutes after which a series is
// stale; its firing alerts stay (the agent-silent alert tells that story). The alert history hides
// alerts cancelled before firing unless asked for them. SMS held back by the rate limit (S12) are
// listed with when their digest goes. Engine in virtual time, real SQLite.
import t from 'tap';
import { AlertRepository } from '../../../appliance/alerting/alert-repository.js';
import { S, T0, contact, cpu, rig, rule, texts } from './support/alerting-rig.js';

void t.test('an offline agent\'s pending alert is cancelled when it goes offline; a firing one stays', async (t) => {
  const r = rig(t, { graceMs: 0 });
  r.agents.add('a1', 'web-01', 'online', T0);
  r.agents.add('a2', 'web-02', 'online', T0);
  r.admin.saveRule(rule(300));
  r.engine.onBatch('a1', cpu(S, 5)); // 95 % busy: pending for 5 minutes
  r.admin.saveRule({ ...rule(0), id: 'cpu-now', name: 'CPU now' });
  r.engine.onBatch('a2', cpu(S, 1)); // fires cpu-now at once (and pends on cpu-test)
  const pendingOf = (agentId: string): number => r.engine.openAlerts().filter((a) => a.agentId === agentId && a.state === 'pending').length;
  t.equal(pendingOf('a1'), 1, 'web-01 pending');
  await r.clock.advance(10_000);

  for (const id of ['a1', 'a2']) {
    const row = r.agents.rows.get(id);
    if (!row) throw new Error(`no ${id}`);
    row.status = 'offline';
    r.hub.publish('status', id, { agentId: id, status: 'offline', at: r.clock.now() });
  }
  await r.clock.advance(2_000);
  t.equal(pendingOf('a1'), 0, 'web-01\'s pending alert is cancelled within seconds');
  t.equal(pendingOf('a2'), 0, 'so is web-02\'s');
  t.ok(r.engine.openAlerts().some((a) => a.agentId === 'a2' && a.ruleId === 'cpu-now' && a.state === 'firing'), 'web-02\'s firing alert stays');
  const cancelled = new AlertRepository(r.db).alertHistory({ agentId: 'a1', states: ['resolved'] })[0];
  t.equal(cancelled?.resolution, 'no-data');
  t.equal(cancelled?.firedAt, undefined, 'it never fired');
});

void t.test('the history leaves out alerts cancelled before firing when asked (fired: true)', async (t) => {
  const r = rig(t, { graceMs: 0 });
  r.agents.add('a1', 'web-01', 'online', T0);
  r.admin.saveRule(rule(10));
  r.engine.onBatch('a1', cpu(S, 1));
  r.engine.onBatch('a1', cpu(S + 5, 50)); // cancelled before firing
  r.engine.onBatch('a1', cpu(S + 10, 1));
  r.engine.onBatch('a1', cpu(S + 20, 1)); // fires
  r.engine.onBatch('a1', cpu(S + 25, 50)); // resolves
  await r.clock.advance(1_000);
  const repo = new AlertRepository(r.db);
  const all = repo.alertHistory({ states: ['resolved'] });
  t.equal(all.length, 2, 'both are kept');
  const fired = repo.alertHistory({ states: ['resolved'], fired: true });
  t.same(fired.map((a) => a.firedAt !== undefined), [true], 'only the one that fired');
  t.same(repo.alertHistory({ states: ['resolved'], fired: false }).map((a) => a.firedAt), [undefined], 'or only the cancelled one');
});

void t.test('S12: SMS held back by the rate limit are listed with when their digest goes, and then go', async (t) => {
  const r = rig(t, { graceMs: 0, smsPerWindow: 2 });
  r.admin.saveContact(contact('kim', '+821011112222'));
  r.admin.saveRule(rule(0));
  for (const id of ['a1', 'a2', 'a3', 'a4']) r.agents.add(id, `web-${id}`, 'online', T0);
  for (const id of ['a1', 'a2', 'a3', 'a4']) r.engine.onBatch(id, cpu(S, 1));
  t.equal(texts(r).length, 2, 'two SMS in the window');
  const held = r.engine.heldSms();
  t.equal(held.contacts, 1);
  t.same(held.messages.map((m) => [m.contactName, m.to, m.kind, m.agentName]), [['kim', '+821011112222', 'fired', 'web-a3'], ['kim', '+821011112222', 'fired', 'web-a4']]);
  t.equal(held.messages[0]?.digestAt, T0 + 15 * 60_000, 'their digest goes when the window has room');
  await r.clock.advance(15 * 60_000);
  t.equal(r.engine.heldSms().messages.length, 0, 'nothing held once the digest went');
  t.match(texts(r).at(-1) ?? '', /web-a3|web-a4/, 'the digest names them');
});
