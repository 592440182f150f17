// D1, RES: the appliance pings the systemd watchdog only while its event loop, rrdcached and
// SQLite answer. systemd is replaced by a fake notify socket: a datagram listener (python3, as
// Node has no unix datagram sockets) that logs each message with its arrival time; the pings go
// out through the real `systemd-notify`, as on the board. rrdcached and SQLite are real.
// A watchdog is about wall time by nature: the interval is short (1 s) and the assertions are
// on the gaps between the pings the listener received.
import t, { type Test } from 'tap';
import path from 'node:path';
import { systemClock } from '../../../core/clock.js';
import { openDatabase } from '../../../appliance/db/database.js';
import { SystemdWatchdog, systemdNotifySender, watchdogIntervalMs } from '../../../appliance/health/systemd-watchdog.js';
import { eventually, startStore, stopProcess, testLogger } from '../store/store-fixture.js';
import { fakeNotifySocket, type Received } from '../../helpers/notify-socket.js';

const INTERVAL_MS = 1_000;

async function startWatchdog(t: Test) {
  const { store, dataDir } = await startStore(t, { hangTimeoutMs: 600_000 });
  const db = openDatabase(path.join(dataDir, 'watchdog.sqlite'));
  t.teardown(() => db.close());
  const notify = await fakeNotifySocket(t);
  const env = { ...process.env, NOTIFY_SOCKET: notify.socket, WATCHDOG_USEC: String(INTERVAL_MS * 1000), WATCHDOG_PID: String(process.pid) };
  const intervalMs = watchdogIntervalMs(env, process.pid);
  t.equal(intervalMs, INTERVAL_MS, 'the interval comes from WATCHDOG_USEC');
  const watchdog = new SystemdWatchdog({
    intervalMs: intervalMs ?? 0, send: systemdNotifySender(env), clock: systemClock, logger: testLogger,
    probes: { rrdcached: (ms) => store.ping(ms), database: () => void db.prepare('SELECT 1').get() },
  });
  t.teardown(() => watchdog.stop());
  await watchdog.start();
  const pings = (): Received[] => notify.received.filter((r) => r.state === 'WATCHDOG=1');
  return { store, watchdog, notify, pings };
}

void t.test('READY=1 at start, then WATCHDOG=1 about every half interval while everything answers', async (t) => {
  const { notify, pings } = await startWatchdog(t);
  await eventually(() => pings().length >= 4, 10_000, 'four pings');
  t.equal(notify.received[0]?.state, 'READY=1');
  const p = pings();
  for (let i = 1; i < p.length; i++) t.ok(p[i]!.at - p[i - 1]!.at < INTERVAL_MS, `ping ${i} came within the watchdog interval`);
});

void t.test('a blocked event loop sends no ping for longer than the watchdog interval', async (t) => {
  const { pings } = await startWatchdog(t);
  await eventually(() => pings().length >= 2, 10_000, 'pings before the block');
  const blockedFrom = Date.now();
  // the loop hangs (a synchronous busy section): 2.5 watchdog intervals
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, INTERVAL_MS * 2.5);
  const blockedUntil = Date.now();
  t.same(pings().filter((r) => r.at > blockedFrom + 50 && r.at < blockedUntil - 50), [], 'nothing reached systemd while the loop was blocked');
  const before = pings().filter((r) => r.at <= blockedFrom).at(-1);
  await eventually(() => pings().some((r) => r.at > blockedUntil), 10_000, 'a ping after the loop runs again');
  const after = pings().find((r) => r.at > blockedUntil);
  t.ok(before && after && after.at - before.at > INTERVAL_MS, `systemd saw a gap longer than WatchdogSec (${before && after ? Math.round(after.at - before.at) : '?'} ms) and would restart`);
});

void t.test('a stopped rrdcached stops the pings; they resume once it answers again', async (t) => {
  const { store, pings } = await startWatchdog(t);
  await eventually(() => pings().length >= 2, 10_000, 'pings before rrdcached stops');
  const pid = store.health().pid;
  t.ok(pid, 'rrdcached runs');
  await stopProcess(pid!);
  const stoppedAt = Date.now();
  await new Promise((r) => setTimeout(r, INTERVAL_MS * 2.5));
  // a round already past its PING may still land just after the stop
  t.same(pings().filter((r) => r.at > stoppedAt + INTERVAL_MS), [], 'no ping for 2.5 intervals with rrdcached stopped');
  process.kill(pid!, 'SIGCONT');
  const resumedAt = Date.now();
  await eventually(() => pings().some((r) => r.at > resumedAt), 10_000, 'pings after rrdcached answers again');
  t.pass('pings resumed');
});

void t.test('no watchdog without NOTIFY_SOCKET and WATCHDOG_USEC, or for another process', (t) => {
  t.equal(watchdogIntervalMs({}, 10), null);
  t.equal(watchdogIntervalMs({ NOTIFY_SOCKET: '/run/systemd/notify' }, 10), null);
  t.equal(watchdogIntervalMs({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '11' }, 10), null);
  t.equal(watchdogIntervalMs({ NOTIFY_SOCKET: '@/org/systemd/notify', WATCHDOG_USEC: '30000000' }, 10), 30_000);
  t.end();
});
