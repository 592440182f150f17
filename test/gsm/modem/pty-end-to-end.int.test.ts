// End to end through the REAL serialport binding: the driver opens a socat pseudo-terminal (via a
// by-id-like symlink, as on the appliance) and the simulated modem answers on the other end, in
// real time. Unplug kills socat; replug comes back under a new name and the symlink is re-pointed.
import { mkdir, realpath, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import t, { type Test } from 'tap';
import { ModemDriver } from '../../../gsm/modem/modem-driver.js';
import type { IncomingSms } from '../../../gsm/modem/modem-status.js';
import { openSerialPort } from '../../../gsm/modem/serial-port-opener.js';
import { systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/logger.js';
import { startPtySimulator, type PtySimulator } from '../../../scripts/modem-sim/pty-simulator.js';

const KOREAN_169 = '서버 경보: web-01의 디스크 사용률이 95%를 넘었습니다. 즉시 확인하세요. '.repeat(4).slice(0, 169);
const FAST = { replyMs: 5, promptMs: 20, sendMs: 150, reportMs: 300, bootMs: 200, simReadyMs: 50 };

const HEARTBEAT_MS = 5_000;
const HEARTBEAT_TIMEOUT_MS = 2_000;
/**
 * An unplug is noticed by the port's EIO or, where serialport does not deliver it
 * (serialport/node-serialport#2351), by the next heartbeat going unanswered: at most a heartbeat
 * interval plus its timeout, and a margin for a loaded machine.
 */
const UNPLUG_NOTICED_WITHIN_MS = HEARTBEAT_MS + HEARTBEAT_TIMEOUT_MS + 3_000;

async function waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (!done()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Math.round(performance.now() - start);
}

interface Rig {
  readonly sim: PtySimulator;
  readonly driver: ModemDriver;
  /** The stable by-id-like symlink the driver is configured with. */
  readonly byId: string;
  readonly received: IncomingSms[];
  /** Milliseconds from start() to 'ready'. */
  readonly initMs: number;
}

async function rig(t: Test): Promise<Rig> {
  const sim = await startPtySimulator({ model: { delays: FAST }, boot: 'ready' });
  t.teardown(() => sim.stop());
  const byIdDir = path.join(sim.dir, 'by-id');
  await mkdir(byIdDir);
  const byId = path.join(byIdDir, 'usb-Rackwatch_SIM_Modem_0001-if02-port0');
  await symlink(sim.path, byId);
  let ref = 41;
  const driver = new ModemDriver(
    {
      path: byId, nextConcatRef: () => (ref = (ref + 1) & 0xff),
      heartbeatMs: HEARTBEAT_MS, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS, pathPollMs: 100, bootSettleMs: 300, simRetryMs: 200,
      backoffMs: { initial: 200, max: 1_000 }, rebootWaitMs: 500,
    },
    { clock: systemClock, logger: silentLogger, openPort: (device) => openSerialPort(device) },
  );
  const received: IncomingSms[] = [];
  driver.on('sms', (m) => received.push(m));
  const start = performance.now();
  driver.start();
  t.teardown(() => driver.stop());
  await waitFor('ready', () => driver.status.state === 'ready', 10_000);
  return { sim, driver, byId, received, initMs: Math.round(performance.now() - start) };
}

void t.test('init over the real binding on a pty reaches ready with signal and operator', async (t) => {
  const r = await rig(t);
  t.match(r.driver.status, { state: 'ready', signal: { csq: 21, dbm: -71 }, registration: 'home', operator: 'SKTelecom', sim: 'ready' });
  t.match(r.driver.status.device, /^\/dev\/pts\/\d+$/, 'the by-id symlink was resolved to the pty');
  t.comment(`init on the pty: ${r.initMs} ms`);
});

void t.test('a 169-character Korean text: 3 UCS2 parts that reassemble exactly in the simulator log', async (t) => {
  const r = await rig(t);
  const start = performance.now();
  const result = await r.driver.sendSms({ to: '+821012345678', text: KOREAN_169 });
  const ms = Math.round(performance.now() - start);
  t.equal(result.parts.length, 3);
  t.equal(result.encoding, 'ucs2');
  const messages = r.sim.log.messages();
  t.equal(messages.length, 1);
  const [m] = messages;
  t.equal(m?.text, KOREAN_169, 'reassembled exactly');
  t.equal(m?.complete, true);
  t.same(m?.parts.map((p) => [p.encoding, p.concat?.ref, p.concat?.seq, p.concat?.total, p.to]), [
    ['ucs2', 42, 1, 3, '+821012345678'], ['ucs2', 42, 2, 3, '+821012345678'], ['ucs2', 42, 3, 3, '+821012345678'],
  ]);
  t.ok(m?.parts.every((p) => p.udl <= 140), 'every part fits 140 octets');
  t.comment(`3-part send on the pty: ${ms} ms (simulated network ${FAST.sendMs} ms per part)`);
});

void t.test('an ASCII text with {}[]€ goes out as GSM-7', async (t) => {
  const r = await rig(t);
  const ascii = 'ALERT {db-01} [disk /var] 95% cost 10€ ~|^\\';
  const result = await r.driver.sendSms({ to: '+821012345678', text: ascii });
  t.equal(result.encoding, 'gsm7');
  t.match(r.sim.log.messages(), [{ text: ascii, encoding: 'gsm7', complete: true }]);
  t.equal(r.sim.log.submits[0]?.udl, ascii.length + 9, 'each of the 9 extension characters costs 2 septets');
});

void t.test('an incoming multi-part SMS delivered by the simulator is emitted once, reassembled', async (t) => {
  const r = await rig(t);
  const text = '알림 확인: ' + 'ACK web-01 disk '.repeat(12);
  r.sim.deliverSms('+821099998888', text);
  r.sim.deliverSms('+821077776666', 'stop');
  await waitFor('two sms events', () => r.received.length === 2, 5_000);
  t.match(r.received, [{ from: '+821099998888', text, complete: true }, { from: '+821077776666', text: 'stop', parts: 1 }]);
  t.ok((r.received[0]?.parts ?? 0) > 1, 'it was a multi-part message');
  await waitFor('storage emptied (AT+CMGD after each read)', () => r.sim.model.storedCount === 0, 2_000);
  t.equal(r.sim.model.storedCount, 0, 'storage emptied');
});

void t.test('unplug: the driver notices; replug under a NEW name with the by-id link re-pointed: ready again', async (t) => {
  const r = await rig(t);
  const unplugged = performance.now();
  await r.sim.unplug();
  await waitFor('absent', () => r.driver.status.state === 'absent', UNPLUG_NOTICED_WITHIN_MS);
  const noticedMs = Math.round(performance.now() - unplugged);
  t.equal(r.driver.status.device, null);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(r.driver.status.state, 'absent', 'stays absent while the by-id link dangles');
  const newPath = await r.sim.replug('modem-reenumerated');
  t.not(newPath, path.join(r.sim.dir, 'modem'), 'a new name');
  await rm(r.byId);
  await symlink(newPath, r.byId);
  const replugged = performance.now();
  const recoverMs = await waitFor('ready after replug', () => r.driver.status.state === 'ready', 10_000);
  t.equal(r.driver.status.device, await realpath(newPath), 'reopened through the re-pointed link (the kernel may reuse the pts number)');
  const result = await r.driver.sendSms({ to: '+821012345678', text: 'back online' });
  t.equal(result.parts.length, 1);
  t.equal(r.sim.log.messages().at(-1)?.text, 'back online');
  t.comment(`unplug noticed in ${noticedMs} ms; ready ${recoverMs} ms after replug (total ${Math.round(performance.now() - unplugged)} ms, replug at +${Math.round(replugged - unplugged)} ms)`);
});
