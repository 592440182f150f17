// Time passed in (docs/conventions.md 8): production uses the system clock, tests a virtual one.

export interface Clock {
  /** milliseconds since the epoch */
  now(): number;
  setTimeout(fn: () => void, ms: number): { unref?: () => unknown };
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export function nowSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

/**
 * A clock whose now() never goes below `floorMs` nor below anything it returned before (D1):
 * a board without a real-time clock can boot with its clock behind the last time the appliance
 * knew, and an NTP step can move it back; the times it gives events (alerts, their history) must
 * not go backwards. While the system clock is behind, time stands still at the last value until
 * the system clock passes it. Timers are the base clock's (they measure intervals, not dates).
 */
export function nonDecreasingClock(base: Clock, floorMs: number): Clock {
  let last = floorMs;
  return {
    now: () => {
      const t = base.now();
      if (t > last) last = t;
      return last;
    },
    setTimeout: (fn, ms) => base.setTimeout(fn, ms),
    clearTimeout: (h) => base.clearTimeout(h),
  };
}

/** Runs `fn` now and then every `everyMs` on the clock until `stop()`. */
export function repeatEvery(clock: Clock, everyMs: number, fn: () => void): { stop(): void } {
  let timer: unknown = null;
  let stopped = false;
  const tick = (): void => {
    fn();
    if (!stopped) timer = clock.setTimeout(tick, everyMs);
  };
  tick();
  return {
    stop: () => {
      stopped = true;
      clock.clearTimeout(timer);
    },
  };
}
