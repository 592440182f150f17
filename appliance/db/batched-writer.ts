// The rhythm of a batched SQLite writer (visitor history S15, process history S18): what it
// gathers in memory is written every few seconds in one transaction, never per message, once
// more when the appliance stops, and old rows are pruned at a slower period. The timer is
// unref'd: it never keeps the process alive.
import type { Clock } from '../../core/clock.js';

export abstract class BatchedWriter {
  private timer: unknown = null;
  private lastPruneMs = -Infinity;

  constructor(private readonly timerClock: Clock, private readonly flushIntervalMs: number, private readonly pruneEveryMs: number) {}

  /** Writes what is waiting (and prunes when due); called by the timer, by reads and at stop. */
  abstract flush(): void;

  start(): void {
    this.schedule();
  }

  /** Writes what is waiting; nothing is written after this. */
  stop(): void {
    if (this.timer !== null) this.timerClock.clearTimeout(this.timer);
    this.timer = null;
    this.flush();
  }

  /** True at most once per prune period (the first call is due). */
  protected pruneDue(): boolean {
    const now = this.timerClock.now();
    if (now - this.lastPruneMs < this.pruneEveryMs) return false;
    this.lastPruneMs = now;
    return true;
  }

  private schedule(): void {
    const t = this.timerClock.setTimeout(() => {
      this.timer = null;
      this.flush();
      this.schedule();
    }, this.flushIntervalMs);
    t.unref?.();
    this.timer = t;
  }
}
