// Optional downsampling before the queue (S19): one average per series every `stepS` seconds,
// so that a WAN link and the central engine carry a fraction of the samples. A bucket is sent
// when the series' first sample of a later bucket arrives, stamped at the bucket's start.
import type { QueuedBatch, QueuedSample } from './queued-batch.js';

interface Bucket {
  start: number;
  sums: Map<string, { sum: number; n: number }>;
}

export class Downsampler {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly stepS: number) {}

  /** The averages of buckets this batch of agent `agentId` closed (same origin), or null when none closed. */
  add(agentId: string, batch: QueuedBatch): QueuedBatch | null {
    const out: QueuedSample[] = [];
    for (const s of batch.s) {
      const id = `${agentId}\u0000${s.f}\u0000${s.k ?? ''}`;
      const start = s.t - (s.t % this.stepS);
      let b = this.buckets.get(id);
      if (b && start > b.start) {
        out.push({ t: b.start, f: s.f, ...(s.k !== undefined ? { k: s.k } : {}), v: Object.fromEntries([...b.sums].map(([f, a]) => [f, a.sum / a.n])) });
        b = undefined;
      }
      if (!b) {
        b = { start, sums: new Map() };
        this.buckets.set(id, b);
      }
      // a sample older than the open bucket (an agent's backfill) is left out: it would go back in time
      if (start < b.start) continue;
      for (const [f, v] of Object.entries(s.v)) {
        if (v === null) continue;
        const a = b.sums.get(f) ?? { sum: 0, n: 0 };
        a.sum += v;
        a.n++;
        b.sums.set(f, a);
      }
    }
    return out.length > 0 ? { o: batch.o, s: out } : null;
  }
}
