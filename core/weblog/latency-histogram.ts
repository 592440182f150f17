// Response-time percentiles in fixed memory (S11): a histogram of logarithmic buckets, each 2 %
// wider than the last, so a percentile read from a bucket's middle is within 1 % of the true
// value (the idea of DDSketch, Masson et al. 2019). Times from 0.01 ms to 10^7 ms (2.8 hours);
// shorter ones count in the first bucket, longer ones in the last. 1,047 buckets of 4 bytes.

const GAMMA = 1.02;
const MIN_MS = 0.01;
const MAX_MS = 1e7;
const LOG_GAMMA = Math.log(GAMMA);
const BUCKETS = Math.ceil(Math.log(MAX_MS / MIN_MS) / LOG_GAMMA) + 1;

/** the largest relative error of a reported percentile (within the histogram's range) */
export const LATENCY_RELATIVE_ERROR = (GAMMA - 1) / (GAMMA + 1);

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  count = 0;
  max = 0;

  add(ms: number): void {
    const i = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LOG_GAMMA));
    this.counts[i]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** the q-quantile (0 < q ≤ 1) in ms, rounded to 0.01 ms; NaN when empty */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) {
        if (i === 0) return MIN_MS;
        // the bucket (MIN·γ^(i-1), MIN·γ^i]: its middle in relative terms
        const value = (2 * MIN_MS * GAMMA ** i) / (GAMMA + 1);
        return Math.round(Math.min(value, this.max) * 100) / 100;
      }
    }
    return Math.round(this.max * 100) / 100;
  }

  clear(): void {
    this.counts.fill(0);
    this.count = 0;
    this.max = 0;
  }
}
