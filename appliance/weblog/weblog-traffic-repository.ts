// Web log sources' traffic in SQLite (migration 13; S11): each source's live totals, and its top
// tables in hour, day and week buckets (top-merge.ts), removed with the source (ON DELETE
// CASCADE) and pruned by age (docs/bounds.md "web logs").
import type { WeblogTotals, WeblogTopDimension } from '../../contract/weblog-api.js';
import type { WeblogTopEntry } from '../../contract/weblog.js';
import type { Db } from '../db/database.js';
import type { TopTable } from './top-merge.js';

export type TopSpan = 'hour' | 'day' | 'week';

/** One bucket's table to merge into what is stored (read, merge, write in one transaction). */
export interface TopDelta {
  sourceId: string;
  span: TopSpan;
  start: number;
  dimension: WeblogTopDimension;
  table: TopTable;
}

interface TotalsRow {
  source_id: string;
  requests: number;
  bytes: number;
  status: string;
  malformed: number;
  cut: number;
  samples: string;
  problem: string | null;
  last_interval_at: number | null;
}

interface TopRow {
  bucket_start: number;
  floor: number;
  entries: string;
}

export class WeblogTrafficRepository {
  private readonly putTotalsStmt;
  private readonly getTopStmt;
  private readonly putTopStmt;
  private readonly existsStmt;

  constructor(private readonly db: Db) {
    this.putTotalsStmt = db.prepare(
      `INSERT INTO weblog_totals (source_id, requests, bytes, status, malformed, cut, samples, problem, last_interval_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(source_id) DO UPDATE SET requests = excluded.requests, bytes = excluded.bytes, status = excluded.status,
         malformed = excluded.malformed, cut = excluded.cut, samples = excluded.samples, problem = excluded.problem,
         last_interval_at = excluded.last_interval_at`,
    );
    this.getTopStmt = db.prepare<[string, string, string, number], TopRow>(
      'SELECT bucket_start, floor, entries FROM weblog_top WHERE source_id = ? AND span = ? AND dimension = ? AND bucket_start = ?',
    );
    this.putTopStmt = db.prepare(
      `INSERT INTO weblog_top (source_id, span, bucket_start, dimension, floor, entries) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(source_id, span, dimension, bucket_start) DO UPDATE SET floor = excluded.floor, entries = excluded.entries`,
    );
    this.existsStmt = db.prepare<[string], { id: string }>('SELECT id FROM weblog_sources WHERE id = ?');
  }

  /** Every source's stored totals. */
  allTotals(): Map<string, WeblogTotals> {
    const rows = this.db.prepare<[], TotalsRow>('SELECT * FROM weblog_totals').all();
    return new Map(rows.map((r) => [r.source_id, {
      requests: r.requests, bytes: r.bytes, status: JSON.parse(r.status) as Record<string, number>, malformed: r.malformed, cut: r.cut,
      samples: JSON.parse(r.samples) as string[], problem: r.problem, lastIntervalAt: r.last_interval_at,
    }]));
  }

  /**
   * Totals and top deltas in one transaction. `merge` folds a delta into the stored table; a
   * source deleted meanwhile is skipped (its foreign key would refuse the whole transaction).
   */
  save(totals: ReadonlyMap<string, WeblogTotals>, deltas: readonly TopDelta[], merge: (stored: TopTable, delta: TopTable) => TopTable): void {
    this.db.transaction(() => {
      const known = new Map<string, boolean>();
      const exists = (id: string): boolean => {
        let e = known.get(id);
        if (e === undefined) {
          e = this.existsStmt.get(id) !== undefined;
          known.set(id, e);
        }
        return e;
      };
      for (const [id, t] of totals) {
        if (!exists(id)) continue;
        this.putTotalsStmt.run(id, t.requests, t.bytes, JSON.stringify(t.status), t.malformed, t.cut, JSON.stringify(t.samples), t.problem, t.lastIntervalAt);
      }
      for (const d of deltas) {
        if (!exists(d.sourceId)) continue;
        const row = this.getTopStmt.get(d.sourceId, d.span, d.dimension, d.start);
        const stored: TopTable = row ? { floor: row.floor, entries: JSON.parse(row.entries) as WeblogTopEntry[] } : { floor: 0, entries: [] };
        const next = merge(stored, d.table);
        this.putTopStmt.run(d.sourceId, d.span, d.start, d.dimension, next.floor, JSON.stringify(next.entries));
      }
    })();
  }

  /** The stored tables of one source, span and dimension with bucket_start in [from, to]. */
  tops(sourceId: string, span: TopSpan, dimension: WeblogTopDimension, from: number, to: number): (TopTable & { start: number })[] {
    return this.db.prepare<[string, string, string, number, number], TopRow>(
      'SELECT bucket_start, floor, entries FROM weblog_top WHERE source_id = ? AND span = ? AND dimension = ? AND bucket_start >= ? AND bucket_start <= ? ORDER BY bucket_start',
    ).all(sourceId, span, dimension, from, to).map((r) => ({ start: r.bucket_start, floor: r.floor, entries: JSON.parse(r.entries) as WeblogTopEntry[] }));
  }

  /** Removes a span's buckets that start before `beforeS`; returns how many went. */
  prune(span: TopSpan, beforeS: number): number {
    return this.db.prepare('DELETE FROM weblog_top WHERE span = ? AND bucket_start < ?').run(span, beforeS).changes;
  }
}
