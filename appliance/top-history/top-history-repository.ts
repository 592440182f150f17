// The process and user history in SQLite (S18): one row per (agent, minute), written in batches
// (one transaction for everything gathered since the last write), read by range, and pruned by
// age and by rows per agent (TOP_HISTORY_LIMITS). Times are unix seconds.
import type { Db } from '../db/database.js';
import type { TopMinuteData, TopMinuteRow } from './top-minutes.js';

export interface StoredMinute {
  t: number;
  data: TopMinuteData;
}

export class TopHistoryRepository {
  private readonly upsertStmt;
  private readonly rangeStmt;
  private readonly pruneOldStmt;
  private readonly agentsOverStmt;
  private readonly pruneAgentStmt;

  constructor(private readonly db: Db) {
    this.upsertStmt = db.prepare('INSERT INTO top_history (agent_id, t, data) VALUES (?, ?, ?) ON CONFLICT(agent_id, t) DO UPDATE SET data = excluded.data');
    this.rangeStmt = db.prepare<[string, number, number], { t: number; data: string }>('SELECT t, data FROM top_history WHERE agent_id = ? AND t >= ? AND t <= ? ORDER BY t');
    this.pruneOldStmt = db.prepare('DELETE FROM top_history WHERE t < ?');
    this.agentsOverStmt = db.prepare<[number], { agent_id: string }>('SELECT agent_id FROM top_history GROUP BY agent_id HAVING count(*) > ?');
    // the rows older than the agent's newest `max`: the index of the primary key answers it
    this.pruneAgentStmt = db.prepare(
      'DELETE FROM top_history WHERE agent_id = @agent AND t <= (SELECT t FROM top_history WHERE agent_id = @agent ORDER BY t DESC LIMIT 1 OFFSET @max)',
    );
  }

  /** Writes rows in one transaction; a later row of the same minute replaces the stored one. */
  write(rows: readonly TopMinuteRow[]): void {
    if (rows.length === 0) return;
    this.db.transaction(() => {
      for (const r of rows) this.upsertStmt.run(r.agentId, r.t, JSON.stringify(r.data));
    })();
  }

  /** The rows of one agent with from ≤ t ≤ to, oldest first. */
  range(agentId: string, from: number, to: number): StoredMinute[] {
    return this.rangeStmt.all(agentId, from, to).map((r) => ({ t: r.t, data: JSON.parse(r.data) as TopMinuteData }));
  }

  /** Removes rows older than `beforeS` and, per agent, all but the newest `maxRowsPerAgent`; returns how many. */
  prune(beforeS: number, maxRowsPerAgent: number): number {
    let removed = this.pruneOldStmt.run(beforeS).changes;
    for (const { agent_id: agent } of this.agentsOverStmt.all(maxRowsPerAgent)) {
      removed += this.pruneAgentStmt.run({ agent, max: maxRowsPerAgent }).changes;
    }
    return removed;
  }
}
