// SMS alerting end to end (S7, S12, D4), with real parts: the built appliance with `--modem sim`
// (the real modem driver on the real serialport binding, talking to the simulator on a socat
// pty), agents publishing exact payloads over MQTT, contacts and rules created through the API.
// One appliance; the subtests run in order and build on each other.
import t from 'tap';
import type { Alert, AlertDetail, Mute, OutboxEntry, ModemResponse } from '../../../contract/alerts-api.js';
import { alertMessage } from '../../../appliance/alerting/policy/sms-templates.js';
import { startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll } from '../../helpers/mqtt-agent.js';
import { cpuFeeder, cpuRule, createContact, createRule, openAlertOf, simLog, smsTo, waitForModemReady, waitForSms } from '../../helpers/alerting-helpers.js';

const KIM = '+821011112222';
const LEE = '+821033334444';
const STRANGER = '+821099990000';
const ESCALATE_AFTER_S = 8;
/** the rule's for-time (S7) */
const FOR_S = 2;

void t.test('SMS alerting end to end with the modem simulator', async (t) => {
  const app = await startAppliance(t, { args: ['--modem', 'sim', '--timezone', 'UTC', '--escalate-after', String(ESCALATE_AFTER_S), '--sms-rate-limit', '50'] });
  await waitForModemReady(app);
  const web1 = await enroll(app, 'web-01.example.com');
  const web2 = await enroll(app, 'web-02');
  const c1 = await connectAgent(t, app, web1);
  const c2 = await connectAgent(t, app, web2);
  // Kim is told first (level 0); Lee, who reads Korean, when an alert is not acknowledged in time
  await createContact(app, { name: 'Kim', phone: '010-1111-2222', language: 'en', severities: ['critical', 'disaster'] });
  await createContact(app, { name: 'Lee', phone: '010 3333 4444', language: 'ko', severities: ['critical', 'disaster'], escalationLevel: 1 });
  await createRule(app, { ...cpuRule('', FOR_S, 'CPU busy (test)'), scope: { kind: 'all' } });

  let alert1: Alert | undefined;
  let alert2: Alert | undefined;
  const feed1 = cpuFeeder(c1, web1.agentId, 1);
  const feed2 = cpuFeeder(c2, web2.agentId, 1);
  t.teardown(() => {
    feed1.stop();
    feed2.stop();
  });

  await t.test('cpu idle 1 % for longer than the rule\'s 2 s sends the fired SMS with the right text, in one part', async (t) => {
    alert1 = await openAlertOf(app, web1.agentId);
    alert2 = await openAlertOf(app, web2.agentId);
    t.equal(alert1.severity, 'critical');
    t.equal(alert1.value, 99);
    const sms = await waitForSms(app, KIM, (text) => text.includes(`#${alert1?.id} `) || text.endsWith(`#${alert1?.id}`));
    const expected = alertMessage('fired', alert1, { language: 'en', timeZone: { iana: 'UTC' } }, { nowMs: alert1.firedAt ?? 0 });
    t.equal(sms.text, expected, 'exactly the template text');
    t.match(sms.text, new RegExp(`^\\[CRIT\\] web-01\\.example\\.com cpu 99% \\(>90\\) \\d\\d:\\d\\d #${alert1.id} fullest / 40%`));
    t.equal(sms.parts, 1);
    t.equal(sms.encoding, 'gsm7');
    const detail = await app.api<AlertDetail>(`/api/v1/alerts/${alert1.id}`);
    t.same(detail.history.map((h) => h.kind), ['pending', 'fired'], 'pending first, fired after the for-time');
    // The for-time is judged in sample time (appliance/alerting/rules/rule-evaluator.ts): the
    // alert fires on a sample stamped FOR_S or more after the first breaching one. The feeder
    // stamps each batch with the second it sends it in, on the clock the appliance reads too, so
    // no sample arrives before its own time: the alert's firing time is at least FOR_S after the
    // first breaching sample's time, however the batches bunched up on the way. (The wall time
    // between "pending" and "fired" says nothing about it: a first batch sent late in a second
    // and a later one whose timer slipped past a second boundary are 2 s apart in sample time
    // and only just over 1 s apart on the clock.)
    const firstBreach = feed1.sent.find((s) => 100 - s.idle > 90);
    if (!firstBreach) throw new Error('the feeder sent no breaching sample');
    const firedAt = alert1.firedAt ?? Number.NaN;
    t.ok(firedAt >= (firstBreach.t + FOR_S) * 1000,
      `fired ${firedAt - firstBreach.t * 1000} ms after the first breaching sample's time (t = ${firstBreach.t}); the rule's for-time is ${FOR_S} s`);
    await waitFor('the outbox entry to be delivered (status report)', async () => {
      const d = await app.api<AlertDetail>(`/api/v1/alerts/${alert1?.id}`);
      return d.notifications.some((n: OutboxEntry) => n.to === KIM && n.state === 'delivered');
    });
  });

  await t.test('`ACK <id>` by SMS from a contact acknowledges the alert and confirms by SMS', async (t) => {
    if (!alert1) throw new Error('no alert');
    const id = alert1.id;
    await app.api('/api/v1/modem/sim-deliver', { from: KIM, text: `ACK ${id}` });
    const acked = await waitFor('the alert to be acknowledged', async () => {
      const d = await app.api<AlertDetail>(`/api/v1/alerts/${id}`);
      return d.alert.state === 'acknowledged' ? d : undefined;
    });
    t.equal(acked.alert.ackedBy, 'Kim', 'under the contact\'s name');
    t.equal(acked.history.at(-1)?.kind, 'acknowledged');
    const reply = await waitForSms(app, KIM, (text) => text.includes(`#${id} acknowledged`));
    t.equal(reply.parts, 1);
  });

  await t.test('escalation stops for the acknowledged alert and goes on for the other one', async (t) => {
    if (!alert1 || !alert2) throw new Error('no alerts');
    const id2 = alert2.id;
    const escalation = await waitForSms(app, LEE, (text) => text.includes(`#${id2}`), (ESCALATE_AFTER_S + 15) * 1000);
    t.match(escalation.text, /미확인/, 'the Korean "not acknowledged" escalation');
    t.equal(escalation.encoding, 'ucs2');
    const aboutAlert1 = (await smsTo(app, LEE)).filter((m) => m.text.includes(`#${alert1?.id}`));
    t.same(aboutAlert1, [], 'nothing about the acknowledged alert reached the next level');
  });

  await t.test('an SMS from an unknown number is logged and ignored', async (t) => {
    if (!alert2) throw new Error('no alert');
    const id2 = alert2.id;
    const received = (await app.api<ModemResponse>('/api/v1/modem')).status?.receivedCount ?? 0;
    await app.api('/api/v1/modem/sim-deliver', { from: STRANGER, text: `ACK ${id2}` });
    await waitFor('the modem to read it', async () => ((await app.api<ModemResponse>('/api/v1/modem')).status?.receivedCount ?? 0) > received);
    await waitFor('the log line', () => app.output().includes('ignored an SMS from an unknown number'));
    const d = await app.api<AlertDetail>(`/api/v1/alerts/${id2}`);
    t.equal(d.alert.state, 'firing', 'not acknowledged');
    t.same(await smsTo(app, STRANGER), [], 'no answer');
  });

  await t.test('`STATUS` is answered with a one-part summary in the contact\'s language', async (t) => {
    await app.api('/api/v1/modem/sim-deliver', { from: LEE, text: '상태' });
    const reply = await waitForSms(app, LEE, (text) => text.startsWith('[rackwatch]') && text.includes('서버 2대'));
    t.equal(reply.parts, 1);
    t.match(reply.text, /심각 1/, 'one critical alert firing (the other is acknowledged)');
    t.match(reply.text, /확인 1/);
  });

  await t.test('`MUTE <server> <minutes>` silences that server\'s SMS; others still go out', async (t) => {
    if (!alert1 || !alert2) throw new Error('no alerts');
    await app.api('/api/v1/modem/sim-deliver', { from: KIM, text: 'MUTE web-02 30' });
    await waitForSms(app, KIM, (text) => text.includes('web-02 muted for 30 min'));
    const mutes = await app.api<Mute[]>('/api/v1/mutes');
    t.same(mutes.map((m) => [m.agentId, m.by]), [[web2.agentId, 'Kim']]);
    // both recover; only web-01's recovery is texted
    feed1.idle = 60;
    feed2.idle = 60;
    const ok1 = await waitForSms(app, KIM, (text) => text.startsWith('[OK]') && text.includes(`#${alert1?.id}`));
    t.match(ok1.text, /^\[OK\] web-01\.example\.com cpu 40%/);
    await waitFor('web-02 to recover', async () => (await app.api<AlertDetail>(`/api/v1/alerts/${alert2?.id}`)).alert.state === 'resolved');
    await new Promise((r) => setTimeout(r, 3_000));
    const about2 = [...(await smsTo(app, KIM)), ...(await smsTo(app, LEE))].filter((m) => m.text.includes(`#${alert2?.id}`) && (m.text.startsWith('[OK]') || m.text.startsWith('[복구]')));
    t.same(about2, [], 'no recovery SMS about the muted server');
  });

  await t.test('a 169-character Korean test SMS goes out as 3 UCS2 parts that reassemble exactly', async (t) => {
    const base = '서버 점검 안내: 오늘 밤 열한 시부터 새벽 두 시까지 데이터센터 전원 설비를 점검합니다. 그동안 경보가 늦을 수 있습니다. ';
    const text = base.repeat(4).slice(0, 169);
    t.equal([...text].length, 169);
    const entry = await app.api<OutboxEntry>('/api/v1/sms/test', { to: '010-5555-6666', text });
    t.equal(entry.state, 'queued');
    const sms = await waitForSms(app, '+821055556666', (m) => m === text);
    t.equal(sms.parts, 3);
    t.equal(sms.encoding, 'ucs2');
    const submits = (await simLog(app)).submits.filter((s) => s.to === '+821055556666');
    t.same(submits.map((s) => s.concat?.seq), [1, 2, 3]);
    t.same(new Set(submits.map((s) => s.concat?.ref)).size, 1, 'one concat reference');
    t.same(submits.map((s) => [...s.text].length), [67, 67, 35]);
    const sent = await waitFor('sent', async () => (await app.api<OutboxEntry[]>('/api/v1/sms/outbox')).find((e) => e.id === entry.id && e.state !== 'queued' && e.state !== 'sending'));
    t.equal(sent.parts.length, 3);
  });
});
