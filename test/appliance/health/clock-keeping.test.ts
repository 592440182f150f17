// D1: time without a real-time clock. The appliance saves the last time it knew every minute and
// at a clean stop, atomically; a system clock found behind it at start is unsynchronised, and the
// appliance's times stay at it until the clock passes it (never backwards). Whether the clock is
// synchronised comes from chrony or timedatectl (their output parsed here; the commands faked).
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { nonDecreasingClock, type Clock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/logger.js';
import { ClockStatus, CLOCK_CHECK_EVERY_MS, isBehind } from '../../../appliance/health/clock-status.js';
import { parseChronyTracking, parseTimedatectl, readClockSync, type RunCommand } from '../../../appliance/health/clock-sync.js';
import { LAST_KNOWN_TIME_FILE, LastKnownTime, SAVE_EVERY_MS, readLastKnownTime } from '../../../appliance/health/last-known-time.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';

const T = Date.UTC(2026, 11, 5, 14, 0, 0);

const CHRONY_SYNCED = `Reference ID    : C0A80001 (192.168.0.1)
Stratum         : 3
Ref time (UTC)  : Sat Dec 05 14:00:00 2026
System time     : 0.000012 seconds fast of NTP time
Leap status     : Normal
`;
const CHRONY_UNSYNCED = `Reference ID    : 00000000 ()
Stratum         : 0
Ref time (UTC)  : Thu Jan 01 00:00:00 1970
Leap status     : Not synchronised
`;

void t.test('the clock never goes below the last known time nor below what it gave before', (t) => {
  let system = T - 3_600_000; // booted an hour behind
  const base: Clock = { now: () => system, setTimeout: () => ({}), clearTimeout: () => undefined };
  const clock = nonDecreasingClock(base, T);
  t.equal(clock.now(), T, 'held at the last known time while the system clock is behind');
  system = T + 5_000;
  t.equal(clock.now(), T + 5_000, 'moves with the system clock once it passes it');
  system = T - 60_000; // an NTP step back
  t.equal(clock.now(), T + 5_000, 'a step back does not move it back');
  t.end();
});

void t.test('the last known time is saved every minute and at stop, and read back', async (t) => {
  const dir = tempDir(t);
  t.equal(readLastKnownTime(dir), null, 'none before the first start');
  const clock = new VirtualClock(T);
  const keeper = new LastKnownTime({ dataDir: dir, clock, logger: silentLogger });
  keeper.start();
  t.equal(readLastKnownTime(dir), T, 'saved at start');
  await clock.advance(SAVE_EVERY_MS);
  t.equal(readLastKnownTime(dir), T + SAVE_EVERY_MS, 'and a minute later');
  await clock.advance(SAVE_EVERY_MS / 2);
  keeper.stop();
  t.equal(readLastKnownTime(dir), T + 1.5 * SAVE_EVERY_MS, 'and at stop');
  t.equal(clock.pendingTimers, 0, 'nothing left scheduled');
  t.same(readdirSync(dir), [LAST_KNOWN_TIME_FILE], 'written through a renamed temporary file: none left behind');
});

void t.test('a damaged last-known-time file is ignored, not trusted', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, LAST_KNOWN_TIME_FILE);
  writeFileSync(file, 'not a time\n');
  t.equal(readLastKnownTime(dir, silentLogger), null);
  writeFileSync(file, `${new Date(T).toISOString()}${' '.repeat(100)}\n`);
  t.equal(readLastKnownTime(dir, silentLogger), null, 'longer than any the appliance writes');
  t.end();
});

void t.test('chronyc tracking and timedatectl are read; chrony first, timedatectl when chrony is absent', async (t) => {
  t.equal(parseChronyTracking(CHRONY_SYNCED), true);
  t.equal(parseChronyTracking(CHRONY_UNSYNCED), false);
  t.equal(parseChronyTracking('506 Cannot talk to daemon\n'), null);
  t.equal(parseTimedatectl('yes\n'), true);
  t.equal(parseTimedatectl('no\n'), false);
  t.equal(parseTimedatectl(''), null);
  const fake = (answers: Record<string, string | null>): RunCommand => (file) => {
    const out = answers[file] ?? null;
    return Promise.resolve(out === null ? { ok: false, stdout: '' } : { ok: true, stdout: out });
  };
  t.same(await readClockSync(fake({ chronyc: CHRONY_UNSYNCED, timedatectl: 'yes\n' })), { synchronised: false, source: 'chrony' });
  t.same(await readClockSync(fake({ timedatectl: 'yes\n' })), { synchronised: true, source: 'timedatectl' });
  t.same(await readClockSync(fake({})), { synchronised: null, source: 'none' }, 'neither answers: unknown');
});

void t.test('health: behind the last known time at start is unsynchronised until the time service says otherwise', async (t) => {
  const base = new VirtualClock(T - 600_000);
  const clock = nonDecreasingClock(base, T);
  let answer: { synchronised: boolean | null; source: 'chrony' | 'none' } = { synchronised: null, source: 'none' };
  const status = new ClockStatus({ clock, lastKnownMs: T, behindAtStart: isBehind(base.now(), T), readSync: () => Promise.resolve(answer), logger: silentLogger });
  await status.start();
  t.teardown(() => status.stop());
  t.same(status.report(), { synchronised: false, source: 'last-known-time', lastKnownMs: T, behindAtStart: true, nowMs: T });
  answer = { synchronised: true, source: 'chrony' };
  await base.advance(CLOCK_CHECK_EVERY_MS);
  t.same(status.report(), { synchronised: true, source: 'chrony', lastKnownMs: T, behindAtStart: true, nowMs: T }, 'chrony synchronised it (a step is yet to come)');

  const fresh = new ClockStatus({ clock: new VirtualClock(T), lastKnownMs: null, behindAtStart: isBehind(T, null), readSync: () => Promise.resolve({ synchronised: null, source: 'none' }), logger: silentLogger });
  await fresh.start();
  t.teardown(() => fresh.stop());
  t.equal(fresh.report().synchronised, null, 'first start, no time service: nothing is known, nothing is marked');
});
