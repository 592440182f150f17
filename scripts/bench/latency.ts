// Publish → delivery latency: the load generator reports when it wrote each metrics batch, a
// subscriber (the appliance's SSE stream, or an MQTT subscriber on a baseline broker) reports when
// the batch came out, and the two are matched by agent and timestamp. Only batches published
// inside the measured window count. Every agent's batches come out in the order they went in
// (one client's publishes are handled in turn), so each agent needs only a short queue.
import { performance } from 'node:perf_hooks';
import { percentile } from './percentile.js';

/** sent-but-not-yet-delivered batches remembered per agent; older ones count as never delivered */
const MAX_PENDING_PER_AGENT = 256;

interface Pending {
  t: number;
  atMs: number;
  inWindow: boolean;
}

export interface LatencySummary {
  /** batches published inside the window */
  sent: number;
  /** of those, delivered to the subscriber */
  delivered: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  meanMs: number | null;
}

export class LatencyTracker {
  private readonly pending: Pending[][];
  private readonly latencies: number[] = [];
  private windowFrom = Infinity;
  private windowTo = Infinity;
  private sentInWindow = 0;
  /** deliveries that matched nothing (a duplicate, or a batch sent before tracking began) */
  unmatched = 0;

  constructor(agents: number) {
    this.pending = Array.from({ length: agents }, () => []);
  }

  /** Batches sent from now on (performance.now()) until `closeWindow` are measured. */
  openWindow(): void {
    this.windowFrom = performance.now();
    this.windowTo = Infinity;
  }

  closeWindow(): void {
    this.windowTo = performance.now();
  }

  onSent(agentIndex: number, t: number, atMs: number): void {
    const q = this.pending[agentIndex];
    if (!q) return;
    const inWindow = atMs >= this.windowFrom && atMs < this.windowTo;
    if (inWindow) this.sentInWindow++;
    q.push({ t, atMs, inWindow });
    if (q.length > MAX_PENDING_PER_AGENT) q.shift();
  }

  onDelivered(agentIndex: number, t: number, atMs: number): void {
    const q = this.pending[agentIndex];
    if (!q) return;
    // entries older than t were never delivered (a dropped message): skip them
    let i = 0;
    while (i < q.length && (q[i]?.t ?? Infinity) < t) i++;
    const hit = q[i];
    if (!hit || hit.t !== t) {
      this.unmatched++;
      return;
    }
    q.splice(0, i + 1);
    if (hit.inWindow) this.latencies.push(atMs - hit.atMs);
  }

  /** deliveries matched so far (cheap, unlike summary()) */
  get delivered(): number {
    return this.latencies.length;
  }

  summary(): LatencySummary {
    const sorted = Float64Array.from(this.latencies).sort();
    const pick = (q: number): number | null => (sorted.length === 0 ? null : percentile(sorted, q));
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      sent: this.sentInWindow,
      delivered: sorted.length,
      p50Ms: pick(0.5),
      p99Ms: pick(0.99),
      maxMs: sorted.length ? (sorted[sorted.length - 1] ?? null) : null,
      meanMs: sorted.length ? sum / sorted.length : null,
    };
  }
}
