// One log source's interval aggregate (S11, S19): every parsed line counts into totals, status
// classes and codes, methods, a latency histogram, a distinct-visitor sketch and five heavy-hitter
// tables; `flush` hands out the interval's WeblogInterval and starts the next. Memory is fixed
// whatever the traffic: Space-Saving tables of WEBLOG_LIMITS.sketchCapacity keys, 4 KiB of
// HyperLogLog registers (and 16 KiB to hash a batch's visitors in), 4 KiB of latency buckets.
//
// Batched (the agent's CPU budget, docs/benchmarks.md): a line's keys are first counted exactly
// in small per-batch maps, and `settle` (when a table is full, and before `flush`)
// merges each distinct key once with its count into the Space-Saving tables (SpaceSaving.merge,
// which keeps the sketch's error bound, N / capacity), adds each distinct visitor once to the HyperLogLog (the
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

/**
 * One table of a batch: each distinct key once, in the order first seen, with its count. A line
 * whose key is already in the batch (nearly every line) costs one Map lookup and an increment.
 */
class BatchCounts {
  /**
   * key → its place in `counts`, keys in the order first seen (a Map keeps it, so no array of the
   * keys besides: one less push a new key, and less for young collections to promote while the
   * batch lasts). Read by WeblogAggregator.add itself: a key already in the batch costs no call
   */
  index = new Map<string, number>();
  readonly counts = new Int32Array(BATCH_KEYS + 1);

  /** Counts `key`; true when the batch is full (BATCH_KEYS keys) and must be settled. */
  add(key: string): boolean {
    const i = this.index.get(key);
    if (i !== undefined) {
      this.counts[i]!++;
      return false;
    }
    return this.insert(key);
  }

  /** `key`, not in the batch yet, counted once; true when the batch is now full. */
  insert(key: string): boolean {
    const n = this.index.size;
    this.index.set(detached(key), n);
    this.counts[n] = 1;
    return n + 1 >= BATCH_KEYS;
  }

  /** the batch's keys, in the order first seen (their counts at the same places in `counts`) */
  keys(): string[] {
    return [...this.index.keys()];
  }

  clear(): void {
    // a new Map, not clear(): V8 gives a cleared Map's table, and each table it grows into, the
    // generation the old one was in, so a batch's index kept from the start would grow in the old
    // generation, ~100 KB a slice for the mark-compact to find (docs/benchmarks.md)
    this.index = new Map();
  }
}

/**
 * A copy of `key` that holds no reference to the text it was cut from. V8 cuts a substring of 13
 * characters or more as a view of the whole string, so a key kept in a batch or a sketch would keep
 * its run of lines (up to 16 KiB, LogFollower's onText) alive: through young collections into the
 * old generation, the agent's RSS peak and a mark-compact every few seconds (docs/benchmarks.md).
 * Concatenating makes V8 copy the characters (a flat string of length + 1) when it is sliced again.
 */
function detached(key: string): string {
  return key.length < 13 ? key : (' ' + key).slice(1);
}

const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE', 'PROPFIND'] as const;
const OTHER_METHOD = METHODS.length;
const METHOD_INDEX = new Map<string, number>(METHODS.map((m, i) => [m, i]));
const METHOD_NAMES: readonly string[] = [...METHODS, 'OTHER'];

/** status codes counted in an array (the parsers accept 100–999); others in a Map */
const LOWEST_STATUS = 100;
const HIGHEST_STATUS = 999;
/** the unit of the bytes' high part (WeblogAggregator.bytesHigh) */
const BYTES_UNIT = 2 ** 30;

export class WeblogAggregator {
  private requests = 0;
  /**
   * the bytes summed in two parts that each stay a small integer (a Smi): a sum past 2^31, reached
   * within a busy interval, is a heap number, and in the agent's interpreter each line's `+=`
   * would then allocate two (the load and the sum), young garbage at 10,000 lines/s
   */
  private bytesLow = 0;
  /** in units of BYTES_UNIT */
  private bytesHigh = 0;
  /**
   * per status code 100–999, and the codes in the order first seen (a tie keeps that order, as a
   * Map would). Counts in Uint32Arrays, not Float64Arrays: the interpreter reads a Float64Array's
   * element into a new heap number each time; an interval (300 s at most) holds far fewer than
   * 2^32 lines
   */
  private readonly statusCounts = new Uint32Array(HIGHEST_STATUS + 1);
  private statusSeen: number[] = [];
  /** codes outside 100–999 (a caller's record; the parsers refuse them) */
  private otherCodes = new Map<number, number>();
  private readonly methodCounts = new Uint32Array(METHOD_NAMES.length);
  private methodSeen: number[] = [];
  private readonly latency = new LatencyHistogram();
  private readonly visitors = new HyperLogLog();
  private readonly tables: Record<WeblogDimension, SpaceSaving>;
  private malformed = 0;
  private cut = 0;
  private samples: string[] = [];
  private readonly topK: number;
  private readonly keepQuery: boolean;
  /** this batch's exact counts: raw Referer and User-Agent strings, reduced when settled */
  private readonly pending = { url: new BatchCounts(), notfound: new BatchCounts(), visitor: new BatchCounts(), referrer: new BatchCounts(), agent: new BatchCounts() };

  private readonly addVisitors = (clients: readonly string[], n: number): void => this.visitors.addMany(clients, n);

  constructor(private readonly opts: WeblogAggregatorOptions) {
    const capacity = opts.sketchCapacity ?? WEBLOG_LIMITS.sketchCapacity;
    this.topK = opts.topK ?? WEBLOG_LIMITS.topK;
    this.keepQuery = opts.keepQuery === true;
    this.tables = Object.fromEntries(WEBLOG_DIMENSIONS.map((d) => [d, new SpaceSaving(capacity)])) as Record<WeblogDimension, SpaceSaving>;
  }

  add(r: LogRecord): void {
    this.requests++;
    let bytes = this.bytesLow + r.bytes;
    if (bytes >= BYTES_UNIT) {
      const carry = Math.floor(bytes / BYTES_UNIT);
      this.bytesHigh += carry;
      bytes -= carry * BYTES_UNIT;
    }
    this.bytesLow = bytes;
    const status = r.status;
    if (status >= LOWEST_STATUS && status <= HIGHEST_STATUS) {
      // classes are summed from the codes when flushed
      const n = this.statusCounts[status]!;
      if (n === 0) this.statusSeen.push(status);
      this.statusCounts[status] = n + 1;
    } else {
      this.otherCodes.set(status, (this.otherCodes.get(status) ?? 0) + 1);
    }
    const method = r.method;
    if (method !== '') {
      // nearly every request is a GET: one comparison instead of a Map lookup
      const m = method === 'GET' ? 0 : METHOD_INDEX.get(method) ?? OTHER_METHOD;
      const n = this.methodCounts[m]!;
      if (n === 0) this.methodSeen.push(m);
      this.methodCounts[m] = n + 1;
    }
    // read once: a record's duration is a double, read into a new heap number each time
    const durationMs = r.durationMs;
    if (durationMs === durationMs) this.latency.add(durationMs);
    // the per-line path runs in V8's interpreter (the agent's --no-opt): no call it can do without
    // (each costs about as much as a Map lookup there; docs/benchmarks.md)
    // (a key already in its batch, nearly every line's: one Map lookup and an increment, inline)
    const { visitor, url: urls, notfound, referrer, agent } = this.pending;
    let full = false;
    let at: number | undefined;
    const client = r.client;
    if (client !== '') {
      if ((at = visitor.index.get(client)) !== undefined) visitor.counts[at]!++;
      else if (visitor.insert(client)) full = true;
    }
    let url = r.url;
    if (!this.keepQuery) {
      const q = url.indexOf('?');
      if (q >= 0) url = url.slice(0, q);
    }
    if (url !== '') {
      if ((at = urls.index.get(url)) !== undefined) urls.counts[at]!++;
      else if (urls.insert(url)) full = true;
      if (status === 404) notfound.add(url);
    }
    if ((at = referrer.index.get(r.referrer)) !== undefined) referrer.counts[at]!++;
    else if (referrer.insert(r.referrer)) full = true;
    if ((at = agent.index.get(r.agent)) !== undefined) agent.counts[at]!++;
    else if (agent.insert(r.agent)) full = true;
    if (full) this.settle();
  }

  /** Offers the batch's counts to the sketches (see the top of this file); cheap when empty. */
  settle(): void {
    const p = this.pending;
    // a visitor new to the table goes into the HyperLogLog too (one already in it went in when it
    // entered the table, this interval)
    const v = p.visitor;
    if (v.index.size > 0) {
      this.tables.visitor.merge(v.keys(), v.counts, v.index.size, this.addVisitors);
      v.clear();
    }
    offerAll(p.url, this.tables.url, null);
    offerAll(p.notfound, this.tables.notfound, null);
    offerAll(p.referrer, this.tables.referrer, referrerSite);
    offerAll(p.agent, this.tables.agent, userAgentFamily);
  }

  /** a line that did not match the format: counted, the first few kept (cut) for the UI */
  addMalformed(line: string): void {
    this.malformed++;
    // copied: a line is a view of the run of lines it was read in (LogParser.parseText), which a
    // sample would keep alive until the flush
    if (this.samples.length < WEBLOG_LIMITS.samples) this.samples.push(detached(line.slice(0, WEBLOG_LIMITS.sampleChars)));
  }

  /** a line longer than WEBLOG_LIMITS.maxLineBytes (its start was parsed, or counted as malformed) */
  addCut(): void {
    this.cut++;
  }

  /** every status code's count, in the order first seen (codes outside 100–999 after) */
  private codeCounts(): Map<number, number> {
    const counts = new Map<number, number>(this.statusSeen.map((code) => [code, this.statusCounts[code]!]));
    for (const [code, n] of this.otherCodes) counts.set(code, n);
    return counts;
  }

  /** 1xx … 5xx, summed from the codes */
  private classesOfCodes(): [number, number, number, number, number] {
    const classes: [number, number, number, number, number] = [0, 0, 0, 0, 0];
    for (const code of this.statusSeen) if (code < 600) classes[(Math.floor(code / 100) - 1) as 0 | 1 | 2 | 3 | 4] += this.statusCounts[code]!;
    return classes;
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
      bytes: this.bytesHigh * BYTES_UNIT + this.bytesLow,
      classes: this.classesOfCodes(),
      codes: bounded(this.codeCounts(), (code) => String(code)),
      methods: bounded(new Map(this.methodSeen.map((m) => [METHOD_NAMES[m]!, this.methodCounts[m]!])), (m) => m),
      latency: hasLatency ? { p50: this.latency.quantile(0.5), p95: this.latency.quantile(0.95), p99: this.latency.quantile(0.99), max: Math.round(this.latency.max * 100) / 100 } : null,
      visitors: this.visitors.estimate(),
      top: Object.fromEntries(WEBLOG_DIMENSIONS.map((d) => [d, this.tables[d].top(this.topK).map((h) => ({ key: h.key.slice(0, WEBLOG_LIMITS.keyChars), count: h.count, error: h.error }))])) as WeblogInterval['top'],
      malformed: this.malformed,
      cut: this.cut,
      samples: this.samples,
      problem,
    };
    this.requests = 0;
    this.bytesLow = 0;
    this.bytesHigh = 0;
    this.statusCounts.fill(0);
    this.statusSeen = [];
    this.otherCodes = new Map();
    this.methodCounts.fill(0);
    this.methodSeen = [];
    this.latency.clear();
    this.visitors.clear();
    for (const d of WEBLOG_DIMENSIONS) this.tables[d].clear();
    this.malformed = 0;
    this.cut = 0;
    this.samples = [];
    return out;
  }
}

/**
 * A batch's distinct keys merged into their table at once (SpaceSaving.merge), reduced first by
 * `reduce` (several raw keys may reduce to one: summed before the merge, which takes distinct
 * keys), then the batch emptied.
 */
function offerAll(batch: BatchCounts, table: SpaceSaving, reduce: ((key: string) => string) | null): void {
  if (batch.index.size === 0) return;
  const keys = batch.keys();
  const counts = batch.counts;
  if (reduce === null) {
    table.merge(keys, counts, keys.length);
  } else {
    const reduced = new Map<string, number>();
    for (let i = 0; i < keys.length; i++) {
      const key = reduce(keys[i]!);
      reduced.set(key, (reduced.get(key) ?? 0) + counts[i]!);
    }
    table.merge([...reduced.keys()], [...reduced.values()], reduced.size);
  }
  batch.clear();
}

/** the most frequent WEBLOG_LIMITS.codes entries of a counter */
function bounded<K>(counts: Map<K, number>, name: (k: K) => string): Record<string, number> {
  const entries = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, WEBLOG_LIMITS.codes);
  return Object.fromEntries(entries.map(([k, n]) => [name(k), n]));
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
