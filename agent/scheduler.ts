// Sampling scheduler: runs one tick per interval at wall-clock instants that are multiples of the
// interval (t % interval === 0, in unix seconds), which are also the RRD step boundaries on the
// appliance.
//
// Each tick is planned from the clock after the previous one finished, never from a repeating
// timer, so ticks neither drift (timer lateness does not accumulate) nor overlap (a slow tick
// makes the scheduler skip the slots it overran instead of queueing them up behind it).
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';

export interface SchedulerDeps {
  clock: Clock;
  intervalS: number;
  /** One sampling round for instant `t` (unix seconds); awaited before the next is planned. */
  tick: (t: number) => Promise<void>;
  log: Logger;
}

export interface Scheduler {
  start(): void;
  /** Cancels the next tick and waits for a running one to finish. */
  stop(): Promise<void>;
}

/** The first slot (unix seconds, a multiple of `intervalS`) strictly after `nowMs`. */
export function nextSlotS(nowMs: number, intervalS: number): number {
  return (Math.floor(nowMs / (intervalS * 1000)) + 1) * intervalS;
}

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const { clock, intervalS, log } = deps;
  let timer: unknown = null;
  let running: Promise<void> | null = null;
  let stopped = true;

  const plan = (slotS: number): void => {
    if (stopped) return;
    timer = clock.setTimeout(() => fire(slotS), Math.max(0, slotS * 1000 - clock.now()));
  };

  const fire = (slotS: number): void => {
    timer = null;
    if (stopped) return;
    // A timer may fire a millisecond early; sampling then would stamp a slot that has not begun.
    if (clock.now() < slotS * 1000) {
      plan(slotS);
      return;
    }
    const startedMs = clock.now();
    running = deps.tick(slotS)
      .catch((error: unknown) => { log.error('sampling tick failed', { t: slotS, error }); })
      .finally(() => {
        running = null;
        const next = nextSlotS(clock.now(), intervalS);
        const skipped = (next - slotS) / intervalS - 1;
        if (skipped > 0) {
          log.warn('sampling took longer than the interval; slots skipped', {
            t: slotS, tookMs: clock.now() - startedMs, intervalS, skipped,
          });
        }
        plan(next);
      });
  };

  return {
    start(): void {
      if (!stopped) return;
      stopped = false;
      plan(nextSlotS(clock.now(), intervalS));
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}
