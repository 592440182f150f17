// Web log sources in SQLite (migration 12; S11, B6): one access log on one agent's server, with
// its format, the pool it belongs to and its weight there. A source goes with its agent (ON DELETE
// CASCADE) and leaves its pool when the pool goes (SET NULL). Lists are oldest first, in the
// order of insertion within a second (rowid). Read by the sources' service, the
// ingest of intervals and the pools' screens: list / get / byAgent / byPool.
import type { WeblogSourceDefinition } from '../../contract/weblog-api.js';
import type { Db } from '../db/database.js';

export interface StoredWeblogSource extends WeblogSourceDefinition {
  id: string;
  /** unix s */
  createdAt: number;
}

interface SourceRow {
  id: string;
  agent_id: string;
  path: string;
  format: string;
  interval_s: number;
  keep_query: number;
  from_start: number;
  pool_id: string | null;
  weight: number;
  created_at: number;
}

function toSource(r: SourceRow): StoredWeblogSource {
  return {
    id: r.id, agentId: r.agent_id, path: r.path, format: r.format, intervalS: r.interval_s,
    keepQuery: r.keep_query === 1, fromStart: r.from_start === 1, poolId: r.pool_id, weight: r.weight, createdAt: r.created_at,
  };
}

const COLUMNS = 'id, agent_id, path, format, interval_s, keep_query, from_start, pool_id, weight, created_at';

export class WeblogSourceRepository {
  private readonly listStmt;
  private readonly getStmt;
  private readonly byAgentStmt;
  private readonly byPoolStmt;

  constructor(private readonly db: Db) {
    this.listStmt = db.prepare<[], SourceRow>(`SELECT ${COLUMNS} FROM weblog_sources ORDER BY created_at, rowid`);
    this.getStmt = db.prepare<[string], SourceRow>(`SELECT ${COLUMNS} FROM weblog_sources WHERE id = ?`);
    this.byAgentStmt = db.prepare<[string], SourceRow>(`SELECT ${COLUMNS} FROM weblog_sources WHERE agent_id = ? ORDER BY created_at, rowid`);
    this.byPoolStmt = db.prepare<[string], SourceRow>(`SELECT ${COLUMNS} FROM weblog_sources WHERE pool_id = ? ORDER BY created_at, rowid`);
  }

  /** Every source, oldest first. */
  list(): StoredWeblogSource[] {
    return this.listStmt.all().map(toSource);
  }

  get(id: string): StoredWeblogSource | null {
    const r = this.getStmt.get(id);
    return r ? toSource(r) : null;
  }

  /** The logs one agent follows, oldest first (the order its config lists them in). */
  byAgent(agentId: string): StoredWeblogSource[] {
    return this.byAgentStmt.all(agentId).map(toSource);
  }

  /** The members of a load-balancer pool (B6), oldest first. */
  byPool(poolId: string): StoredWeblogSource[] {
    return this.byPoolStmt.all(poolId).map(toSource);
  }

  poolExists(poolId: string): boolean {
    return this.db.prepare<[string], { id: string }>('SELECT id FROM weblog_pools WHERE id = ?').get(poolId) !== undefined;
  }

  insert(s: StoredWeblogSource): void {
    this.db.prepare(`INSERT INTO weblog_sources (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      s.id, s.agentId, s.path, s.format, s.intervalS, s.keepQuery ? 1 : 0, s.fromStart ? 1 : 0, s.poolId, s.weight, s.createdAt,
    );
  }

  update(s: StoredWeblogSource): void {
    this.db.prepare(
      'UPDATE weblog_sources SET agent_id = ?, path = ?, format = ?, interval_s = ?, keep_query = ?, from_start = ?, pool_id = ?, weight = ? WHERE id = ?',
    ).run(s.agentId, s.path, s.format, s.intervalS, s.keepQuery ? 1 : 0, s.fromStart ? 1 : 0, s.poolId, s.weight, s.id);
  }

  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM weblog_sources WHERE id = ?').run(id).changes > 0;
  }
}
