// Process and user history (S18): ingest hands it each batch's snapshot; it averages an agent's
// snapshots per minute (top-minutes.ts) and writes what it gathered to SQLite in one transaction
// every few seconds, never one write per snapshot. Reads flush first, so the API shows the
// minute in progress too. Rows past the retention, or past the rows an agent may keep, are
// pruned once an hour (TOP_HISTORY_LIMITS; docs/bounds.md).
import { TOP_HISTORY_LIMITS, type TopHistoryResponse } from '../../contract/top-history-api.js';
import type { Snapshot } from '../../contract/metrics.js';
import { nowSeconds, type Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { BatchedWriter } from '../db/batched-writer.js';
import type { TopHistoryRepository } from './top-history-repository.js';
import { topHistorySeries, type TopHistoryQuery } from './top-history-series.js';
import { TopMinutes } from './top-minutes.js';

export interface TopHistoryDeps {
  repo: TopHistoryRepository;
  clock: Clock;
  logger: Logger;
  /** how often gathered rows are written; default 10 s */
  flushIntervalMs?: number;
  /** default TOP_HISTORY_LIMITS.retentionS */
  retentionS?: number;
  /** default TOP_HISTORY_LIMITS.maxRowsPerAgent */
  maxRowsPerAgent?: number;
  /** a write failed (RES: a full or read-only disk): the fault monitor is told; the rows wait for the next flush */
  onWriteError?: (where: string, err: unknown) => void;
}

const DEFAULT_FLUSH_MS = 10_000;
const PRUNE_EVERY_MS = 3_600_000;
/** an agent's open minute is let go once nothing came for it for this long (it is written by then) */
const IDLE_MINUTE_MS = 180_000;

export class TopHistory extends BatchedWriter {
  private readonly minutes = new TopMinutes();

  constructor(private readonly deps: TopHistoryDeps) {
    super(deps.clock, deps.flushIntervalMs ?? DEFAULT_FLUSH_MS, PRUNE_EVERY_MS);
  }

  /** One batch's snapshot (called by ingest once the batch is stored); synchronous and cheap. */
  record(agentId: string, snapshot: Snapshot): void {
    this.minutes.observe(agentId, snapshot, this.deps.clock.now());
  }

  query(agentId: string, q: TopHistoryQuery): TopHistoryResponse {
    this.flush();
    return topHistorySeries(agentId, this.deps.repo.range(agentId, q.from, q.to), q);
  }

  /** A removed server: nothing more is kept for it (its rows go with it: ON DELETE CASCADE). */
  forget(agentId: string): void {
    this.minutes.forget(agentId);
  }

  /** Writes every gathered row in one transaction. A failed write is kept for the next one. */
  override flush(): void {
    const rows = this.minutes.drain(this.deps.clock.now(), IDLE_MINUTE_MS);
    try {
      this.deps.repo.write(rows);
    } catch (e) {
      this.minutes.restore(rows);
      this.deps.logger.error('could not write the process history; trying again at the next flush', { rows: rows.length, err: e });
      this.deps.onWriteError?.('process history', e);
      return;
    }
    try {
      this.pruneHourly();
    } catch (e) {
      this.deps.logger.error('could not prune the process history; trying again in an hour', { err: e });
      this.deps.onWriteError?.('process history prune', e);
    }
  }

  private pruneHourly(): void {
    if (!this.pruneDue()) return;
    const removed = this.deps.repo.prune(
      nowSeconds(this.deps.clock) - (this.deps.retentionS ?? TOP_HISTORY_LIMITS.retentionS),
      this.deps.maxRowsPerAgent ?? TOP_HISTORY_LIMITS.maxRowsPerAgent,
    );
    if (removed > 0) this.deps.logger.info('pruned the process history', { removed });
  }
}
