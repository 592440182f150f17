// The deadline of each check run in progress (S5), kept with one timer for all of them: armed for
// the earliest deadline, cleared when no run is in progress. A timer per run (set when it starts,
// cleared when it ends) cost two timer operations per check run, where nearly every run ends long
// before its deadline; here a round of a hundred checks costs one of each.
import type { Clock } from '../../core/clock.js';

interface Watched {
  atMs: number;
  giveUp: () => void;
}

export class RunDeadlines {
  private readonly watched = new Set<Watched>();
  private timer: unknown = null;
  private timerAtMs = Number.POSITIVE_INFINITY;

  constructor(private readonly clock: Clock) {}

  /** In progress (tests). */
  get size(): number {
    return this.watched.size;
  }

  /** What `work` settles to, or `overdue()` if it has not settled within `afterMs` (it is then left to itself). */
  watch<T>(work: Promise<T>, afterMs: number, overdue: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const w: Watched = { atMs: this.clock.now() + afterMs, giveUp: () => resolve(overdue()) };
      this.watched.add(w);
      this.arm(w.atMs);
      const done = (): void => {
        this.watched.delete(w);
        if (this.watched.size === 0) this.disarm();
      };
      work.then((value) => {
        done();
        resolve(value);
      }, (error: unknown) => {
        done();
        reject(error instanceof Error ? error : new Error(String(error)));
      });
    });
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
    for (const w of this.watched) {
      if (w.atMs <= now) {
        this.watched.delete(w);
        w.giveUp();
      } else if (w.atMs < next) {
        next = w.atMs;
      }
    }
    // a timer may fire a moment early: the run it was for waits for the next
    if (next !== Number.POSITIVE_INFINITY) this.arm(next);
  }
}
