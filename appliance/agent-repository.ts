// Agents in SQLite: identity (id, host name, secret hash), inventory, last seen. Reads are
// prepared statements; last-seen times are written in batches by the registry, not per message.
import type { Db } from './db/database.js';
import type { Inventory } from '../contract/inventory.js';

export interface AgentRow {
  id: string;
  hostname: string;
  secretHash: string;
  createdAt: number;
  lastSeen: number | null;
  intervalS: number | null;
  inventory: Inventory | null;
}

interface RawRow {
  id: string;
  hostname: string;
  secret_hash: string;
  created_at: number;
  last_seen: number | null;
  interval_s: number | null;
  inventory: string | null;
}

function fromRaw(r: RawRow): AgentRow {
  return {
    id: r.id,
    hostname: r.hostname,
    secretHash: r.secret_hash,
    createdAt: r.created_at,
    lastSeen: r.last_seen,
    intervalS: r.interval_s,
    inventory: r.inventory ? (JSON.parse(r.inventory) as Inventory) : null,
  };
}

export class AgentRepository {
  private readonly insertStmt;
  private readonly byIdStmt;
  private readonly allStmt;
  private readonly countStmt;
  private readonly lastSeenStmt;
  private readonly inventoryStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare('INSERT INTO agents (id, hostname, secret_hash, created_at) VALUES (?, ?, ?, ?)');
    this.byIdStmt = db.prepare<[string], RawRow>('SELECT * FROM agents WHERE id = ?');
    this.allStmt = db.prepare<[], RawRow>('SELECT * FROM agents ORDER BY hostname, id');
    this.countStmt = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM agents');
    this.lastSeenStmt = db.prepare('UPDATE agents SET last_seen = ?, interval_s = coalesce(?, interval_s) WHERE id = ?');
    this.inventoryStmt = db.prepare('UPDATE agents SET inventory = ?, hostname = ? WHERE id = ?');
  }

  insert(id: string, hostname: string, secretHash: string, createdAt: number): void {
    this.insertStmt.run(id, hostname, secretHash, createdAt);
  }

  get(id: string): AgentRow | null {
    const r = this.byIdStmt.get(id);
    return r ? fromRaw(r) : null;
  }

  all(): AgentRow[] {
    return this.allStmt.all().map(fromRaw);
  }

  count(): number {
    return this.countStmt.get()?.n ?? 0;
  }

  /** Writes many last-seen times in one transaction (one fsync for thousands of agents). */
  saveLastSeen(entries: Iterable<{ id: string; lastSeen: number; intervalS: number | null }>): void {
    this.db.transaction(() => {
      for (const e of entries) this.lastSeenStmt.run(e.lastSeen, e.intervalS, e.id);
    })();
  }

  saveInventory(id: string, inventory: Inventory): void {
    this.inventoryStmt.run(JSON.stringify(inventory), inventory.hostname, id);
  }
}
