// Visitor records in SQLite (S15): one row per (server, client address), written in batches (one
// transaction for everything gathered since the last write, never one write per snapshot), and
// the filtered, sorted list the API serves. Times are unix seconds.
import type { Db } from '../db/database.js';
import type { VisitorRecord, VisitorSortKey } from '../../contract/fleet-api.js';
import { mergePorts, type VisitorUpdate } from './visitor-tracker.js';

interface RawRow {
  agent_id: string;
  hostname: string;
  remote: string;
  first_seen: number;
  last_seen: number;
  connections: number;
  local_ports: string;
}

export interface VisitorFilter {
  agentId?: string;
  /** unix s: rows whose last sighting is at or after it */
  from: number;
  /** unix s: rows whose first sighting is at or before it */
  to: number;
  /** substring of the address or the host name */
  q?: string;
  sort: VisitorSortKey;
  descending: boolean;
  limit: number;
}

const SORT_COLUMN: Record<VisitorSortKey, string> = {
  lastSeen: 'v.last_seen',
  firstSeen: 'v.first_seen',
  connections: 'v.connections',
  remote: 'v.remote',
  hostname: 'a.hostname',
};

function portsOf(text: string): number[] {
  return text === '' ? [] : text.split(',').map(Number);
}

function portsText(ports: Iterable<number>): string {
  return [...ports].sort((a, b) => a - b).join(',');
}

/** LIKE pattern matching `q` literally anywhere (\ escapes %, _ and itself). */
function containsPattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class VisitorRepository {
  private readonly getStmt;
  private readonly upsertStmt;
  private readonly deleteAgentStmt;
  private readonly pruneStmt;
  /** query statements by SQL text: a few filter combinations, each prepared once */
  private readonly queries = new Map<string, ReturnType<Db['prepare']>>();

  constructor(private readonly db: Db) {
    this.getStmt = db.prepare<[string, string], { local_ports: string }>('SELECT local_ports FROM visitors WHERE agent_id = ? AND remote = ?');
    this.upsertStmt = db.prepare(
      'INSERT INTO visitors (agent_id, remote, first_seen, last_seen, connections, local_ports) VALUES (?, ?, ?, ?, ?, ?) '
      + 'ON CONFLICT(agent_id, remote) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen), '
      + 'last_seen = max(last_seen, excluded.last_seen), connections = connections + excluded.connections, local_ports = excluded.local_ports',
    );
    this.deleteAgentStmt = db.prepare('DELETE FROM visitors WHERE agent_id = ?');
    this.pruneStmt = db.prepare('DELETE FROM visitors WHERE last_seen < ?');
  }

  /** Writes a batch of updates in one transaction (one fsync for all of them). */
  write(updates: readonly VisitorUpdate[]): void {
    if (updates.length === 0) return;
    this.db.transaction(() => {
      for (const u of updates) {
        const stored = this.getStmt.get(u.agentId, u.remote);
        const ports = stored ? mergePorts(new Set(portsOf(stored.local_ports)), u.localPorts) : u.localPorts;
        this.upsertStmt.run(u.agentId, u.remote, u.firstSeen, u.lastSeen, u.connections, portsText(ports));
      }
    })();
  }

  query(f: VisitorFilter): { total: number; visitors: VisitorRecord[] } {
    const where = ['v.last_seen >= @from', 'v.first_seen <= @to'];
    const params: Record<string, string | number> = { from: f.from, to: f.to, limit: f.limit };
    if (f.agentId !== undefined) {
      where.push('v.agent_id = @agentId');
      params.agentId = f.agentId;
    }
    if (f.q !== undefined && f.q !== '') {
      where.push("(v.remote LIKE @q ESCAPE '\\' OR a.hostname LIKE @q ESCAPE '\\')");
      params.q = containsPattern(f.q);
    }
    const from = `FROM visitors v JOIN agents a ON a.id = v.agent_id WHERE ${where.join(' AND ')}`;
    const dir = f.descending ? 'DESC' : 'ASC';
    // the column comes from a fixed table, never from the request
    const order = `${SORT_COLUMN[f.sort]} ${dir}, v.last_seen DESC, v.agent_id, v.remote`;
    const count = this.prepared(`SELECT count(*) AS n ${from}`).get(params) as { n: number } | undefined;
    const rows = this.prepared(
      `SELECT v.agent_id, a.hostname, v.remote, v.first_seen, v.last_seen, v.connections, v.local_ports ${from} ORDER BY ${order} LIMIT @limit`,
    ).all(params) as RawRow[];
    const total = count?.n ?? 0;
    return {
      total,
      visitors: rows.map((r) => ({
        agentId: r.agent_id, hostname: r.hostname, remote: r.remote, firstSeen: r.first_seen, lastSeen: r.last_seen,
        connections: r.connections, localPorts: portsOf(r.local_ports),
      })),
    };
  }

  private prepared(sql: string): ReturnType<Db['prepare']> {
    let stmt = this.queries.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.queries.set(sql, stmt);
    }
    return stmt;
  }

  deleteAgent(agentId: string): void {
    this.deleteAgentStmt.run(agentId);
  }

  /** Removes records not seen since `beforeS` (unix s); returns how many. */
  prune(beforeS: number): number {
    return this.pruneStmt.run(beforeS).changes;
  }
}
