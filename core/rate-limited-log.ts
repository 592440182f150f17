// At most one log line per interval for one kind of event that can come in floods (refused
// connections, oversize packets): the first is written, the rest until the interval is over are
// only counted by the caller. Time is passed in (docs/conventions.md 8).

export class RateLimitedLog {
  private lastMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly intervalMs: number, private readonly now: () => number = Date.now) {}

  /** Runs `write` unless it ran less than the interval ago. */
  maybe(write: () => void): void {
    const now = this.now();
    if (now - this.lastMs < this.intervalMs) return;
    this.lastMs = now;
    write();
  }
}
