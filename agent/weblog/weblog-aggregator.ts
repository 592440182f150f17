// One log source's interval aggregate (S11, S19): every parsed line counts into totals, status
// classes and codes, methods, a latency histogram, a distinct-visitor sketch and five heavy-hitter
// tables; `flush` hands out the interval's WeblogInterval and starts the next. Memory is fixed
// whatever the traffic: Space-Saving tables of WEBLOG_LIMITS.sketchCapacity keys, 4 KiB of
// HyperLogLog registers, 4 KiB of latency buckets.
//
// Batched (the agent's CPU budget, docs/benchmarks.md): a line's keys are first counted exactly
// in small per-batch maps, and `settle` (at the end of each poll's slice, and before `flush`)
// offers each distinct key once with its count to the Space-Saving tables (a weighted offer keeps
// the sketch's error bound, N / capacity), adds each distinct visitor once to the HyperLogLog (the
// same registers as one add per line), and reduces each distinct Referer to its site and User-Agent
// to its family once. A log repeats its keys heavily, so most lines cost a map increment instead
// of a heap update, a hash and a classification. A batch holds at most BATCH_KEYS keys a table.
import { WEBLOG_DIMENSIONS, WEBLOG_LIMITS, type WeblogDimension, type WeblogInterval } from '../../contract/weblog.js';
import { HyperLogLog } from '../../core/weblog/hyperloglog.js';
import { LatencyHistogram } from '../../core/weblog/latency-histogram.js';
import type { LogRecord } from '../../core/weblog/log-format.js';
import { SpaceSaving } from '../../core/weblog/space-saving.js';
import { userAgentFamily } from '../../core/weblog/user-agent-family.js';

export interface WeblogAggregatorOptions {
  source: string;
  /** keep the query string of URLs (off by default: `/a?id=1` and `/a?id=2` are one page) */
  keepQuery?: boolean;
  sketchCapacity?: number;
  topK?: number;
}

/** distinct keys a batch table holds before it is settled early (a log of unique URLs) */
export const BATCH_KEYS = 4096;

type Pending = Map<string, number>;

function bump(pending: Pending, key: string): void {
  pending.set(key, (pending.get(key) ?? 0) + 1);
}

const METHODS = new Set(['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE', 'PROPFIND']);

export class WeblogAggregator {
  private requests = 0;
  private bytes = 0;
  private classes: [number, number, number, number, number] = [0, 0, 0, 0, 0];
  private codes = new Map<number, number>();
  private methods = new Map<string, number>();
  private readonly latency = new LatencyHistogram();
  private readonly visitors = new HyperLogLog();
  private readonly tables: Record<WeblogDimension, SpaceSaving>;
  private malformed = 0;
  private cut = 0;
  private samples: string[] = [];
  private readonly topK: number;
  /** this batch's exact counts: raw Referer and User-Agent strings, reduced when settled */
  private readonly pending = { url: new Map<string, number>(), notfound: new Map<string, number>(), visitor: new Map<string, number>(), referrer: new Map<string, number>(), agent: new Map<string, number>() };

  constructor(private readonly opts: WeblogAggregatorOptions) {
    const capacity = opts.sketchCapacity ?? WEBLOG_LIMITS.sketchCapacity;
    this.topK = opts.topK ?? WEBLOG_LIMITS.topK;
    this.tables = Object.fromEntries(WEBLOG_DIMENSIONS.map((d) => [d, new SpaceSaving(capacity)])) as Record<WeblogDimension, SpaceSaving>;
  }

  add(r: LogRecord): void {
    this.requests++;
    this.bytes += r.bytes;
    const cls = Math.floor(r.status / 100) - 1;
    if (cls >= 0 && cls < 5) this.classes[cls as 0 | 1 | 2 | 3 | 4]++;
    this.codes.set(r.status, (this.codes.get(r.status) ?? 0) + 1);
    const method = METHODS.has(r.method) ? r.method : r.method === '' ? '' : 'OTHER';
    if (method) this.methods.set(method, (this.methods.get(method) ?? 0) + 1);
    if (r.durationMs === r.durationMs) this.latency.add(r.durationMs);
    const p = this.pending;
    if (r.client) bump(p.visitor, r.client);
    const url = this.opts.keepQuery ? r.url : stripQuery(r.url);
    if (url) bump(p.url, url);
    if (r.status === 404 && url) bump(p.notfound, url);
    bump(p.referrer, r.referrer);
    bump(p.agent, r.agent);
    if (p.url.size >= BATCH_KEYS || p.visitor.size >= BATCH_KEYS || p.referrer.size >= BATCH_KEYS || p.agent.size >= BATCH_KEYS) this.settle();
  }

  /** Offers the batch's counts to the sketches (see the top of this file); cheap when empty. */
  settle(): void {
    const p = this.pending;
    for (const [client, n] of p.visitor) {
      this.visitors.add(client);
      this.tables.visitor.offer(client, n);
    }
    for (const [url, n] of p.url) this.tables.url.offer(url, n);
    for (const [url, n] of p.notfound) this.tables.notfound.offer(url, n);
    for (const [referrer, n] of p.referrer) this.tables.referrer.offer(referrerSite(referrer), n);
    for (const [agent, n] of p.agent) this.tables.agent.offer(userAgentFamily(agent), n);
    p.visitor.clear();
    p.url.clear();
    p.notfound.clear();
    p.referrer.clear();
    p.agent.clear();
  }

  /** a line that did not match the format: counted, the first few kept (cut) for the UI */
  addMalformed(line: string): void {
    this.malformed++;
    if (this.samples.length < WEBLOG_LIMITS.samples) this.samples.push(line.slice(0, WEBLOG_LIMITS.sampleChars));
  }

  /** a line longer than WEBLOG_LIMITS.maxLineBytes (its start was parsed, or counted as malformed) */
  addCut(): void {
    this.cut++;
  }

  /** The interval [t, t + i) as sent, then a fresh one. */
  flush(t: number, i: number, problem: string | null = null): WeblogInterval {
    this.settle();
    const hasLatency = this.latency.count > 0;
    const out: WeblogInterval = {
      source: this.opts.source,
      t,
      i,
      requests: this.requests,
      bytes: this.bytes,
      classes: this.classes,
      codes: bounded(this.codes, (code) => String(code)),
      methods: bounded(this.methods, (m) => m),
      latency: hasLatency ? { p50: this.latency.quantile(0.5), p95: this.latency.quantile(0.95), p99: this.latency.quantile(0.99), max: Math.round(this.latency.max * 100) / 100 } : null,
      visitors: this.visitors.estimate(),
      top: Object.fromEntries(WEBLOG_DIMENSIONS.map((d) => [d, this.tables[d].top(this.topK).map((h) => ({ key: h.key.slice(0, WEBLOG_LIMITS.keyChars), count: h.count, error: h.error }))])) as WeblogInterval['top'],
      malformed: this.malformed,
      cut: this.cut,
      samples: this.samples,
      problem,
    };
    this.requests = 0;
    this.bytes = 0;
    this.classes = [0, 0, 0, 0, 0];
    this.codes = new Map();
    this.methods = new Map();
    this.latency.clear();
    this.visitors.clear();
    for (const d of WEBLOG_DIMENSIONS) this.tables[d].clear();
    this.malformed = 0;
    this.cut = 0;
    this.samples = [];
    return out;
  }
}

/** the most frequent WEBLOG_LIMITS.codes entries of a counter */
function bounded<K>(counts: Map<K, number>, name: (k: K) => string): Record<string, number> {
  const entries = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, WEBLOG_LIMITS.codes);
  return Object.fromEntries(entries.map(([k, n]) => [name(k), n]));
}

export function stripQuery(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** a Referer reduced to its site ("https://www.google.com/search?q=x" → "www.google.com"); '' → "(direct)" */
export function referrerSite(referrer: string): string {
  if (referrer === '') return '(direct)';
  const scheme = referrer.indexOf('://');
  if (scheme < 0) return referrer.slice(0, WEBLOG_LIMITS.keyChars);
  const start = scheme + 3;
  let end = referrer.length;
  for (let i = start; i < referrer.length; i++) {
    const c = referrer.charCodeAt(i);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) {
      end = i;
      break;
    }
  }
  return referrer.slice(start, end).toLowerCase();
}
