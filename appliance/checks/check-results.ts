// Where check results end (S5, S6, S16): the CheckRunSink that agents' results (through ingest)
// and the appliance's probes feed. Keeps each (check, agent) pair's last result and when its
// state began, a history entry per state change (SQLite, bounded), the perfdata (RRD, through
// `perfdata`), and tells the live stream (`check` events, synchronously: within a second of
// arrival) and every CheckRunListener (the alert engine).
//
// SQLite gets them in one transaction every `writeDelayMs` (1 s), each pair's last status once:
// a commit per results message would be an fsync per agent per interval (1,000 a second at
// 10,000 agents every 10 s, on an SD card). A crash loses at most that second; the next result
// of each check puts its state right again.
import type { CheckStatus, CheckStreamEvent, CheckHistoryEntry } from '../../contract/checks-api.js';
import { METRICS_LIMITS } from '../../contract/metrics.js';
import { nowSeconds, type Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { LiveHub } from '../live/live-hub.js';
import type { CheckRun, CheckRunListener, CheckRunSink, RecordedCheckRun } from './check-runs.js';
import { HISTORY_KEEP_S, type CheckRepository, type StoredCheck, type StoredStatus } from './check-repository.js';

/** Where a run's perfdata goes (the RRD store, check-perfdata.ts); must not throw. */
export type PerfdataWriter = (check: StoredCheck, run: CheckRun) => void;

export interface CheckResultsDeps {
  repo: CheckRepository;
  /** the definition of a check id, if it is one */
  checkOf: (id: string) => StoredCheck | undefined;
  /** whether the check runs there (an agent id, or null: the appliance) */
  runsOn: (check: StoredCheck, agentId: string | null) => boolean;
  hostnameOf: (agentId: string) => string | null;
  hub: LiveHub;
  perfdata?: PerfdataWriter;
  clock: Clock;
  logger: Logger;
  onWriteError?: (where: string, err: unknown) => void;
  /** ms results wait to be written together; default WRITE_DELAY_MS */
  writeDelayMs?: number;
}

export const WRITE_DELAY_MS = 1000;

type PendingChange = CheckHistoryEntry & { checkId: string };

export interface CheckResultCounters {
  recorded: number;
  /** results for a check that is not (or no longer) assigned where they came from */
  dropped: number;
  /** results older than the last one recorded for their pair (a resent queue) */
  stale: number;
}

/** how often history older than HISTORY_KEEP_S is removed */
const PRUNE_EVERY_MS = 3_600_000;

const PENDING: CheckStatus = { state: 'pending', output: '', longOutput: '', perfdata: [], since: null, lastRun: null, durationMs: null };

export class CheckResults implements CheckRunSink {
  readonly counters: CheckResultCounters = { recorded: 0, dropped: 0, stale: 0 };
  /** check id → agent key ('' = the appliance) → its last result */
  private readonly statuses = new Map<string, Map<string, StoredStatus>>();
  private readonly listeners = new Set<CheckRunListener>();
  private lastPruneMs = 0;
  /** written at the next flush: each pair's newest status, and the state changes in order */
  private readonly unwritten = new Map<string, StoredStatus>();
  private unwrittenChanges: PendingChange[] = [];
  private flushTimer: unknown = null;

  constructor(private readonly deps: CheckResultsDeps) {}

  /** Reads the stored statuses (at start: a restart keeps every state and since). */
  load(): void {
    this.statuses.clear();
    for (const s of this.deps.repo.statuses()) this.put(s);
  }

  /** The last result of a check on an agent (null: the appliance); 'pending' before the first. */
  status(checkId: string, agentId: string | null): CheckStatus {
    const s = this.statuses.get(checkId)?.get(agentId ?? '');
    if (!s) return PENDING;
    const { checkId: _c, agentId: _a, ...status } = s;
    return status;
  }

  /** Forgets a check's statuses (it was deleted), or one instance's (it no longer runs there). */
  forget(checkId: string, agentId?: string | null): void {
    if (agentId === undefined) {
      this.statuses.delete(checkId);
      for (const key of this.unwritten.keys()) if (key.startsWith(`${checkId}\n`)) this.unwritten.delete(key);
      return;
    }
    this.unwritten.delete(`${checkId}\n${agentId ?? ''}`);
    const byAgent = this.statuses.get(checkId);
    if (!byAgent?.delete(agentId ?? '')) return;
    try {
      this.deps.repo.deleteStatus(checkId, agentId);
    } catch (e) {
      this.deps.onWriteError?.('check status', e);
    }
  }

  /** Agents (null: the appliance) that have a status for this check. */
  instancesWithStatus(checkId: string): (string | null)[] {
    return [...(this.statuses.get(checkId)?.keys() ?? [])].map((k) => (k === '' ? null : k));
  }

  onRun(listener: CheckRunListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  record(runs: readonly CheckRun[]): void {
    const nowS = nowSeconds(this.deps.clock);
    const saved: { status: StoredStatus; change: CheckHistoryEntry | null; check: StoredCheck; run: CheckRun }[] = [];
    for (const run of runs) {
      const check = this.deps.checkOf(run.checkId);
      if (!check || !this.deps.runsOn(check, run.agentId)) {
        this.counters.dropped++;
        continue;
      }
      const { result } = run;
      // a clock far ahead would pin `since` in the future: such a result is taken as of now
      const t = Math.min(result.t, nowS + METRICS_LIMITS.maxFutureSkewS);
      const prev = this.statuses.get(run.checkId)?.get(run.agentId ?? '');
      if (prev?.lastRun != null && t < prev.lastRun) {
        this.counters.stale++;
        continue;
      }
      const previous = prev?.state ?? 'pending';
      const changed = previous !== result.state;
      const status: StoredStatus = {
        checkId: run.checkId, agentId: run.agentId, state: result.state,
        since: changed || prev?.since == null ? t : prev.since, lastRun: t,
        output: result.output, longOutput: result.longOutput ?? '', perfdata: result.perfdata ?? [], durationMs: result.durationMs,
      };
      const change: CheckHistoryEntry | null = changed ? { t, agentId: run.agentId, state: result.state, previous, output: result.output } : null;
      this.put(status);
      saved.push({ status, change, check, run });
    }
    if (saved.length === 0) return;
    this.counters.recorded += saved.length;
    for (const { status, change } of saved) {
      this.unwritten.set(`${status.checkId}\n${status.agentId ?? ''}`, status);
      if (change) this.unwrittenChanges.push({ ...change, checkId: status.checkId });
    }
    this.flushSoon();
    for (const { status, change, check, run } of saved) {
      this.tell(check, run, status, change !== null, change?.previous ?? status.state);
      if (run.result.perfdata?.length) this.deps.perfdata?.(check, run);
    }
  }

  private tell(check: StoredCheck, run: CheckRun, status: StoredStatus, changed: boolean, previous: RecordedCheckRun['previous']): void {
    const hostname = run.agentId === null ? null : this.deps.hostnameOf(run.agentId);
    const { checkId: _c, agentId: _a, ...rest } = status;
    const event: CheckStreamEvent = {
      checkId: check.id, name: check.definition.name, type: check.type,
      instance: { ...rest, agentId: run.agentId, hostname }, changed,
    };
    // a probe's event is filed under the server it is about (if any), so a panel's stream has it
    this.deps.hub.publish('check', run.agentId ?? check.agentId ?? '', event);
    if (this.listeners.size === 0) return;
    const recorded: RecordedCheckRun = {
      checkId: check.id, name: check.definition.name, type: check.type, definition: check.definition,
      agentId: run.agentId, hostname, previous, result: run.result,
    };
    for (const l of this.listeners) {
      try {
        l(recorded);
      } catch (e) {
        this.deps.logger.error('a check-run listener failed', { checkId: check.id, err: e });
      }
    }
  }

  /** Writes what waits at once (at stop, before the database closes). */
  flush(): void {
    if (this.flushTimer !== null) this.deps.clock.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.unwritten.size === 0 && this.unwrittenChanges.length === 0) return;
    const statuses = [...this.unwritten.values()];
    const changes = this.unwrittenChanges;
    this.unwritten.clear();
    this.unwrittenChanges = [];
    try {
      this.deps.repo.saveRuns(statuses, changes);
      this.pruneHistory();
    } catch (e) {
      // the states stay in memory and on the stream; the next result of each check writes its state again
      this.deps.logger.error('could not save check results', { statuses: statuses.length, changes: changes.length, err: e });
      this.deps.onWriteError?.('check results', e);
    }
  }

  private flushSoon(): void {
    if (this.flushTimer !== null) return;
    const handle = this.deps.clock.setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, this.deps.writeDelayMs ?? WRITE_DELAY_MS);
    handle.unref?.();
    this.flushTimer = handle;
  }

  private put(s: StoredStatus): void {
    let byAgent = this.statuses.get(s.checkId);
    if (!byAgent) {
      byAgent = new Map();
      this.statuses.set(s.checkId, byAgent);
    }
    byAgent.set(s.agentId ?? '', s);
  }

  private pruneHistory(): void {
    const now = this.deps.clock.now();
    if (now - this.lastPruneMs < PRUNE_EVERY_MS) return;
    this.lastPruneMs = now;
    const removed = this.deps.repo.pruneHistory(Math.floor(now / 1000) - HISTORY_KEEP_S);
    if (removed > 0) this.deps.logger.info('removed old check history', { entries: removed });
  }
}
