// Turns successive readings of monotonically increasing kernel counters (CPU jiffies, interface
// bytes/packets) into deltas. Pure: no I/O, time is passed in.
//
// A counter that went backwards has wrapped or been reset (driver reload, interface re-created,
// 32-bit counters on a 32-bit kernel); the true delta is unknowable, so that point is skipped and
// the new reading becomes the baseline. The first reading of a series yields nothing either:
// a rate needs two readings.

export interface CounterDelta<F extends string> {
  /** Milliseconds between the two readings (> 0). */
  elapsedMs: number;
  /** Current minus previous value of each counter (all >= 0). */
  deltas: Record<F, number>;
}

interface Reading<F extends string> {
  atMs: number;
  values: Record<F, number>;
}

export class RateTracker<F extends string> {
  readonly #previous = new Map<string, Reading<F>>();

  /**
   * Records `values` for series `key` read at `atMs` and returns the deltas since the previous
   * reading, or null when there is none, when time did not advance, or when any counter went
   * backwards.
   */
  update(key: string, atMs: number, values: Record<F, number>): CounterDelta<F> | null {
    const previous = this.#previous.get(key);
    this.#previous.set(key, { atMs, values });
    if (!previous) return null;
    const elapsedMs = atMs - previous.atMs;
    if (!(elapsedMs > 0)) return null;
    const deltas = {} as Record<F, number>;
    for (const field of Object.keys(values) as F[]) {
      const delta = values[field] - previous.values[field];
      if (!(delta >= 0)) return null; // also rejects NaN from a field missing in one reading
      deltas[field] = delta;
    }
    return { elapsedMs, deltas };
  }

  /** Forgets every series not in `present`, so a vanished interface does not leak a baseline. */
  retainOnly(present: ReadonlySet<string>): void {
    for (const key of this.#previous.keys()) {
      if (!present.has(key)) this.#previous.delete(key);
    }
  }

  get size(): number {
    return this.#previous.size;
  }
}

/** Deltas divided by the elapsed time: counters per second. */
export function perSecond<F extends string>(delta: CounterDelta<F>): Record<F, number> {
  const seconds = delta.elapsedMs / 1000;
  const rates = {} as Record<F, number>;
  for (const field of Object.keys(delta.deltas) as F[]) rates[field] = delta.deltas[field] / seconds;
  return rates;
}
