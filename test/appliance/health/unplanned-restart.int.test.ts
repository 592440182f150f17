// D1, RES: the built appliance under a (fake) systemd watchdog, and its restart SMS. With
// NOTIFY_SOCKET and WATCHDOG_USEC set it says READY=1 and pings; its rrdcached stopped, the
// pings stop. A clean stop (SIGTERM) and start texts nobody; after a SIGKILL the next start
// texts the on-call contacts (level 0, in their language) how long it was down, or that the down
// time is unknown when the clock came back behind the last known time (D1: no real-time clock).
import t from 'tap';
import { utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { OutboxEntry } from '../../../contract/alerts-api.js';
import { startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { createContact, waitForModemReady, waitForSms } from '../../helpers/alerting-helpers.js';
import { fakeNotifySocket } from '../../helpers/notify-socket.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { stopProcess } from '../store/store-fixture.js';

const KIM = '+821011112222';
const PARK = '+821055556666';
const ARGS = ['--modem', 'sim', '--timezone', 'UTC'];
const WATCHDOG_MS = 2_000;

void t.test('the appliance under the systemd watchdog, killed and restarted', async (t) => {
  const dataDir = tempDir(t, 'rw-app-');
  const notify = await fakeNotifySocket(t);
  const env = { NOTIFY_SOCKET: notify.socket, WATCHDOG_USEC: String(WATCHDOG_MS * 1000) };
  const first = await startAppliance(t, { dataDir, args: ARGS, env });
  const pings = () => notify.received.filter((r) => r.state === 'WATCHDOG=1');

  await t.test('READY=1 once it serves, then pings while rrdcached and SQLite answer', async (t) => {
    await waitFor('three pings', () => pings().length >= 3, { timeoutMs: 15_000 });
    t.equal(notify.received[0]?.state, 'READY=1');
  });

  await t.test('its rrdcached stopped, the pings stop for longer than WatchdogSec', async (t) => {
    const { rrdcached } = await first.api<{ rrdcached: { pid: number | null } }>('/api/v1/health');
    t.ok(rrdcached.pid, 'rrdcached runs');
    await stopProcess(rrdcached.pid!);
    const stoppedAt = Date.now();
    await new Promise((r) => setTimeout(r, WATCHDOG_MS * 1.5));
    process.kill(rrdcached.pid!, 'SIGCONT');
    t.same(pings().filter((r) => r.at > stoppedAt + WATCHDOG_MS / 2), [], 'no ping while rrdcached was stopped: systemd would restart the appliance');
    const resumedAt = Date.now();
    await waitFor('pings again', () => pings().some((r) => r.at > resumedAt), { timeoutMs: 15_000 });
  });

  await waitForModemReady(first);
  await createContact(first, { name: 'Kim', phone: '010-1111-2222', language: 'en', severities: ['critical'] });
  await createContact(first, { name: 'Park', phone: '010-5555-6666', language: 'ko', severities: ['info'] });
  await createContact(first, { name: 'Lee', phone: '010-3333-4444', language: 'en', severities: ['critical'], escalationLevel: 1 });

  await t.test('a clean stop and start texts nobody', async (t) => {
    t.same(await first.stop(), { code: 0, signal: null });
    const second = await startAppliance(t, { dataDir, args: ARGS });
    await waitForModemReady(second);
    const outbox = await second.api<OutboxEntry[]>('/api/v1/sms/outbox');
    t.same(outbox.filter((e) => e.kind === 'restart'), []);
    // killed: the appliance cannot mark its stop clean; it was last alive 12 minutes ago
    await second.kill();
    const lastAlive = new Date(Date.now() - 12 * 60_000);
    utimesSync(path.join(dataDir, 'alive'), lastAlive, lastAlive);
  });

  await t.test('after a crash the on-call contacts hear how long it was down', async (t) => {
    const third = await startAppliance(t, { dataDir, args: ARGS });
    await waitForModemReady(third);
    const sms = await waitForSms(third, KIM, /restarted after being down/);
    t.match(sms.text, /^rackwatch \S+ restarted after being down 12 min$/);
    const korean = await waitForSms(third, PARK, /재시작/);
    t.match(korean.text, /12분 동안 중단되었습니다/);
    const outbox = await third.api<OutboxEntry[]>('/api/v1/sms/outbox');
    t.same(outbox.filter((e) => e.kind === 'restart').map((e) => e.to).sort(), [KIM, PARK], 'level 0 only: Lee (level 1) is not texted');
    await third.kill();
  });

  await t.test('after a power cut with the clock behind the last known time, the down time is not made up', async (t) => {
    // as a board without a real-time clock comes back before any time server answers: the last
    // run's time is ahead of this clock
    const ahead = new Date(Date.now() + 60 * 60_000);
    writeFileSync(path.join(dataDir, 'last-known-time'), `${ahead.toISOString()}\n`);
    utimesSync(path.join(dataDir, 'alive'), ahead, ahead);
    const fourth = await startAppliance(t, { dataDir, args: ARGS });
    await waitForModemReady(fourth);
    const sms = await waitForSms(fourth, KIM, /restarted/);
    t.match(sms.text, /^rackwatch \S+ restarted; down time unknown \(clock not synchronised\)$/);
    t.match((await waitForSms(fourth, PARK, /재시작/)).text, /중단 시간을 알 수 없습니다/);
  });
});
