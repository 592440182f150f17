// The modem driver against the simulated modem over duplexPairs, in virtual time: init, sending,
// receiving, status reports, the PIN rule, boot banners, and the reset ladder.
import t from 'tap';
import { isModemError } from '../../../gsm/modem/modem-error.js';
import { encodeStatusReport } from '../../../gsm/sms/index.js';
import type { IncomingSms, ModemAlarm, StatusReportEvent } from '../../../gsm/modem/modem-status.js';
import { driverWithModel, observe } from './support/model-harness.js';

const KOREAN_169 = '서버 경보: web-01의 디스크 사용률이 95%를 넘었습니다. 즉시 확인하세요. '.repeat(4).slice(0, 169);

const INIT = ['AT', 'ATE0', 'AT+CMEE=1', 'AT+CPIN?', 'AT+CREG?', 'AT+CEREG?', 'AT+CSQ', 'AT+COPS?', 'AT+CMGF=0', 'AT+CSCA?', 'AT+CPMS="ME","ME","ME"', 'AT+CNMI=2,1,0,2,0'];

void t.test('init runs the documented sequence and reaches ready with signal, registration, operator and SIM', async (t) => {
  const h = driverWithModel(t);
  h.driver.start();
  const took = await h.clock.until(() => h.driver.status.state === 'ready', 5_000);
  t.match(h.driver.status, {
    state: 'ready', signal: { csq: 21, dbm: -71 }, registration: 'home', operator: 'SKTelecom', sim: 'ready',
    device: '/dev/ttyUSB2', path: '/dev/serial/by-id/usb-SIM_Modem-if02-port0', lastError: null,
  });
  t.same(h.model.log.commands.slice(0, INIT.length).map((c) => c.line), INIT);
  t.ok(took < 1_000, `init took ${took} ms of virtual time`);
  t.same([...new Set(h.statuses.map((s) => s.state))], ['initializing', 'ready']);
});

void t.test('an ASCII text with {}[]€ goes out as one GSM-7 part and is logged decoded', async (t) => {
  const h = driverWithModel(t);
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'ready', 5_000);
  const text = 'ALERT {db-01} [disk] /var 95% cost 10€ ~ ok|^';
  const r = observe(h.driver.sendSms({ to: '+821012345678', text }));
  await h.clock.until(() => r.settled, 5_000);
  t.same(r.value, { parts: [{ seq: 0, mr: 0 }], encoding: 'gsm7' });
  t.match(h.model.log.messages(), [{ to: '+821012345678', text, encoding: 'gsm7', complete: true }]);
  t.equal(h.driver.status.sentCount, 1);
});

void t.test('a 169-character Korean text goes out as 3 UCS2 parts with the next concat reference', async (t) => {
  const h = driverWithModel(t);
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'ready', 5_000);
  t.equal(KOREAN_169.length, 169);
  const r = observe(h.driver.sendSms({ to: '+821012345678', text: KOREAN_169 }));
  await h.clock.until(() => r.settled, 10_000);
  t.same(r.value, { parts: [{ seq: 0, mr: 0 }, { seq: 1, mr: 1 }, { seq: 2, mr: 2 }], encoding: 'ucs2', concatRef: 1 });
  const [m] = h.model.log.messages();
  t.equal(m?.text, KOREAN_169);
  t.same(m?.parts.map((p) => [p.encoding, p.concat?.ref, p.concat?.seq, p.concat?.total]), [['ucs2', 1, 1, 3], ['ucs2', 1, 2, 3], ['ucs2', 1, 3, 3]]);
});

void t.test('firstPart resumes a message: only the parts from it go out, with the given reference, each reported as accepted (RES)', async (t) => {
  const h = driverWithModel(t);
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'ready', 5_000);
  const accepted: { seq: number; mr: number }[] = [];
  const r = observe(h.driver.sendSms({ to: '+821012345678', text: KOREAN_169, concatRef: 77, firstPart: 1, onPartSent: (p) => accepted.push(p) }));
  await h.clock.until(() => r.settled, 10_000);
  t.same(r.value, { parts: [{ seq: 1, mr: 0 }, { seq: 2, mr: 1 }], encoding: 'ucs2', concatRef: 77 });
  t.same(accepted, [{ seq: 1, mr: 0 }, { seq: 2, mr: 1 }]);
  t.same(h.model.log.submits.map((p) => [p.concat?.ref, p.concat?.seq]), [[77, 2], [77, 3]]);
  await t.rejects(h.driver.sendSms({ to: '+821012345678', text: KOREAN_169, concatRef: 77, firstPart: 3 }), { code: 'RW_ERR_SMS_ENCODE' }, 'a part the message does not have');
});

void t.test('sendSms before the modem is ready rejects with RW_ERR_MODEM_NOT_READY', async (t) => {
  const h = driverWithModel(t);
  await t.rejects(h.driver.sendSms({ to: '+821012345678', text: 'x' }), { code: 'RW_ERR_MODEM_NOT_READY' });
});

void t.test('a +CMS 38 on send rejects with the classification, counts the failure, and the modem stays ready', async (t) => {
  const h = driverWithModel(t);
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'ready', 5_000);
  h.model.faults.cmsOnCmgs(38);
  const r = observe(h.driver.sendSms({ to: '+821012345678', text: 'x' }));
  await h.clock.until(() => r.settled, 5_000);
  if (isModemError(r.error, 'RW_ERR_MODEM_CMS')) t.match(r.error, { partsSent: 0, classification: { code: 38, class: 'transient-network' } });
  else t.fail('expected CMS 38');
  t.match(h.driver.status, { state: 'ready', failedCount: 1, lastError: { code: 'RW_ERR_MODEM_CMS' } });
});

void t.test('the PIN is sent once when asked for, and the SIM becomes ready', async (t) => {
  const h = driverWithModel(t, { model: { pin: '1234' }, driver: { pin: '1234' } });
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'ready', 10_000);
  t.equal(h.driver.status.state, 'ready');
  t.equal(h.model.log.commandsStartingWith('AT+CPIN=').length, 1);
});

void t.test('a wrong PIN is tried once: pin-failed and an alarm, and never again after reboots and refreshes', async (t) => {
  const h = driverWithModel(t, { model: { pin: '1234' }, driver: { pin: '0000', refreshMs: 10_000 } });
  const alarms: ModemAlarm[] = [];
  h.driver.on('alarm', (a) => alarms.push(a));
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'pin-failed', 10_000);
  t.match(h.driver.status, { state: 'pin-failed', sim: 'pin-required', lastError: { code: 'RW_ERR_MODEM_PIN' } });
  t.same(alarms.map((a) => a.code), ['RW_ERR_MODEM_PIN']);
  h.model.reboot(); // banners → init again
  await h.clock.advance(120_000);
  t.equal(h.model.log.commandsStartingWith('AT+CPIN=').length, 1, 'exactly one PIN attempt in total');
  t.equal(h.driver.status.state, 'pin-failed');
  t.ok(h.model.log.commandsStartingWith('AT+CPIN?').length >= 2, 'the SIM state was looked at again');
});

void t.test('a SIM that wants a PIN when none is configured: pin-required and an alarm, no PIN sent', async (t) => {
  const h = driverWithModel(t, { model: { pin: '1234' } });
  const alarms: ModemAlarm[] = [];
  h.driver.on('alarm', (a) => alarms.push(a));
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'pin-required', 10_000);
  t.equal(h.driver.status.state, 'pin-required');
  t.equal(alarms.length, 1);
  t.equal(h.model.log.commandsStartingWith('AT+CPIN=').length, 0);
});

void t.test('a reboot banner makes the driver run init again and return to ready', async (t) => {
  const h = driverWithModel(t);
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'ready', 5_000);
  const before = h.model.log.commands.length;
  const seen = h.statuses.length;
  h.model.reboot();
  await h.clock.until(() => h.statuses.slice(seen).some((s) => s.state === 'initializing'), 10_000);
  await h.clock.until(() => h.driver.status.state === 'ready', 10_000);
  const after = h.model.log.commands.slice(before).map((c) => c.line);
  t.ok(after.includes('ATE0') && after.includes('AT+CNMI=2,1,0,2,0'), 'init ran again');
  t.ok(h.statuses.slice(seen).some((s) => s.state === 'initializing'), 'passed through initializing');
  t.equal(h.driver.status.state, 'ready');
});

void t.test('SMS Ready soon after a handled RDY belongs to that boot: init runs once, not twice', async (t) => {
  const h = driverWithModel(t);
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'ready', 5_000);
  h.model.reboot();
  await h.clock.advance(20_000);
  t.equal(h.model.log.commandsStartingWith('AT+CNMI=').length, 2, 'the first init and one after the reboot');
});

void t.test('a lone SMS Ready without RDY (an autobauding module) still makes the driver init again', async (t) => {
  const h = driverWithModel(t, { driver: { bootWindowMs: 30_000 } });
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'ready', 5_000);
  h.model.emitUrc('SMS Ready');
  await h.clock.advance(5_000);
  t.equal(h.model.log.commandsStartingWith('AT+CNMI=').length, 2);
});

void t.test('incoming SMS: +CMTI → CMGR → CMGD, parts reassembled into one sms event, storage emptied', async (t) => {
  const h = driverWithModel(t);
  const received: IncomingSms[] = [];
  h.driver.on('sms', (m) => received.push(m));
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'ready', 5_000);
  await h.clock.advance(1_000);
  const long = '확인했습니다. '.repeat(20).trim();
  h.model.deliverSms('+821099998888', long);
  h.model.deliverSms('+821077776666', 'ACK 42');
  await h.clock.until(() => received.length === 2 && h.model.storedCount === 0, 5_000);
  t.match(received, [{ from: '+821099998888', text: long, parts: 3, complete: true }, { from: '+821077776666', text: 'ACK 42', parts: 1 }]);
  t.equal(h.model.storedCount, 0);
  t.equal(h.driver.status.receivedCount, 2);
  t.ok(h.model.log.commandsStartingWith('AT+CMGR=').length >= 4);
});

void t.test('a message stored while no one listened is found by the sweep after init', async (t) => {
  const h = driverWithModel(t);
  h.model.deliverSms('+821099998888', 'sent while the appliance was down');
  const received: IncomingSms[] = [];
  h.driver.on('sms', (m) => received.push(m));
  h.driver.start();
  await h.clock.until(() => received.length === 1 && h.model.storedCount === 0, 10_000);
  t.equal(received[0]?.text, 'sent while the appliance was down');
  t.ok(h.model.log.commandsStartingWith('AT+CMGL=4').length >= 1);
  t.equal(h.model.storedCount, 0);
});

void t.test('a status report (+CDSI) is matched to the sent part by mr and recipient', async (t) => {
  const h = driverWithModel(t);
  const reports: StatusReportEvent[] = [];
  h.driver.on('status-report', (r) => reports.push(r));
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'ready', 5_000);
  await h.clock.advance(100);
  const r = observe(h.driver.sendSms({ to: '+821012345678', text: 'with report', statusReport: true }));
  await h.clock.until(() => reports.length === 1, 10_000);
  t.same(r.value?.parts, [{ seq: 0, mr: 0 }]);
  t.match(reports, [{ mr: 0, recipient: '+821012345678', statusClass: 'delivered', status: 0, matched: true }]);
});

void t.test('not registered: no-network; when registration comes the refresh moves it to ready', async (t) => {
  const h = driverWithModel(t, { model: { registration: 2 }, driver: { refreshMs: 10_000 } });
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'no-network', 5_000);
  t.match(h.driver.status, { state: 'no-network', registration: 'searching', operator: null });
  await t.rejects(h.driver.sendSms({ to: '+1', text: 'x' }), { code: 'RW_ERR_MODEM_NOT_READY' });
  h.model.setRegistration(5);
  await h.clock.until(() => h.driver.status.state === 'ready', 20_000);
  t.match(h.driver.status, { state: 'ready', registration: 'roaming', operator: 'SKTelecom' });
});

void t.test('an empty SMSC is set from the configuration (AT+CSCA)', async (t) => {
  const h = driverWithModel(t, { model: { smsc: '' }, driver: { smsc: '+821000000000' } });
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'ready', 5_000);
  t.same(h.model.log.commandsStartingWith('AT+CSCA=').map((c) => c.line), ['AT+CSCA="+821000000000",145']);
});

void t.test('fault no answer: the heartbeat times out, ESC + AT (ladder step 1) brings it back without a reopen', async (t) => {
  const h = driverWithModel(t, { driver: { heartbeatMs: 30_000, heartbeatTimeoutMs: 3_000 } });
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'ready', 5_000);
  h.model.faults.noAnswer({ match: /^AT$/, times: 1 }); // the next heartbeat is swallowed
  await h.clock.advance(34_000);
  await h.clock.until(() => h.driver.status.state === 'ready', 10_000);
  t.match(h.driver.status, { state: 'ready', resetCount: 1, lastError: { code: 'RW_ERR_MODEM_TIMEOUT' } });
  t.ok(h.statuses.some((s) => s.state === 'resetting'));
  t.equal(h.opened.length, 1, 'the port was not reopened');
});

void t.test('a modem that stays silent climbs the ladder: reopen, AT+CFUN=1,1, back-off; it recovers when it answers again', async (t) => {
  const h = driverWithModel(t, { driver: { rebootWaitMs: 10_000, backoffMs: { initial: 2_000, max: 8_000 } } });
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'ready', 5_000);
  h.model.faults.noAnswer({ times: Infinity });
  await h.clock.until(() => h.model.log.commandsStartingWith('AT+CFUN=1,1').length === 1, 120_000);
  t.equal(h.opened.length, 2, 'reopened once before AT+CFUN=1,1');
  await h.clock.advance(60_000);
  t.ok(h.opened.length >= 4, `kept reopening with back-off (${h.opened.length} opens)`);
  t.equal(h.model.log.commandsStartingWith('AT+CFUN=1,1').length, 1, 'AT+CFUN=1,1 only once per climb');
  h.model.faults.clear();
  await h.clock.until(() => h.driver.status.state === 'ready', 60_000);
  t.equal(h.driver.status.state, 'ready');
});

void t.test('unplug: the port fails, the state is absent; replug under a new device name: reopened there, ready again', async (t) => {
  const h = driverWithModel(t, { driver: { pathPollMs: 1_000 } });
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'ready', 5_000);
  h.unplug();
  await h.clock.advance(100);
  t.match(h.driver.status, { state: 'absent', device: null });
  await h.clock.advance(5_000);
  t.equal(h.driver.status.state, 'absent', 'still absent while the path does not resolve');
  h.replug('/dev/ttyUSB3');
  await h.clock.until(() => h.driver.status.state === 'ready', 10_000);
  t.match(h.driver.status, { state: 'ready', device: '/dev/ttyUSB3' });
  t.same(h.opened, ['/dev/ttyUSB2', '/dev/ttyUSB3']);
});

void t.test('an unplug the port never reports (no EIO) is caught by the heartbeat; the driver then waits for the path', async (t) => {
  const h = driverWithModel(t, { driver: { heartbeatMs: 30_000, heartbeatTimeoutMs: 3_000, pathPollMs: 1_000 } });
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'ready', 5_000);
  h.unplugSilently();
  const took = await h.clock.until(() => h.driver.status.state === 'absent', 120_000, 100);
  t.equal(h.driver.status.state, 'absent');
  t.ok(took <= 30_000 + 3_000 + 3_000 + 1_000, `noticed within a heartbeat period plus the ESC + AT attempt (${took} ms)`);
  h.replug('/dev/ttyUSB5');
  await h.clock.until(() => h.driver.status.state === 'ready', 20_000);
  t.match(h.driver.status, { state: 'ready', device: '/dev/ttyUSB5' });
});

void t.test('a status report pushed as a two-line +CDS (bare TPDU) is matched as well', async (t) => {
  const h = driverWithModel(t);
  const reports: StatusReportEvent[] = [];
  h.driver.on('status-report', (r) => reports.push(r));
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'ready', 5_000);
  await h.clock.advance(100);
  const sent = observe(h.driver.sendSms({ to: '+821012345678', text: 'report me', statusReport: true }));
  await h.clock.until(() => sent.settled, 5_000);
  const mr = sent.value?.parts[0]?.mr ?? -1;
  const ts = { year: 2025, month: 6, day: 1, hour: 12, minute: 0, second: 0, tzQuarterHours: 0 };
  const withSmsc = encodeStatusReport({ mr, recipient: '+821012345678', scts: ts, dischargeTime: ts, status: 0x41 });
  const tpdu = withSmsc.slice(2); // drop the empty SMSC field `00`: +CDS carries the bare TPDU
  h.model.emitUrc(`+CDS: ${tpdu.length / 2}`, tpdu);
  await h.clock.advance(100);
  t.match(reports[0], { mr, recipient: '+821012345678', status: 0x41, statusClass: 'failed', matched: true });
});

void t.test('concurrent sends go out one message at a time: the parts of a message are back to back', async (t) => {
  const h = driverWithModel(t);
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'ready', 5_000);
  const a = observe(h.driver.sendSms({ to: '+821011111111', text: 'A'.repeat(200) }));
  const b = observe(h.driver.sendSms({ to: '+821022222222', text: 'B'.repeat(200) }));
  await h.clock.until(() => a.settled && b.settled, 20_000);
  t.same(h.model.log.submits.map((s) => s.to), ['+821011111111', '+821011111111', '+821022222222', '+821022222222']);
  t.same(h.model.log.messages().map((m) => [m.text.length, m.complete]), [[200, true], [200, true]]);
});

void t.test('stop() releases every timer and the port', async (t) => {
  const h = driverWithModel(t);
  h.driver.start();
  await h.clock.until(() => h.driver.status.state === 'ready', 5_000);
  const stopping = h.driver.stop();
  await h.clock.advance(3_000);
  await stopping;
  h.model.dispose();
  t.equal(h.clock.pendingTimers, 0);
  await t.rejects(h.driver.sendSms({ to: '+1', text: 'x' }), { code: 'RW_ERR_MODEM_NOT_READY' });
});
