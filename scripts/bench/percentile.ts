// One quantile pick for every benchmark summary (latency, alert latency, the alert storm).

/** The value at quantile q (0…1) of values sorted ascending; NaN when there are none. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  return sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);
}
