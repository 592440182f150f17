// The deadline of each check run in progress (S5), kept with one timer for all of them: armed for
// the earliest deadline, cleared when no run is in progress. A timer per run (set when it starts,
// cleared when it ends) cost two timer operations per check run, where nearly every run ends long
// before its deadline; here a round of a hundred checks costs one of each.
//
// Callbacks, not a promise per run: the scheduler settles each run once, by its outcome or by its
// deadline, and a promise wrapped around every run (with its handlers and closures) was a third
// of what the scheduler allocated per run in the interpreter-only agent (garbage that a round of
// checks then promotes to the old generation; docs/benchmarks.md).
import type { Clock } from '../../core/clock.js';

/** One run's deadline, as `add` returns it: handed back to `release` when the run ends in time. */
export interface Deadline {
  readonly atMs: number;
  readonly giveUp: () => void;
}

export class RunDeadlines {
  private readonly watched = new Set<Deadline>();
  private timer: unknown = null;
  private timerAtMs = Number.POSITIVE_INFINITY;

  constructor(private readonly clock: Clock) {}

  /** In progress (tests). */
  get size(): number {
    return this.watched.size;
  }

  /** Calls `giveUp` once `afterMs` have passed, unless the deadline is released first. */
  add(afterMs: number, giveUp: () => void): Deadline {
    const d: Deadline = { atMs: this.clock.now() + afterMs, giveUp };
    this.watched.add(d);
    this.arm(d.atMs);
    return d;
  }

  /** The run ended in time (or was given up): its deadline goes, and the timer with the last one. */
  release(d: Deadline): void {
    if (!this.watched.delete(d)) return;
    if (this.watched.size === 0) this.disarm();
  }

  /** Stops watching: runs still in progress are left to settle by themselves. */
  close(): void {
    this.watched.clear();
    this.disarm();
  }

  private arm(atMs: number): void {
    if (atMs >= this.timerAtMs) return;
    this.disarm();
    this.timerAtMs = atMs;
    this.timer = this.clock.setTimeout(() => this.fire(), Math.max(0, atMs - this.clock.now()));
  }

  private disarm(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.timerAtMs = Number.POSITIVE_INFINITY;
  }

  private fire(): void {
    this.timer = null;
    this.timerAtMs = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const d of this.watched) {
      if (d.atMs <= now) {
        this.watched.delete(d);
        d.giveUp();
      } else if (d.atMs < next) {
        next = d.atMs;
      }
    }
    // a timer may fire a moment early: the run it was for waits for the next
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
  }
}
