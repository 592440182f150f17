// Agents in SQLite: identity (id, host name, secret hash), inventory, last seen. Reads are
// prepared statements; last-seen times are written in batches by the registry, not per message.
import type { Db } from '../db/database.js';
import type { Inventory } from '../../contract/inventory.js';
import type { AgentSnapshot } from '../../contract/fleet-api.js';

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
  /** an operator's name for the server (S4), shown where its host name is; null: none */
  displayName: string | null;
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
  display_name: string | null;
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
    displayName: r.display_name,
  };
}

/** What lists of servers need: an agent row without its secret hash and inventory. */
export type AgentListing = Omit<AgentRow, 'secretHash' | 'inventory'>;

type RawListing = Omit<RawRow, 'secret_hash' | 'inventory'>;

function listingOf(r: RawListing): AgentListing {
  return {
    id: r.id, hostname: r.hostname, createdAt: r.created_at, lastSeen: r.last_seen, intervalS: r.interval_s,
    address: r.address, awaitingAgent: r.awaiting_agent === 1, displayName: r.display_name,
  };
}

export class AgentRepository {
  /**
   * Every agent's listing, kept in memory and written through: the alert engine checks for
   * silent agents every 2 s and the UI lists servers often, and reading 10,000 rows (with their
   * inventories' JSON) from SQLite each time cost ~7 % of the ingest CPU (scripts/bench/ingest.ts
   * profile). Every write to the agents table goes through this class.
   */
  private roster: Map<string, AgentListing> | null = null;
  private sorted: AgentListing[] | null = null;
  private readonly listingStmt;
  private readonly insertStmt;
  private readonly byIdStmt;
  private readonly countStmt;
  private readonly lastSeenStmt;
  private readonly inventoryStmt;
  private readonly insertAwaitingStmt;
  private readonly awaitingByNameStmt;
  private readonly claimStmt;
  private readonly deleteStmt;
  private readonly renameStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare('INSERT INTO agents (id, hostname, secret_hash, created_at) VALUES (?, ?, ?, ?)');
    this.byIdStmt = db.prepare<[string], RawRow>('SELECT * FROM agents WHERE id = ?');
    this.countStmt = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM agents');
    this.lastSeenStmt = db.prepare('UPDATE agents SET last_seen = ?, interval_s = coalesce(?, interval_s) WHERE id = ?');
    this.inventoryStmt = db.prepare('UPDATE agents SET inventory = ?, hostname = ? WHERE id = ?');
    // an awaiting entry has no secret: '' is no scrypt hash, so nothing can log in with it
    this.insertAwaitingStmt = db.prepare("INSERT INTO agents (id, hostname, secret_hash, created_at, address, awaiting_agent) VALUES (?, ?, '', ?, ?, 1)");
    this.awaitingByNameStmt = db.prepare<[string], RawRow>('SELECT * FROM agents WHERE awaiting_agent = 1 AND hostname = ? COLLATE NOCASE ORDER BY created_at, id LIMIT 1');
    this.claimStmt = db.prepare('UPDATE agents SET secret_hash = ?, awaiting_agent = 0 WHERE id = ? AND awaiting_agent = 1');
    this.deleteStmt = db.prepare('DELETE FROM agents WHERE id = ?');
    this.renameStmt = db.prepare('UPDATE agents SET display_name = ? WHERE id = ?');
    this.listingStmt = db.prepare<[string], RawListing>(
      'SELECT id, hostname, created_at, last_seen, interval_s, address, awaiting_agent, display_name FROM agents WHERE id = ?');
  }

  private loadRoster(): Map<string, AgentListing> {
    if (!this.roster) {
      const rows = this.db.prepare<[], RawListing>('SELECT id, hostname, created_at, last_seen, interval_s, address, awaiting_agent, display_name FROM agents').all();
      this.roster = new Map(rows.map((r) => [r.id, listingOf(r)]));
    }
    return this.roster;
  }

  /**
   * Forgets the listings held in memory, read again on next use: the agents table was written
   * behind this repository (the standby's configuration copy, S13 B4, docs/standby.md).
   */
  reload(): void {
    this.roster = null;
    this.sorted = null;
  }

  /** Re-reads one agent's listing after a write (or drops it when the row is gone). */
  private refresh(id: string): void {
    if (!this.roster) return;
    const r = this.listingStmt.get(id);
    if (r) this.roster.set(id, listingOf(r));
    else this.roster.delete(id);
    this.sorted = null;
  }

  /** Every agent, by host name then id, without secrets and inventories; from memory. */
  listings(): readonly AgentListing[] {
    if (!this.sorted) {
      this.sorted = [...this.loadRoster().values()].sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    return this.sorted;
  }

  /** The listing of one agent, from memory. */
  listing(id: string): AgentListing | null {
    return this.loadRoster().get(id) ?? null;
  }

  insert(id: string, hostname: string, secretHash: string, createdAt: number): void {
    this.insertStmt.run(id, hostname, secretHash, createdAt);
    this.refresh(id);
  }

  get(id: string): AgentRow | null {
    const r = this.byIdStmt.get(id);
    return r ? fromRaw(r) : null;
  }

  count(): number {
    return this.countStmt.get()?.n ?? 0;
  }

  /** Writes many last-seen times in one transaction (one fsync for thousands of agents). */
  saveLastSeen(entries: readonly { id: string; lastSeen: number; intervalS: number | null }[]): void {
    this.db.transaction(() => {
      for (const e of entries) this.lastSeenStmt.run(e.lastSeen, e.intervalS, e.id);
    })();
    if (!this.roster) return;
    for (const e of entries) {
      const row = this.roster.get(e.id);
      // listings are shared with callers: replaced, not changed in place
      if (row) this.roster.set(e.id, { ...row, lastSeen: e.lastSeen, intervalS: e.intervalS ?? row.intervalS });
    }
    this.sorted = null;
  }

  /** Each agent's latest snapshot, replacing the one kept (S1, S15); JSON already bounded by the caller. */
  saveSnapshots(entries: readonly { id: string; json: string; atMs: number }[]): void {
    const stmt = this.db.prepare('INSERT INTO agent_snapshots (agent_id, snapshot, saved_at) VALUES (?, ?, ?) ON CONFLICT(agent_id) DO UPDATE SET snapshot = excluded.snapshot, saved_at = excluded.saved_at');
    this.db.transaction(() => {
      for (const e of entries) stmt.run(e.id, e.json, e.atMs);
    })();
  }

  /** The snapshot kept for an agent (null: none, or unreadable). */
  loadSnapshot(id: string): AgentSnapshot | null {
    const row = this.db.prepare<[string], { snapshot: string }>('SELECT snapshot FROM agent_snapshots WHERE agent_id = ?').get(id);
    if (!row) return null;
    try {
      return JSON.parse(row.snapshot) as AgentSnapshot;
    } catch {
      return null;
    }
  }

  saveInventory(id: string, inventory: Inventory): void {
    this.inventoryStmt.run(JSON.stringify(inventory), inventory.hostname, id);
    this.refresh(id);
  }

  /** A pre-registered server (S4): listed at once, awaiting the agent that enrolls under `hostname`. */
  insertAwaiting(id: string, hostname: string, address: string, createdAt: number): void {
    this.insertAwaitingStmt.run(id, hostname, createdAt, address);
    this.refresh(id);
  }

  /** The oldest pre-registered entry named `hostname` (case-insensitive, as host names are) still awaiting its agent. */
  findAwaiting(hostname: string): AgentRow | null {
    const r = this.awaitingByNameStmt.get(hostname);
    return r ? fromRaw(r) : null;
  }

  /** An enrolling agent takes an awaiting entry; false when another took it first. */
  claim(id: string, secretHash: string): boolean {
    const claimed = this.claimStmt.run(secretHash, id).changes === 1;
    this.refresh(id);
    return claimed;
  }

  /** Gives a server a display name (S4), or takes it away (null); false when there is no such server. */
  rename(id: string, displayName: string | null): boolean {
    const changed = this.renameStmt.run(displayName, id).changes === 1;
    this.refresh(id);
    return changed;
  }

  /** Removes a server (its group memberships and schedule go with it: ON DELETE CASCADE). */
  delete(id: string): boolean {
    const deleted = this.deleteStmt.run(id).changes === 1;
    this.refresh(id);
    return deleted;
  }
}
