// A virtual Clock for the modem tests (STYLE.md 8): time moves only when a test advances it; each
// timer runs at its own instant, and after each one the stream and promise callbacks it started
// (duplexPair delivery, the model's reply, the session's resolution) run to completion.
import type { Clock } from '../../../../../core/clock.js';

interface Timer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

export class VirtualClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, Timer>();

  constructor(startMs = Date.UTC(2025, 5, 1, 12, 0, 0)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): { id: number; unref: () => void } {
    const id = this.#nextId++;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms), fn });
    return { id, unref: () => undefined };
  }

  clearTimeout(handle: unknown): void {
    if (handle && typeof handle === 'object' && 'id' in handle) this.#timers.delete((handle as { id: number }).id);
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, running every timer that falls due, in order. */
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
