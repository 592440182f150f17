// RES: a long SMS gets through a modem that refuses every 3rd submit. The outbox (real SQLite
// file) drives the real ModemDriver over the real serialport binding on a socat pty, with the
// modem simulator answering `+CMS ERROR: 500` to every 3rd AT+CMGS. Before the fix every retry
// began again at part 1: a 5-part message never completed and part 1 went out again and again.
import path from 'node:path';
import t, { type Test } from 'tap';
import { ModemDriver } from '../../../../gsm/modem/modem-driver.js';
import { openSerialPort } from '../../../../gsm/modem/serial-port-opener.js';
import { driverTransport } from '../../../../appliance/alerting/outbox/modem-link.js';
import { SmsOutbox } from '../../../../appliance/alerting/outbox/sms-outbox.js';
import { segmentText } from '../../../../gsm/sms/index.js';
import { openDatabase } from '../../../../appliance/db/database.js';
import { systemClock } from '../../../../core/clock.js';
import { silentLogger } from '../../../../core/logger.js';
import { startPtySimulator } from '../../../../scripts/modem-sim/pty-simulator.js';
import { waitFor } from '../../../helpers/appliance-harness.js';

const KOREAN_5_PARTS = '서버 경보: web-01의 디스크 사용률이 95%를 넘었습니다. 즉시 확인하세요. '.repeat(9).slice(0, 330);
const FAST = { replyMs: 5, promptMs: 20, sendMs: 50, reportMs: 100, bootMs: 200, simReadyMs: 50 };

async function rig(t: Test) {
  const sim = await startPtySimulator({ model: { delays: FAST }, boot: 'ready' });
  t.teardown(() => sim.stop());
  const db = openDatabase(path.join(t.testdir(), 'rackwatch.sqlite'));
  let outbox: SmsOutbox | null = null;
  const driver = new ModemDriver(
    { path: sim.path, nextConcatRef: () => outbox?.nextConcatRef() ?? 0, heartbeatMs: 5_000, pathPollMs: 100, backoffMs: { initial: 200, max: 1_000 } },
    { clock: systemClock, logger: silentLogger, openPort: (device) => openSerialPort(device) },
  );
  outbox = new SmsOutbox({ db, clock: systemClock, logger: silentLogger, transport: driverTransport(driver), options: { backoffInitialMs: 100, backoffMaxMs: 400, notReadyPollMs: 50 } });
  driver.start();
  t.teardown(async () => {
    await outbox.stop();
    await driver.stop();
    db.close();
  });
  await waitFor('the modem to be ready', () => driver.status.state === 'ready', { timeoutMs: 10_000 });
  outbox.start();
  return { sim, driver, outbox };
}

void t.test('every 3rd submit refused: a 5-part Korean SMS completes, each part accepted once, all with one reference (RES)', async (t) => {
  const { sim, outbox } = await rig(t);
  t.equal(segmentText(KOREAN_5_PARTS).segments.length, 5);
  sim.faults.cmsEvery(500, 3);
  const { entry } = outbox.enqueue({ to: '+821012345678', text: KOREAN_5_PARTS, kind: 'test', dedupeKey: 'res-1' });
  const sent = await waitFor('the message to be sent', () => {
    const e = outbox.get(entry.id);
    return e?.state === 'sent' || e?.state === 'delivered' ? e : undefined;
  }, { timeoutMs: 20_000 });
  t.equal(sent.attempts, 3, 'parts 1–2, then 3–4, then 5');
  t.equal(sim.log.commandsStartingWith('AT+CMGS=').length, 7, '5 parts and the 2 refused submits: nothing sent again');
  t.equal(sim.log.rejected.length, 2);
  const seqs = sim.log.submits.map((s) => s.concat?.seq);
  t.same(seqs, [1, 2, 3, 4, 5], 'each part accepted exactly once, in order');
  t.same(new Set(sim.log.submits.map((s) => s.concat?.ref)), new Set([entry.concatRef]), 'all parts carry the reference taken when queued');
  const messages = sim.log.messages();
  t.equal(messages.length, 1, 'the handset sees one message');
  t.equal(messages[0]?.text, KOREAN_5_PARTS, 'reassembled exactly');
  t.equal(messages[0]?.complete, true);
  t.equal(messages[0]?.encoding, 'ucs2');
});
