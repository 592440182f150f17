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
  /** given by an operator at pre-registration (S4) */
  address: string | null;
  /** pre-registered, and no agent has enrolled under its name yet: it has no secret */
  awaitingAgent: boolean;
}

interface RawRow {
  id: string;
  hostname: string;
  secret_hash: string;
  created_at: number;
  last_seen: number | null;
  interval_s: number | null;
  inventory: string | null;
  address: string | null;
  awaiting_agent: number;
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
    address: r.address,
    awaitingAgent: r.awaiting_agent === 1,
  };
}

export class AgentRepository {
  private readonly insertStmt;
  private readonly byIdStmt;
  private readonly allStmt;
  private readonly countStmt;
  private readonly lastSeenStmt;
  private readonly inventoryStmt;
  private readonly insertAwaitingStmt;
  private readonly awaitingByNameStmt;
  private readonly claimStmt;
  private readonly deleteStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare('INSERT INTO agents (id, hostname, secret_hash, created_at) VALUES (?, ?, ?, ?)');
    this.byIdStmt = db.prepare<[string], RawRow>('SELECT * FROM agents WHERE id = ?');
    this.allStmt = db.prepare<[], RawRow>('SELECT * FROM agents ORDER BY hostname, id');
    this.countStmt = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM agents');
    this.lastSeenStmt = db.prepare('UPDATE agents SET last_seen = ?, interval_s = coalesce(?, interval_s) WHERE id = ?');
    this.inventoryStmt = db.prepare('UPDATE agents SET inventory = ?, hostname = ? WHERE id = ?');
    // an awaiting entry has no secret: '' is no scrypt hash, so nothing can log in with it
    this.insertAwaitingStmt = db.prepare("INSERT INTO agents (id, hostname, secret_hash, created_at, address, awaiting_agent) VALUES (?, ?, '', ?, ?, 1)");
    this.awaitingByNameStmt = db.prepare<[string], RawRow>('SELECT * FROM agents WHERE awaiting_agent = 1 AND hostname = ? COLLATE NOCASE ORDER BY created_at, id LIMIT 1');
    this.claimStmt = db.prepare('UPDATE agents SET secret_hash = ?, awaiting_agent = 0 WHERE id = ? AND awaiting_agent = 1');
    this.deleteStmt = db.prepare('DELETE FROM agents WHERE id = ?');
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

  /** A pre-registered server (S4): listed at once, awaiting the agent that enrolls under `hostname`. */
  insertAwaiting(id: string, hostname: string, address: string, createdAt: number): void {
    this.insertAwaitingStmt.run(id, hostname, createdAt, address);
  }

  /** The oldest pre-registered entry named `hostname` (case-insensitive, as host names are) still awaiting its agent. */
  findAwaiting(hostname: string): AgentRow | null {
    const r = this.awaitingByNameStmt.get(hostname);
    return r ? fromRaw(r) : null;
  }

  /** An enrolling agent takes an awaiting entry; false when another took it first. */
  claim(id: string, secretHash: string): boolean {
    return this.claimStmt.run(secretHash, id).changes === 1;
  }

  /** Removes a server (its group memberships and schedule go with it: ON DELETE CASCADE). */
  delete(id: string): boolean {
    return this.deleteStmt.run(id).changes === 1;
  }
}
