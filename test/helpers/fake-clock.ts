// A virtual Clock for tests of timing (STYLE.md 8): time moves only when the test advances it,
// and timers run in due order with pending promise callbacks settled after each one.
import type { Clock } from '../../core/clock.js';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, Timer>();
  /** Fires every timer this many ms before it is due, as real timers occasionally do. */
  readonly #fireEarlyMs: number;
  /** Every delay passed to setTimeout, in order. */
  readonly delays: number[] = [];

  constructor(startMs: number, options: { fireEarlyMs?: number } = {}) {
    this.#now = startMs;
    this.#fireEarlyMs = options.fireEarlyMs ?? 0;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): { id: number; unref: () => void } {
    const id = this.#nextId++;
    this.delays.push(ms);
    // early, as real timers can be, but never before a millisecond has passed
    const delay = ms > 0 ? Math.max(1, ms - this.#fireEarlyMs) : 0;
    this.#timers.set(id, { id, at: this.#now + delay, fn });
    return { id, unref: () => undefined };
  }

  clearTimeout(handle: unknown): void {
    if (handle && typeof handle === 'object' && 'id' in handle) this.#timers.delete((handle as { id: number }).id);
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, running each timer that falls due at its own instant. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const due = [...this.#timers.values()]
        .filter((timer) => timer.at <= target)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.#timers.delete(due.id);
      this.#now = Math.max(this.#now, due.at);
      due.fn();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}

/** Lets promise chains started by a timer run to their next real wait. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
