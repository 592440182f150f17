// Load-balancer pools in SQLite (migration 12; B6): one row per pool, its skew rule as JSON in
// `settings`, its name unique whatever the letter case. The members are the log sources whose
// pool_id names the pool (set through the sources' route, S11); this module only reads them,
// with their agent's name, so that a pool view says which server each member is on.
import { weblogPoolInputSchema, type WeblogPool, type WeblogPoolDefinition } from '../../../contract/weblog-api.js';
import type { Db } from '../../db/database.js';

interface PoolRow {
  id: string;
  name: string;
  settings: string;
  created_at: number;
  updated_at: number;
}

/** A source of a pool, as the pool view and the skew rule read it. */
export interface PoolMemberRow {
  sourceId: string;
  agentId: string;
  /** the display name when the server has one, else its host name */
  host: string;
  weight: number;
}

const POOL_COLUMNS = 'id, name, settings, created_at, updated_at';

export class PoolRepository {
  constructor(private readonly db: Db) {}

  list(): WeblogPool[] {
    return this.db.prepare<[], PoolRow>(`SELECT ${POOL_COLUMNS} FROM weblog_pools ORDER BY name COLLATE NOCASE, id`).all().map(toPool);
  }

  get(id: string): WeblogPool | null {
    const row = this.db.prepare<[string], PoolRow>(`SELECT ${POOL_COLUMNS} FROM weblog_pools WHERE id = ?`).get(id);
    return row ? toPool(row) : null;
  }

  /** The id of the pool of this name (any letter case), null when none. */
  idByName(name: string): string | null {
    return this.db.prepare<[string], { id: string }>('SELECT id FROM weblog_pools WHERE name = ? COLLATE NOCASE').get(name)?.id ?? null;
  }

  count(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM weblog_pools').get()?.n ?? 0;
  }

  insert(id: string, def: WeblogPoolDefinition, nowMs: number): void {
    this.db.prepare('INSERT INTO weblog_pools (id, name, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
      .run(id, def.name, JSON.stringify(settingsOf(def)), nowMs, nowMs);
  }

  update(id: string, def: WeblogPoolDefinition, nowMs: number): boolean {
    return this.db.prepare('UPDATE weblog_pools SET name = ?, settings = ?, updated_at = ? WHERE id = ?')
      .run(def.name, JSON.stringify(settingsOf(def)), nowMs, id).changes > 0;
  }

  /** Removes the pool; its sources stay, outside any pool (ON DELETE SET NULL). */
  delete(id: string): boolean {
    return this.db.prepare('DELETE FROM weblog_pools WHERE id = ?').run(id).changes > 0;
  }

  /** The pool's sources, in a stable order (host, then source id). */
  members(poolId: string): PoolMemberRow[] {
    return this.db.prepare<[string], PoolMemberRow>(`
      SELECT s.id AS sourceId, s.agent_id AS agentId, coalesce(a.display_name, a.hostname, s.agent_id) AS host, s.weight AS weight
      FROM weblog_sources s LEFT JOIN agents a ON a.id = s.agent_id
      WHERE s.pool_id = ? ORDER BY host COLLATE NOCASE, s.id`).all(poolId);
  }
}

function settingsOf(def: WeblogPoolDefinition): Omit<WeblogPoolDefinition, 'name'> {
  return { shareTolerancePct: def.shareTolerancePct, skewMinutes: def.skewMinutes, errorRatioFactor: def.errorRatioFactor };
}

/** Parsed with the contract's schema on the way out: a row of an older version reads as today's shape. */
function toPool(r: PoolRow): WeblogPool {
  const def = weblogPoolInputSchema.parse({ ...(JSON.parse(r.settings) as object), name: r.name });
  return { id: r.id, ...def, createdAt: Math.floor(r.created_at / 1000), updatedAt: Math.floor(r.updated_at / 1000) };
}
