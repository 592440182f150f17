// Where web log intervals end (S11): what agents publish on `weblog` (checked by weblog-payload.ts)
// becomes the `weblog` family in RRD (rates per second, weblog-samples.ts), each source's live
// totals, its top tables merged into hour, day and week buckets (top-merge.ts), a `weblog` event
// on the live stream (synchronously: a screen updates within a second of arrival) and samples for
// the alert rules. An interval naming a source the appliance does not know is dropped and
// counted; one naming a source of another agent is refused (counted): an agent speaks only for
// the logs it was given. An interval not newer than the source's last is a resend and is dropped,
// so totals stay exact under QoS 1 redelivery.
//
// SQLite gets totals and top tables in one transaction every FLUSH_MS (a commit per interval
// would be an fsync per source every 10 s); a crash loses at most that much of them. The RRD
// series, the stream and the rules get each interval at once.
//
// A source whose intervals stop arriving (the agent is gone, its tailer stuck) is fed to the rules
// as "no requests" once per interval (silentWeblogSample), so that a "requests/s drop to zero" rule
// fires in that case too; it is never written to RRD (a gap stays a gap there).
import type { Sample } from '../../contract/metrics.js';
import type { WeblogTopDimension, WeblogTopResponse, WeblogTotals } from '../../contract/weblog-api.js';
import { WEBLOG_DIMENSIONS, WEBLOG_LIMITS, type WeblogInterval } from '../../contract/weblog.js';
import { nowSeconds, type Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { RateLimitedLog } from '../../core/rate-limited-log.js';
import type { LiveHub } from '../live/live-hub.js';
import { EMPTY_TOP, exactTable, intervalTable, mergeTop, type TopTable } from './top-merge.js';
import { silentWeblogSample, weblogSample } from './weblog-samples.js';
import type { StoredWeblogSource } from './weblog-source-repository.js';
import type { TopDelta, TopSpan, WeblogTrafficRepository } from './weblog-traffic-repository.js';

/** entries kept per bucket and dimension (docs/bounds.md "web logs") */
export const WEBLOG_TOP_KEEP = 100;
/** how long each span's buckets are kept, seconds */
export const TOP_KEEP_S: Readonly<Record<TopSpan, number>> = { hour: 2 * 86_400, day: 35 * 86_400, week: 366 * 86_400 };
/** malformed lines kept per source, newest last */
export const WEBLOG_SAMPLES_KEPT = 10;
export const FLUSH_MS = 10_000;
/** how often sources are looked at for silence */
export const SILENCE_CHECK_MS = 5_000;
/** a source is silent after this many of its intervals without one (and at least SILENT_MIN_MS) */
export const SILENT_INTERVALS = 3;
const SILENT_MIN_MS = 30_000;
const PRUNE_EVERY_MS = 3_600_000;

const WEEK_S = 7 * 86_400;
/** 1970-01-05, a Monday: weeks start on Monday 00:00 UTC */
const MONDAY_S = 4 * 86_400;

export function bucketStart(span: TopSpan, t: number): number {
  switch (span) {
    case 'hour':
      return t - (t % 3600);
    case 'day':
      return t - (t % 86_400);
    case 'week':
      return Math.floor((t - MONDAY_S) / WEEK_S) * WEEK_S + MONDAY_S;
  }
}

export interface WeblogTrafficDeps {
  repo: WeblogTrafficRepository;
  /** the source with this id, if there is one */
  sourceOf: (id: string) => StoredWeblogSource | null;
  /** every source (for the silence watch) */
  sources: () => readonly StoredWeblogSource[];
  /** the RRD store's write (not awaited: a refusal is counted by the store) */
  write: (agentId: string, stepS: number, samples: Sample[]) => Promise<unknown>;
  /** the alert engine's samples hook (cheap and synchronous) */
  onSamples?: (agentId: string, intervalS: number, samples: Sample[]) => void;
  hub: LiveHub;
  clock: Clock;
  logger: Logger;
  onWriteError?: (where: string, err: unknown) => void;
}

export interface WeblogTrafficCounters {
  intervals: number;
  /** intervals for a source the appliance does not know (deleted, or never made) */
  unknownSource: number;
  /** intervals for a source of another agent */
  foreignSource: number;
  /** intervals not newer than the source's last (a resend) */
  stale: number;
}

const emptyTotals = (): WeblogTotals => ({ requests: 0, bytes: 0, status: {}, malformed: 0, cut: 0, samples: [], problem: null, lastIntervalAt: null });

export class WeblogTraffic {
  readonly counters: WeblogTrafficCounters = { intervals: 0, unknownSource: 0, foreignSource: 0, stale: 0 };
  private totalsOf = new Map<string, WeblogTotals>();
  private readonly dirtyTotals = new Set<string>();
  /** source → hour start → dimension → what arrived since the last flush */
  private pending = new Map<string, Map<number, Map<WeblogTopDimension, TopTable>>>();
  /** source → appliance ms its last interval arrived, or the watch began */
  private readonly heardMs = new Map<string, number>();
  private readonly silentFedMs = new Map<string, number>();
  /** source → its last interval's end, unix s on the agent's clock */
  private readonly lastEndS = new Map<string, number>();
  private flushTimer: unknown = null;
  private watchTimer: unknown = null;
  private lastPruneMs = 0;
  private running = false;
  private readonly writeFailures = new RateLimitedLog(60_000);

  constructor(private readonly deps: WeblogTrafficDeps) {}

  start(): void {
    this.totalsOf = this.deps.repo.allTotals();
    this.running = true;
    this.armWatch();
  }

  /** Writes what waits and stops the timers (before the database closes). */
  stop(): void {
    this.running = false;
    if (this.watchTimer !== null) this.deps.clock.clearTimeout(this.watchTimer);
    this.watchTimer = null;
    this.flush();
  }

  /** A source's totals since it was added (all zero before its first interval). */
  totals(sourceId: string): WeblogTotals {
    const t = this.totalsOf.get(sourceId);
    return t ? { ...t, status: { ...t.status }, samples: [...t.samples] } : emptyTotals();
  }

  /** A source was deleted: its totals and tables went with it (ON DELETE CASCADE). */
  forget(sourceId: string): void {
    this.totalsOf.delete(sourceId);
    this.dirtyTotals.delete(sourceId);
    this.pending.delete(sourceId);
    this.heardMs.delete(sourceId);
    this.lastEndS.delete(sourceId);
    this.silentFedMs.delete(sourceId);
  }

  /** Sources gone with their agent (ON DELETE CASCADE): what is kept of them in memory goes. */
  keepOnly(sourceIds: ReadonlySet<string>): void {
    for (const id of [...this.totalsOf.keys(), ...this.heardMs.keys()]) if (!sourceIds.has(id)) this.forget(id);
  }

  /** One payload's intervals from `agentId`. */
  record(agentId: string, intervals: readonly WeblogInterval[]): void {
    const nowMs = this.deps.clock.now();
    const samples = new Map<number, Sample[]>();
    for (const interval of intervals) {
      const source = this.deps.sourceOf(interval.source);
      if (!source) {
        this.counters.unknownSource++;
        continue;
      }
      if (source.agentId !== agentId) {
        this.counters.foreignSource++;
        continue;
      }
      const totals = this.totalsOf.get(source.id) ?? emptyTotals();
      if (totals.lastIntervalAt !== null && interval.t <= totals.lastIntervalAt) {
        this.counters.stale++;
        continue;
      }
      this.counters.intervals++;
      this.add(totals, interval);
      this.totalsOf.set(source.id, totals);
      this.dirtyTotals.add(source.id);
      this.addTop(source.id, interval);
      this.heardMs.set(source.id, nowMs);
      this.lastEndS.set(source.id, interval.t + interval.i);
      this.silentFedMs.delete(source.id);
      const sample = weblogSample(interval);
      let list = samples.get(interval.i);
      if (!list) samples.set(interval.i, list = []);
      list.push(sample);
      this.deps.hub.publish('weblog', agentId, { agentId, interval });
    }
    for (const [stepS, list] of samples) {
      this.deps.write(agentId, stepS, list).catch((e: unknown) => {
        this.writeFailures.maybe(() => this.deps.logger.warn('could not store web log series (further failures are not logged for a minute)', { agentId, err: e }));
      });
      this.tellRules(agentId, stepS, list);
    }
    if (samples.size > 0) this.flushSoon();
  }

  /**
   * The merged top table of one source and dimension over [from, to] (unix s): hour buckets when
   * `from` is within their keep, else days, else weeks; a bucket counts when it starts in the range.
   */
  top(sourceId: string, dimension: WeblogTopDimension, from: number, to: number, k: number): WeblogTopResponse {
    this.flush();
    const nowS = nowSeconds(this.deps.clock);
    const span: TopSpan = from >= nowS - TOP_KEEP_S.hour ? 'hour' : from >= nowS - TOP_KEEP_S.day ? 'day' : 'week';
    let merged = EMPTY_TOP;
    for (const table of this.deps.repo.tops(sourceId, span, dimension, bucketStart(span, from), to)) merged = mergeTop(merged, table, WEBLOG_TOP_KEEP);
    return { source: sourceId, dimension, from, to, entries: merged.entries.slice(0, k) };
  }

  /** Writes totals and top tables at once (before a read, at stop). */
  flush(): void {
    if (this.flushTimer !== null) this.deps.clock.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.dirtyTotals.size === 0 && this.pending.size === 0) return;
    const totals = new Map([...this.dirtyTotals].flatMap((id) => {
      const t = this.totalsOf.get(id);
      return t ? [[id, t] as const] : [];
    }));
    const deltas: TopDelta[] = [];
    for (const [sourceId, byHour] of this.pending) {
      for (const [hour, byDimension] of byHour) {
        for (const [dimension, table] of byDimension) {
          for (const span of ['hour', 'day', 'week'] as const) deltas.push({ sourceId, span, start: bucketStart(span, hour), dimension, table });
        }
      }
    }
    this.dirtyTotals.clear();
    this.pending = new Map();
    try {
      this.deps.repo.save(totals, deltas, (stored, delta) => mergeTop(stored, delta, WEBLOG_TOP_KEEP));
      this.prune();
    } catch (e) {
      // the totals stay in memory (the next flush writes them again); these top deltas are lost
      for (const id of totals.keys()) this.dirtyTotals.add(id);
      this.deps.logger.error('could not save web log totals and top tables', { sources: totals.size, err: e });
      this.deps.onWriteError?.('web log traffic', e);
    }
  }

  private add(totals: WeblogTotals, interval: WeblogInterval): void {
    totals.requests += interval.requests;
    totals.bytes += interval.bytes;
    for (const [code, n] of Object.entries(interval.codes)) totals.status[code] = (totals.status[code] ?? 0) + n;
    totals.malformed += interval.malformed;
    totals.cut += interval.cut;
    if (interval.samples.length > 0) totals.samples = [...totals.samples, ...interval.samples].slice(-WEBLOG_SAMPLES_KEPT);
    totals.problem = interval.problem;
    totals.lastIntervalAt = interval.t;
  }

  private addTop(sourceId: string, interval: WeblogInterval): void {
    let byHour = this.pending.get(sourceId);
    if (!byHour) this.pending.set(sourceId, byHour = new Map<number, Map<WeblogTopDimension, TopTable>>());
    const hour = bucketStart('hour', interval.t);
    let byDimension = byHour.get(hour);
    if (!byDimension) byHour.set(hour, byDimension = new Map<WeblogTopDimension, TopTable>());
    const merge = (dimension: WeblogTopDimension, table: TopTable): void => {
      byDimension.set(dimension, mergeTop(byDimension.get(dimension) ?? EMPTY_TOP, table, WEBLOG_TOP_KEEP));
    };
    for (const d of WEBLOG_DIMENSIONS) merge(d, intervalTable(interval.top[d], WEBLOG_LIMITS.topK));
    merge('status', exactTable(interval.codes));
  }

  private tellRules(agentId: string, intervalS: number, samples: Sample[]): void {
    if (!this.deps.onSamples) return;
    try {
      this.deps.onSamples(agentId, intervalS, samples);
    } catch (e) {
      this.deps.logger.error('alert evaluation failed for web log intervals', { agentId, err: e });
    }
  }

  private flushSoon(): void {
    if (this.flushTimer !== null) return;
    const handle = this.deps.clock.setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, FLUSH_MS);
    handle.unref?.();
    this.flushTimer = handle;
  }

  private armWatch(): void {
    if (!this.running) return;
    const handle = this.deps.clock.setTimeout(() => {
      this.watchTimer = null;
      try {
        this.watchSilence();
      } catch (e) {
        this.deps.logger.error('the web log silence watch failed', { err: e });
      }
      this.armWatch();
    }, SILENCE_CHECK_MS);
    handle.unref?.();
    this.watchTimer = handle;
  }

  /**
   * Feeds "no requests" to the rules for each source silent too long, once per its interval. The
   * observation's time is on the agent's clock (the last interval's end, moved on by the time
   * since), one interval back: a returning interval, which ends about when it arrives, is newer,
   * so the rule sees it (an evaluator ignores observations older than its last).
   */
  watchSilence(): void {
    const nowMs = this.deps.clock.now();
    for (const source of this.deps.sources()) {
      const heard = this.heardMs.get(source.id);
      if (heard === undefined) {
        // nothing since start (or since the source was made): the watch counts from now
        this.heardMs.set(source.id, nowMs);
        this.lastEndS.set(source.id, Math.floor(nowMs / 1000));
        continue;
      }
      const intervalMs = source.intervalS * 1000;
      if (nowMs - heard < Math.max(SILENT_INTERVALS * intervalMs, SILENT_MIN_MS)) continue;
      const fed = this.silentFedMs.get(source.id);
      if (fed !== undefined && nowMs - fed < intervalMs) continue;
      this.silentFedMs.set(source.id, nowMs);
      const agentNowS = (this.lastEndS.get(source.id) ?? Math.floor(heard / 1000)) + Math.floor((nowMs - heard) / 1000);
      this.tellRules(source.agentId, source.intervalS, [silentWeblogSample(source.id, agentNowS - source.intervalS)]);
    }
  }

  private prune(): void {
    const now = this.deps.clock.now();
    if (now - this.lastPruneMs < PRUNE_EVERY_MS) return;
    this.lastPruneMs = now;
    const nowS = Math.floor(now / 1000);
    let removed = 0;
    for (const span of ['hour', 'day', 'week'] as const) removed += this.deps.repo.prune(span, bucketStart(span, nowS - TOP_KEEP_S[span]));
    if (removed > 0) this.deps.logger.info('removed old web log top tables', { buckets: removed });
  }
}
