// Runs the appliance's probes (S5) on their intervals: the definitions come from a
// ProbeDefinitionSource (the checks store), the results go to a CheckRunSink with agentId null.
//
// - Spread: at start each probe's first run falls at a random point of its interval, so 1,000
//   probes every 30 s make about 33 runs a second, not 1,000 at once; a probe added or edited
//   later runs within a couple of seconds, then settles on a random phase.
// - Bounded: at most `maxConcurrent` runs at a time; the others wait in order of their due time.
// - A probe never overlaps itself: a round that falls due while the previous one is still
//   running or waiting is skipped (and counted), not queued behind it.
// - Results finishing close together are recorded as one round (one SQLite transaction).
import type { CheckRunSink, CheckRun, ProbeDefinitionSource } from '../check-runs.js';
import type { Clock } from '../../../core/clock.js';
import type { Logger } from '../../../core/logger.js';
import { boundedOutput, isProbeDefinition, type ProbeDefinition, type ProbeOutcome } from './probe-types.js';

export interface ProbeSchedulerDeps {
  source: ProbeDefinitionSource;
  sink: CheckRunSink;
  clock: Clock;
  logger: Logger;
  /** one run of one probe (run-probe.ts in the appliance) */
  run: (definition: ProbeDefinition, nowS: number) => Promise<ProbeOutcome>;
  /** runs at a time (default 64) */
  maxConcurrent?: number;
  /** results finishing within this long are recorded together (default 100 ms) */
  flushMs?: number;
  /** a probe added or changed while running first runs within this long (default 2 s) */
  soonMs?: number;
  random?: () => number;
}

interface Entry {
  id: string;
  definition: ProbeDefinition;
  /** the definition as JSON: a change of any field reschedules the probe */
  json: string;
  timer: unknown;
  /** waiting for a slot, or running */
  busy: boolean;
  /** false once the probe was removed or changed: a run under way is not recorded */
  current: boolean;
}

export interface ProbeSchedulerStats {
  probes: number;
  running: number;
  waiting: number;
  /** rounds skipped because the previous one had not finished */
  skipped: number;
  runs: number;
}

export class ProbeScheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly queue: Entry[] = [];
  private running = 0;
  private pending: CheckRun[] = [];
  private flushTimer: unknown = null;
  private unsubscribe: (() => void) | null = null;
  private started = false;
  private skipped = 0;
  private runs = 0;
  private readonly maxConcurrent: number;
  private readonly random: () => number;

  constructor(private readonly deps: ProbeSchedulerDeps) {
    this.maxConcurrent = deps.maxConcurrent ?? 64;
    this.random = deps.random ?? Math.random;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.unsubscribe = this.deps.source.onProbesChanged(() => this.reload(false));
    this.reload(true);
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const entry of this.entries.values()) this.retire(entry);
    this.entries.clear();
    this.queue.length = 0;
    this.flush();
  }

  stats(): ProbeSchedulerStats {
    return { probes: this.entries.size, running: this.running, waiting: this.queue.length, skipped: this.skipped, runs: this.runs };
  }

  /** Takes the source's probes: new and changed ones are (re)scheduled, removed ones stop. */
  private reload(atStart: boolean): void {
    if (!this.started) return;
    const seen = new Set<string>();
    for (const { id, definition } of this.deps.source.probes()) {
      // the source gives enabled probes only; a disabled one slipping through is not run
      if (!isProbeDefinition(definition) || definition.enabled === false) continue;
      seen.add(id);
      const json = JSON.stringify(definition);
      const old = this.entries.get(id);
      if (old?.json === json) continue;
      if (old) this.retire(old);
      const entry: Entry = { id, definition, json, timer: null, busy: false, current: true };
      this.entries.set(id, entry);
      const intervalMs = definition.interval * 1000;
      const firstInMs = atStart ? this.random() * intervalMs : this.random() * Math.min(intervalMs, this.deps.soonMs ?? 2000);
      // a probe that starts soon after an edit takes a random phase from its second run on
      this.schedule(entry, this.deps.clock.now() + firstInMs, atStart ? null : intervalMs * (0.5 + this.random() * 0.5));
    }
    for (const [id, entry] of this.entries) {
      if (seen.has(id)) continue;
      this.retire(entry);
      this.entries.delete(id);
    }
  }

  private retire(entry: Entry): void {
    entry.current = false;
    if (entry.timer !== null) this.deps.clock.clearTimeout(entry.timer);
    entry.timer = null;
    const queued = this.queue.indexOf(entry);
    if (queued >= 0) this.queue.splice(queued, 1);
  }

  /** Due at `atMs`; the round after it `nextGapMs` later (default: the interval). */
  private schedule(entry: Entry, atMs: number, nextGapMs: number | null): void {
    const handle = this.deps.clock.setTimeout(() => {
      entry.timer = null;
      if (!entry.current) return;
      const intervalMs = entry.definition.interval * 1000;
      // the cadence is kept from the due time, not the run's end; after a clock jump it restarts from now
      let next = atMs + (nextGapMs ?? intervalMs);
      const now = this.deps.clock.now();
      if (next <= now) next = now + intervalMs;
      this.schedule(entry, next, null);
      this.due(entry);
    }, Math.max(0, atMs - this.deps.clock.now()));
    handle.unref?.();
    entry.timer = handle;
  }

  private due(entry: Entry): void {
    if (entry.busy) {
      this.skipped++;
      this.deps.logger.debug('probe round skipped: the previous one has not finished', { id: entry.id });
      return;
    }
    entry.busy = true;
    this.queue.push(entry);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.maxConcurrent) {
      const entry = this.queue.shift();
      if (!entry) return;
      this.running++;
      void this.runOne(entry);
    }
  }

  private async runOne(entry: Entry): Promise<void> {
    const nowS = Math.floor(this.deps.clock.now() / 1000);
    let outcome: ProbeOutcome;
    try {
      outcome = await this.deps.run(entry.definition, nowS);
    } catch (e) {
      // a probe's own failure is its state, never the scheduler's end
      this.deps.logger.warn('probe failed', { id: entry.id, err: e });
      outcome = { t: nowS, state: 'unknown', output: boundedOutput(`PROBE UNKNOWN - ${(e as Error).message}`), perfdata: [], durationMs: 0 };
    }
    this.running--;
    this.runs++;
    entry.busy = false;
    if (entry.current && this.started) {
      this.pending.push({ checkId: entry.id, agentId: null, result: { id: entry.id, ...outcome } });
      this.flushSoon();
    }
    this.pump();
  }

  private flushSoon(): void {
    if (this.flushTimer !== null) return;
    this.flushTimer = this.deps.clock.setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, this.deps.flushMs ?? 100);
  }

  private flush(): void {
    if (this.flushTimer !== null) this.deps.clock.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.pending.length === 0) return;
    const runs = this.pending;
    this.pending = [];
    try {
      this.deps.sink.record(runs);
    } catch (e) {
      this.deps.logger.error('could not record probe results', { err: e, results: runs.length });
    }
  }
}
