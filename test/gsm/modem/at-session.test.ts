// The AT engine over a duplexPair, driven by the simulated modem in virtual time: one test per
// fault of the simulator's script (notes/sms.md §3), plus queueing, echo, URCs and closing.
import t from 'tap';
import { isModemError } from '../../../gsm/modem/modem-error.js';
import { encodeSubmit } from '../../../gsm/sms/index.js';
import { observe, sessionWithModel } from './support/model-harness.js';

const pdu = (text = 'disk /var 95% on web-01', to = '+821012345678') => {
  const [p] = encodeSubmit({ to, text, concatRef: 0 });
  if (!p) throw new Error('no PDU');
  return p;
};

void t.test('a command resolves with its response lines; the echo of an un-ATE0\'d modem is ignored', async (t) => {
  const h = sessionWithModel(t);
  const r = observe(h.session.command('AT+CSQ'));
  await h.clock.advance(50);
  t.same(r.value, { lines: ['+CSQ: 21,99'] });
  t.ok(h.trace.some((e) => e.dir === 'rx' && e.text === 'AT+CSQ'), 'the echo was on the line');
  t.same(h.urcs, [], 'and was not taken for a URC');
});

void t.test('commands run one at a time: each is written only after the previous final result', async (t) => {
  const h = sessionWithModel(t);
  const results = ['ATE0', 'AT+CMEE=1', 'AT+CREG?', 'AT+COPS?'].map((c) => observe(h.session.command(c)));
  t.equal(h.trace.filter((e) => e.dir === 'tx').length, 1, 'only the first is on the wire');
  await h.clock.advance(200);
  t.same(results.map((r) => r.value?.lines), [[], [], ['+CREG: 0,1'], ['+COPS: 0,0,"SKTelecom",7']]);
  const order = h.trace.filter((e) => e.dir === 'tx' || e.text === 'OK').map((e) => (e.dir === 'tx' ? e.text : 'OK'));
  t.same(order, ['ATE0', 'OK', 'AT+CMEE=1', 'OK', 'AT+CREG?', 'OK', 'AT+COPS?', 'OK']);
});

void t.test('fault ERROR: the command rejects with RW_ERR_MODEM_ERROR and the next one works', async (t) => {
  const h = sessionWithModel(t);
  h.model.faults.errorNext({ match: /CSQ/ });
  const failed = observe(h.session.command('AT+CSQ'));
  const next = observe(h.session.command('AT+CSQ'));
  await h.clock.advance(100);
  t.ok(isModemError(failed.error, 'RW_ERR_MODEM_ERROR'));
  t.same(next.value, { lines: ['+CSQ: 21,99'] });
});

void t.test('fault +CMS ERROR 38 on a send: transient-network, with a back-off hint; the retry is accepted', async (t) => {
  const h = sessionWithModel(t);
  h.model.faults.cmsOnCmgs(38);
  const p = pdu();
  const first = observe(h.session.sendPdu(p.tpduLength, p.pduHex));
  await h.clock.advance(1_000);
  t.ok(isModemError(first.error, 'RW_ERR_MODEM_CMS'));
  if (isModemError(first.error)) {
    t.match(first.error.classification, { kind: 'cms', code: 38, class: 'transient-network', hint: { retry: true, action: 'recheck-registration' } });
    t.equal(first.error.phase, 'final', 'refused after the PDU was written');
  }
  const retry = observe(h.session.sendPdu(p.tpduLength, p.pduHex));
  await h.clock.advance(1_000);
  t.same(retry.value, { mr: 0 });
  t.equal(h.model.log.submits.length, 1);
  t.same(h.model.log.rejected.map((r) => r.cms), [38]);
});

void t.test('fault +CMS ERROR 500: transient-module, retried by policy', async (t) => {
  const h = sessionWithModel(t);
  h.model.faults.cmsOnCmgs(500);
  const p = pdu();
  const r = observe(h.session.sendPdu(p.tpduLength, p.pduHex));
  await h.clock.advance(1_000);
  t.ok(isModemError(r.error, 'RW_ERR_MODEM_CMS'));
  if (isModemError(r.error)) t.match(r.error.classification, { code: 500, class: 'transient-module', hint: { retry: true, action: 'reinit-after-repeats' } });
});

void t.test('fault +CMS ERROR 304: permanent, not to be retried', async (t) => {
  const h = sessionWithModel(t);
  h.model.faults.cmsOnCmgs(304);
  const p = pdu();
  const r = observe(h.session.sendPdu(p.tpduLength, p.pduHex));
  await h.clock.advance(1_000);
  if (isModemError(r.error, 'RW_ERR_MODEM_CMS')) t.match(r.error.classification, { code: 304, class: 'permanent', hint: { retry: false } });
  else t.fail('expected CMS 304', { error: r.error });
});

void t.test('a PDU whose length does not match AT+CMGS=<n> is refused by the modem with CMS 304', async (t) => {
  const h = sessionWithModel(t);
  const p = pdu();
  const r = observe(h.session.sendPdu(p.tpduLength + 1, p.pduHex));
  await h.clock.advance(1_000);
  if (isModemError(r.error, 'RW_ERR_MODEM_CMS')) t.equal(r.error.classification?.code, 304);
  else t.fail('expected CMS 304');
  t.match(h.model.log.rejected[0]?.reason, /announced/);
});

void t.test('fault no answer: RW_ERR_MODEM_TIMEOUT exactly at the command timeout, and the queue moves on', async (t) => {
  const h = sessionWithModel(t, { timeouts: { commandMs: 2_000 } });
  h.model.faults.noAnswer({ match: /CSQ/ });
  const hung = observe(h.session.command('AT+CSQ'));
  const after = observe(h.session.command('AT+CREG?'));
  await h.clock.advance(1_999);
  t.notOk(hung.settled, 'still waiting at 1999 ms');
  await h.clock.advance(1);
  t.ok(isModemError(hung.error, 'RW_ERR_MODEM_TIMEOUT'));
  await h.clock.advance(100);
  t.same(after.value, { lines: ['+CREG: 0,1'] });
});

void t.test('fault late prompt within the prompt timeout: the send waits for it and succeeds', async (t) => {
  const h = sessionWithModel(t, { timeouts: { promptMs: 10_000 } });
  h.model.faults.latePrompt(7_000);
  const p = pdu();
  const r = observe(h.session.sendPdu(p.tpduLength, p.pduHex));
  await h.clock.advance(6_900);
  t.notOk(h.trace.some((e) => e.text.startsWith('<PDU')), 'nothing written before the prompt');
  await h.clock.advance(1_000);
  t.same(r.value, { mr: 0 });
  t.equal(h.model.log.submits[0]?.text, 'disk /var 95% on web-01');
});

void t.test('fault prompt later than the timeout: ESC, a resynchronising AT, RW_ERR_MODEM_TIMEOUT in phase prompt', async (t) => {
  const h = sessionWithModel(t, { timeouts: { promptMs: 5_000, escQuietMs: 300 } });
  h.model.faults.latePrompt(8_000);
  const p = pdu();
  const r = observe(h.session.sendPdu(p.tpduLength, p.pduHex));
  const next = observe(h.session.command('AT+CSQ'));
  await h.clock.advance(5_000);
  if (isModemError(r.error, 'RW_ERR_MODEM_TIMEOUT')) t.equal(r.error.phase, 'prompt');
  else t.fail('expected a prompt timeout');
  await h.clock.advance(5_000);
  const tx = h.trace.filter((e) => e.dir === 'tx').map((e) => e.text);
  t.same(tx, [`AT+CMGS=${p.tpduLength}`, '<ESC>', 'AT', 'AT+CSQ'], 'ESC, then AT after the quiet time, then the queue');
  t.same(next.value, { lines: ['+CSQ: 21,99'] }, 'the OK the modem gave for ESC was not taken for AT+CSQ');
  t.equal(h.model.log.submits.length, 0, 'nothing was sent');
});

void t.test('fault URC burst inside a response: the response stays whole and every URC is emitted in order', async (t) => {
  const h = sessionWithModel(t);
  await h.clock.advance(10);
  h.model.deliverSms('+821099998888', 'ping'); // stored at index 1, +CMTI not enabled yet
  h.model.faults.urcBurst(['+CMTI: "ME",7', '^RSSI:17', 'RING', '+CREG: 2'], { match: /CMGL/ });
  const r = observe(h.session.command('AT+CMGL=4'));
  await h.clock.advance(100);
  t.equal(r.value?.lines.length, 2, 'header and PDU');
  t.match(r.value?.lines[0], /^\+CMGL: 1,0,,\d+$/);
  t.match(r.value?.lines[1], /^[0-9A-F]+$/);
  t.same(h.urcs, ['+CMTI: "ME",7', '^RSSI:17', 'RING', '+CREG: 2']);
});

void t.test('a URC between a +CMGR header and its PDU line cannot steal the PDU: it is a URC, the PDU a response', async (t) => {
  const h = sessionWithModel(t);
  h.model.deliverSms('+821099998888', 'ping');
  h.model.faults.urcBurst(['^MODE:5,4'], { match: /CMGR/ });
  const r = observe(h.session.command('AT+CMGR=1'));
  await h.clock.advance(100);
  t.equal(r.value?.lines.length, 2);
  t.same(h.urcs, ['^MODE:5,4']);
});

void t.test('fault reboot banner: RDY, +CPIN: READY and SMS Ready are reported as boot events, not URCs', async (t) => {
  const h = sessionWithModel(t);
  h.model.reboot();
  await h.clock.advance(2_000);
  t.same(h.boots, ['RDY', '+CPIN: READY', 'Call Ready', 'SMS Ready']);
  t.same(h.urcs, []);
});

void t.test('a reboot while a command waits fails it at once with RW_ERR_MODEM_REBOOTED instead of a long timeout', async (t) => {
  const h = sessionWithModel(t);
  h.model.faults.noAnswer({ match: /CMGL/ });
  const r = observe(h.session.command('AT+CMGL=4', { timeoutMs: 15_000 }));
  await h.clock.advance(50);
  h.model.reboot();
  await h.clock.advance(400);
  t.ok(isModemError(r.error, 'RW_ERR_MODEM_REBOOTED'));
  t.equal(h.boots[0], 'RDY');
});

void t.test('+CPIN: READY as the answer to AT+CPIN? is a response, not a boot banner', async (t) => {
  const h = sessionWithModel(t);
  const r = observe(h.session.command('AT+CPIN?'));
  await h.clock.advance(50);
  t.same(r.value, { lines: ['+CPIN: READY'] });
  t.same(h.boots, []);
});

void t.test('a two-line +CMT URC is emitted with its PDU', async (t) => {
  const h = sessionWithModel(t);
  const cnmi = observe(h.session.command('AT+CNMI=2,2,0,1,0'));
  await h.clock.advance(50);
  t.ok(cnmi.settled);
  h.model.deliverSms('+821099998888', 'direct');
  await h.clock.advance(50);
  t.equal(h.urcs.length, 1);
  t.match(h.urcs[0], /^\+CMT: ,\d+ \| [0-9A-F]+$/);
});

void t.test('a prompt nobody asked for is cancelled with ESC so it cannot swallow the next command', async (t) => {
  const h = sessionWithModel(t);
  h.dte.emit('data', Buffer.from('\r\n> ', 'latin1'));
  await h.clock.advance(1);
  t.same(h.trace.filter((e) => e.dir === 'tx').map((e) => e.text), ['<ESC>']);
});

void t.test('when the stream closes, pending and queued commands reject with RW_ERR_MODEM_GONE, later ones at once', async (t) => {
  const h = sessionWithModel(t);
  h.model.faults.noAnswer({ times: Infinity });
  const pending = observe(h.session.command('AT+CSQ'));
  const queued = observe(h.session.command('AT'));
  const closed: string[] = [];
  h.session.on('closed', (e) => closed.push(e.code));
  h.dte.destroy(new Error('EIO: i/o error, read'));
  await h.clock.advance(1);
  t.ok(isModemError(pending.error, 'RW_ERR_MODEM_GONE'));
  t.ok(isModemError(queued.error, 'RW_ERR_MODEM_GONE'));
  t.same(closed, ['RW_ERR_MODEM_GONE']);
  t.ok(h.session.closed);
  await t.rejects(h.session.command('AT'), { code: 'RW_ERR_MODEM_GONE' });
  t.equal(h.clock.pendingTimers, 0, 'no timer left behind');
});

void t.test('a final result with no command pending is ignored', async (t) => {
  const h = sessionWithModel(t);
  h.dte.emit('data', Buffer.from('\r\nOK\r\n', 'latin1'));
  const r = observe(h.session.command('AT+CSQ'));
  await h.clock.advance(50);
  t.same(r.value, { lines: ['+CSQ: 21,99'] });
});
