// Incoming SMS commands (appliance/alerting/sms-command-handler.ts, S12) on the alerting core in
// virtual time (test/appliance/alerting/support/alerting-rig.ts): who is answered, the help's
// auto-responder guard, ACK, STATUS and MUTE, and the replies queued to the outbox. The commands'
// parsing and reply texts alone: policy/sms-commands.test.ts.
import t from 'tap';
import { commandReplyText } from '../../../appliance/alerting/policy/sms-commands.js';
import { S, T0, contact, cpu, rig, rule, texts } from './support/alerting-rig.js';

void t.test('SMS commands: an unknown number is ignored, an unknown command gets the help once an hour, MUTE silences a server', async (t) => {
  const r = rig(t);
  r.agents.add('a1', 'web-01.example.com', 'online', T0);
  r.agents.add('a2', 'web-02', 'online', T0);
  r.admin.saveContact(contact('kim', '+821011112222'));
  r.admin.saveRule(rule(0));
  r.engine.onBatch('a1', cpu(S, 1));
  const before = texts(r).length;
  r.commands.handleIncomingSms({ from: '+821099990000', text: 'ACK 1', receivedAt: T0 });
  t.equal(texts(r).length, before, 'no answer to a stranger');
  t.equal(r.engine.openAlerts()[0]?.state, 'firing', 'and no acknowledgement');

  r.commands.handleIncomingSms({ from: '01011112222', text: 'hello?', receivedAt: T0 });
  r.commands.handleIncomingSms({ from: '01011112222', text: 'hello??', receivedAt: T0 });
  t.same(texts(r).slice(before), ['[rackwatch] reply ACK <id>, STATUS or MUTE <server> <minutes>'], 'the help, once');

  r.commands.handleIncomingSms({ from: '+821011112222', text: 'MUTE web-01 30', receivedAt: T0 });
  t.equal(texts(r).at(-1), '[rackwatch] web-01 muted for 30 min (until 05:30)');
  r.commands.handleIncomingSms({ from: '+821011112222', text: 'MUTE db-99 30', receivedAt: T0 });
  t.equal(texts(r).at(-1), '[rackwatch] no server named db-99');
  const count = texts(r).length;
  r.engine.onBatch('a1', cpu(S + 5, 50));
  t.equal(r.engine.openAlerts().length, 0, 'the alert resolves');
  t.equal(texts(r).length, count, 'but no SMS goes out about the muted server');
  r.engine.onBatch('a2', cpu(S + 5, 1));
  t.match(texts(r).at(-1) ?? '', /^\[CRIT\] web-02 /, 'another server is not muted');
  r.commands.handleIncomingSms({ from: '+821011112222', text: 'STATUS', receivedAt: r.clock.now() });
  t.equal(texts(r).at(-1), '[rackwatch] 05:00 servers 2, offline 0; alerts: CRIT 1');
  await r.clock.advance(31 * 60_000);
  t.same(r.admin.listMutes(), [], 'the mute expires');
});

void t.test('ACK from a contact acknowledges the alert and confirms; an alert that cannot be acknowledged is explained', (t) => {
  const r = rig(t);
  r.agents.add('a1', 'web-01', 'online', T0);
  r.admin.saveContact(contact('kim', '+821011112222'));
  r.admin.saveRule(rule(0));
  r.engine.onBatch('a1', cpu(S, 1));
  const id = r.engine.openAlerts()[0]?.id;
  if (id === undefined) throw new Error('an alert expected');
  r.commands.handleIncomingSms({ from: '01011112222', text: `ACK ${id}`, receivedAt: T0 });
  t.equal(r.engine.openAlerts()[0]?.state, 'acknowledged');
  t.equal(r.engine.openAlerts()[0]?.ackedBy, 'kim', 'by the contact who texted');
  t.equal(texts(r).at(-1), commandReplyText({ kind: 'acked', alertId: id }, 'en'));
  r.commands.handleIncomingSms({ from: '01011112222', text: `ACK ${id}`, receivedAt: T0 });
  t.equal(texts(r).at(-1), commandReplyText({ kind: 'ack-failed', alertId: id, reason: 'already-acknowledged', by: 'kim' }, 'en'));
  t.match(texts(r).at(-1), /already acknowledged by kim$/, 'the reply names who acknowledged it');
  r.commands.handleIncomingSms({ from: '01011112222', text: 'ACK 999', receivedAt: T0 });
  t.equal(texts(r).at(-1), commandReplyText({ kind: 'ack-failed', alertId: 999, reason: 'not-open' }, 'en'));
  t.end();
});
