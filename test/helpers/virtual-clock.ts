// The one virtual Clock of the tests (docs/conventions.md 8): time moves only when a test advances
// it; each timer runs at its own instant, and after each one the stream and promise callbacks it
// started (duplexPair delivery, a modem model's reply, a session's resolution) run to completion.
import type { Clock } from '../../core/clock.js';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

export class VirtualClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, Timer>();
  /** Fires every timer this many ms before it is due, as real timers occasionally do. */
  readonly #fireEarlyMs: number;
  /** Every delay passed to setTimeout, in order. */
  readonly delays: number[] = [];

  constructor(startMs = Date.UTC(2025, 5, 1, 12, 0, 0), options: { fireEarlyMs?: number } = {}) {
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

  /** Moves time forward by `ms`, running every timer that falls due, in order, each at its own instant. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (;;) {
      const due = [...this.#timers.values()].filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.#timers.delete(due.id);
      this.#now = Math.max(this.#now, due.at);
      due.fn();
      await settle();
    }
    this.#now = target;
    await settle();
  }

  /** Advances in steps until `done()` holds or `maxMs` of virtual time passed; returns the virtual time taken. */
  async until(done: () => boolean, maxMs: number, stepMs = 10): Promise<number> {
    const start = this.#now;
    while (!done() && this.#now - start < maxMs) await this.advance(stepMs);
    return this.#now - start;
  }
}

/** Lets stream deliveries and promise chains run to their next wait on a timer. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 8; i++) await new Promise((resolve) => setImmediate(resolve));
}
