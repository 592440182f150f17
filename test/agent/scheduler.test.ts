// The sampling scheduler, on virtual time: slots aligned to the interval, no drift, no overlap.
import t from 'tap';
import { silentLogger, type Logger } from '../../core/logger.js';
import { createScheduler, nextSlotS } from '../../agent/scheduler.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

const START_MS = 1_700_000_002_300; // 2.3 s past a multiple of 5 s

function recordingLog(): { log: Logger; warnings: { msg: string; fields?: Record<string, unknown> }[] } {
  const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
  const log: Logger = { ...silentLogger, warn: (msg, fields) => { warnings.push({ msg, fields }); }, child: () => log };
  return { log, warnings };
}

void t.test('nextSlotS is the first multiple of the interval strictly after now', (t) => {
  t.equal(nextSlotS(1_700_000_002_300, 5), 1_700_000_005);
  t.equal(nextSlotS(1_700_000_005_000, 5), 1_700_000_010, 'exactly on a slot: the next one');
  t.equal(nextSlotS(1_700_000_005_999, 1), 1_700_000_006);
  t.equal(nextSlotS(1_700_000_002_300, 60), 1_700_000_040);
  t.end();
});

void t.test('ticks land on multiples of the interval and do not drift', async (t) => {
  const clock = new VirtualClock(START_MS);
  const ticks: { t: number; atMs: number }[] = [];
  const scheduler = createScheduler({
    clock, intervalS: 5, log: silentLogger,
    tick: (slot) => { ticks.push({ t: slot, atMs: clock.now() }); return Promise.resolve(); },
  });
  t.teardown(() => scheduler.stop());
  scheduler.start();
  await clock.advance(2699);
  t.equal(ticks.length, 0, 'nothing before the first slot');
  await clock.advance(1);
  t.same(ticks, [{ t: 1_700_000_005, atMs: 1_700_000_005_000 }], 'first tick exactly at the first slot');
  await clock.advance(3600_000);
  t.equal(ticks.length, 1 + 720, 'one tick per interval over an hour');
  t.ok(ticks.every((tick, n) => tick.t === 1_700_000_005 + 5 * n && tick.atMs === tick.t * 1000), 'every tick on its slot');
});

void t.test('a slow tick is never overlapped: the slots it overran are skipped and reported', async (t) => {
  const clock = new VirtualClock(START_MS);
  const { log, warnings } = recordingLog();
  const started: number[] = [];
  let running = 0;
  let maxRunning = 0;
  const scheduler = createScheduler({
    clock, intervalS: 5, log,
    tick: async (slot) => {
      started.push(slot);
      running++;
      maxRunning = Math.max(maxRunning, running);
      // the second tick takes 12 s, as a statfs on a struggling NFS server might
      if (started.length === 2) await new Promise<void>((resolve) => clock.setTimeout(resolve, 12_000));
      running--;
    },
  });
  t.teardown(() => scheduler.stop());
  scheduler.start();
  await clock.advance(40_000);
  t.equal(maxRunning, 1, 'never two ticks at once');
  t.same(started.slice(0, 4), [1_700_000_005, 1_700_000_010, 1_700_000_025, 1_700_000_030],
    'after the slow tick (10 → 22 s) the next one is the next free slot, not a burst of missed ones');
  t.equal(warnings.length, 1);
  t.match(warnings[0]?.fields, { t: 1_700_000_010, skipped: 2, tookMs: 12_000 });
});

void t.test('a timer that fires early does not stamp a slot that has not begun', async (t) => {
  const clock = new VirtualClock(START_MS, { fireEarlyMs: 1 });
  const ticks: { t: number; atMs: number }[] = [];
  const scheduler = createScheduler({
    clock, intervalS: 5, log: silentLogger,
    tick: (slot) => { ticks.push({ t: slot, atMs: clock.now() }); return Promise.resolve(); },
  });
  t.teardown(() => scheduler.stop());
  scheduler.start();
  await clock.advance(2700 + 5000);
  t.same(ticks.map((tick) => tick.t), [1_700_000_005, 1_700_000_010]);
  t.ok(ticks.every((tick) => tick.atMs >= tick.t * 1000), 'each tick ran at or after its slot');
});

void t.test('a failing tick is logged and the schedule goes on', async (t) => {
  const clock = new VirtualClock(START_MS);
  const errors: unknown[] = [];
  const log: Logger = { ...silentLogger, error: (_msg, fields) => { errors.push(fields?.error); }, child: () => log };
  let calls = 0;
  const scheduler = createScheduler({
    clock, intervalS: 1, log,
    tick: () => { calls++; return calls === 1 ? Promise.reject(new Error('boom')) : Promise.resolve(); },
  });
  t.teardown(() => scheduler.stop());
  scheduler.start();
  await clock.advance(3000);
  t.equal(calls, 3);
  t.match(errors, [{ message: 'boom' }]);
});

void t.test('stop() waits for the running tick and cancels the next one', async (t) => {
  const clock = new VirtualClock(START_MS);
  let finished = 0;
  let calls = 0;
  const scheduler = createScheduler({
    clock, intervalS: 5, log: silentLogger,
    tick: async () => {
      calls++;
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 1000));
      finished++;
    },
  });
  scheduler.start();
  await clock.advance(2700);
  t.equal(calls, 1, 'the first tick is running');
  let stopped = false;
  const stopping = scheduler.stop().then(() => { stopped = true; });
  await clock.advance(0);
  t.notOk(stopped, 'stop() waits while the tick runs');
  await clock.advance(1000);
  await stopping;
  t.equal(finished, 1);
  t.equal(clock.pendingTimers, 0, 'no timer is left behind');
  await clock.advance(60_000);
  t.equal(calls, 1, 'no tick after stop()');
});
