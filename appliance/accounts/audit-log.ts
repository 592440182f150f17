// The audit log (docs/security.md, "Audit log"): who did what, when, from which address, to what,
// with the state before and after as JSON. Stored in SQLite; queried with filters and paging;
// exported as CSV. Bounded: the newest 100,000 entries and at most 90 days are kept; older ones
// are deleted when the log is opened and after every 1,000 appends.
import type { Clock } from '../../core/clock.js';
import type { Db } from '../db/database.js';
import { csvRecord } from './audit-csv.js';
import type { AuditEntry } from '../../contract/accounts-api.js';

export type { AuditEntry };

export interface AuditRetention {
  maxRows: number;
  maxAgeMs: number;
  /** appends between two rotations */
  rotateEvery: number;
}

export const DEFAULT_AUDIT_RETENTION: AuditRetention = { maxRows: 100_000, maxAgeMs: 90 * 86_400_000, rotateEvery: 1_000 };

export interface AuditEntryInput {
  /** user name, or null for the system and the console tool */
  actor: string | null;
  address?: string | null;
  action: string;
  target?: string | null;
  before?: unknown;
  after?: unknown;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  /** ms since the epoch, inclusive */
  from?: number;
  /** ms since the epoch, exclusive */
  to?: number;
  /** substring of the actor, action, target, address or before/after JSON (case-insensitive) */
  text?: string;
  /** default 100, at most 1,000 */
  limit?: number;
  offset?: number;
}

interface AuditRow {
  id: number;
  at: number;
  actor: string | null;
  address: string | null;
  action: string;
  target: string | null;
  before: string | null;
  after: string | null;
}

const MAX_PAGE = 1_000;

function toEntry(r: AuditRow): AuditEntry {
  return { ...r, before: r.before === null ? null : JSON.parse(r.before) as unknown, after: r.after === null ? null : JSON.parse(r.after) as unknown };
}

function where(q: AuditQuery): { sql: string; params: (string | number)[] } {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  if (q.actor !== undefined) {
    clauses.push('actor = ?');
    params.push(q.actor);
  }
  if (q.action !== undefined) {
    clauses.push('action = ?');
    params.push(q.action);
  }
  if (q.from !== undefined) {
    clauses.push('at >= ?');
    params.push(q.from);
  }
  if (q.to !== undefined) {
    clauses.push('at < ?');
    params.push(q.to);
  }
  if (q.text !== undefined && q.text !== '') {
    const like = `%${q.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    clauses.push(`(${['actor', 'action', 'target', 'address', 'before', 'after'].map((c) => `${c} LIKE ? ESCAPE '\\'`).join(' OR ')})`);
    for (let i = 0; i < 6; i++) params.push(like);
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export class AuditLog {
  readonly #retention: AuditRetention;
  #sinceRotation = 0;

  constructor(private readonly db: Db, private readonly clock: Clock, retention: Partial<AuditRetention> = {}) {
    this.#retention = { ...DEFAULT_AUDIT_RETENTION, ...retention };
    this.rotate();
  }

  append(e: AuditEntryInput): number {
    const json = (v: unknown): string | null => (v === undefined || v === null ? null : JSON.stringify(v));
    const info = this.db.prepare('INSERT INTO audit_log (at, actor, address, action, target, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(this.clock.now(), e.actor, e.address ?? null, e.action, e.target ?? null, json(e.before), json(e.after));
    if (++this.#sinceRotation >= this.#retention.rotateEvery) this.rotate();
    return Number(info.lastInsertRowid);
  }

  /** Newest first. `total` counts every match, for paging. */
  query(q: AuditQuery = {}): { entries: AuditEntry[]; total: number } {
    const { sql, params } = where(q);
    const limit = Math.min(Math.max(1, Math.floor(q.limit ?? 100)), MAX_PAGE);
    const offset = Math.max(0, Math.floor(q.offset ?? 0));
    const rows = this.db.prepare(`SELECT * FROM audit_log ${sql} ORDER BY id DESC LIMIT ? OFFSET ?`).all(...params, limit, offset) as AuditRow[];
    const total = (this.db.prepare(`SELECT count(*) AS n FROM audit_log ${sql}`).get(...params) as { n: number }).n;
    return { entries: rows.map(toEntry), total };
  }

  /** Every match as CSV (header + one record per entry, oldest first), times in ISO 8601 UTC. */
  *csv(q: Omit<AuditQuery, 'limit' | 'offset'> = {}): Generator<string> {
    const { sql, params } = where(q);
    yield csvRecord(['id', 'time', 'actor', 'address', 'action', 'target', 'before', 'after']);
    for (const r of this.db.prepare(`SELECT * FROM audit_log ${sql} ORDER BY id`).iterate(...params) as IterableIterator<AuditRow>) {
      yield csvRecord([r.id, new Date(r.at).toISOString(), r.actor, r.address, r.action, r.target, r.before, r.after]);
    }
  }

  /** Deletes entries as old as the retention age or older and all but the newest `maxRows`; returns how many. */
  rotate(): number {
    this.#sinceRotation = 0;
    const cutoff = this.clock.now() - this.#retention.maxAgeMs;
    return this.db.transaction(() => {
      let n = this.db.prepare('DELETE FROM audit_log WHERE at <= ?').run(cutoff).changes;
      const keepFrom = this.db.prepare('SELECT id FROM audit_log ORDER BY id DESC LIMIT 1 OFFSET ?').get(this.#retention.maxRows - 1) as { id: number } | undefined;
      if (keepFrom) n += this.db.prepare('DELETE FROM audit_log WHERE id < ?').run(keepFrom.id).changes;
      return n;
    })();
  }
}
