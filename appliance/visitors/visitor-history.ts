// Visitor history (S15): ingest hands it each batch's snapshot; it counts new connections
// (visitor-tracker.ts) and writes what it gathered to SQLite in one transaction every few seconds,
// or sooner when a lot is waiting; never one write per snapshot. Reads flush first, so the API
// always shows everything received. Records not seen for a long time are pruned once a day.
import type { VisitorListResponse } from '../../contract/fleet-api.js';
import type { Snapshot } from '../../contract/metrics.js';
import { nowSeconds, type Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { BatchedWriter } from '../db/batched-writer.js';
import type { VisitorFilter, VisitorRepository } from './visitor-repository.js';
import { VisitorTracker } from './visitor-tracker.js';

export interface VisitorHistoryDeps {
  repo: VisitorRepository;
  clock: Clock;
  logger: Logger;
  /** how often gathered records are written; default 10 s */
  flushIntervalMs?: number;
  /** records waiting that trigger a write before the interval is up; default 5000 */
  maxPending?: number;
  /** records not seen for this long are removed; default 400 days (the RRD's longest archive) */
  retentionS?: number;
  /** a write failed (RES: a full or read-only disk): the fault monitor is told; the records wait for the next flush */
  onWriteError?: (where: string, err: unknown) => void;
}

const DEFAULT_FLUSH_MS = 10_000;
const DEFAULT_MAX_PENDING = 5_000;
const DEFAULT_RETENTION_S = 400 * 86_400;
const PRUNE_EVERY_MS = 86_400_000;

export class VisitorHistory extends BatchedWriter {
  private readonly tracker = new VisitorTracker();

  constructor(private readonly deps: VisitorHistoryDeps) {
    super(deps.clock, deps.flushIntervalMs ?? DEFAULT_FLUSH_MS, PRUNE_EVERY_MS);
  }

  /** One batch's snapshot (called by ingest once the batch is stored); synchronous and cheap. */
  record(agentId: string, snapshot: Snapshot): void {
    if (!snapshot.visitors) return;
    this.tracker.observe(agentId, snapshot.t, snapshot.visitors);
    if (this.tracker.pendingCount >= (this.deps.maxPending ?? DEFAULT_MAX_PENDING)) this.flush();
  }

  query(filter: VisitorFilter): VisitorListResponse {
    this.flush();
    return this.deps.repo.query(filter);
  }

  /** A removed server: its records go, and nothing more is kept for it. */
  forget(agentId: string): void {
    this.tracker.forget(agentId);
    this.deps.repo.deleteAgent(agentId);
  }

  /** Writes every gathered record in one transaction. A failed write is kept for the next one. */
  override flush(): void {
    const updates = this.tracker.drain();
    try {
      this.deps.repo.write(updates);
    } catch (e) {
      this.tracker.restore(updates);
      this.deps.logger.error('could not write visitor records; trying again at the next flush', { records: updates.length, err: e });
      this.deps.onWriteError?.('visitor history', e);
      return;
    }
    try {
      this.pruneDaily();
    } catch (e) {
      this.deps.logger.error('could not prune visitor records; trying again tomorrow', { err: e });
      this.deps.onWriteError?.('visitor prune', e);
    }
  }

  private pruneDaily(): void {
    if (!this.pruneDue()) return;
    const removed = this.deps.repo.prune(nowSeconds(this.deps.clock) - (this.deps.retentionS ?? DEFAULT_RETENTION_S));
    if (removed > 0) this.deps.logger.info('pruned old visitor records', { removed });
  }
}
