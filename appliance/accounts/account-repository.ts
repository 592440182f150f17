// SQLite storage of users, sessions and API tokens (migration 5, docs/security.md). Plain rows in,
// plain rows out; the rules live in the services that use it. Session ids and tokens are never
// stored, only their SHA-256.
import type { Db } from '../db/database.js';
import type { Role } from './roles.js';

export interface UserRow {
  id: number;
  username: string;
  role: Role;
  password_hash: string;
  totp_secret: string | null;
  disabled: number;
  created_at: number;
  password_changed_at: number;
}

export interface SessionRow {
  id_hash: string;
  user_id: number;
  created_at: number;
  last_seen_at: number;
  address: string | null;
  user_agent: string | null;
}

export interface ApiTokenRow {
  id: number;
  user_id: number;
  name: string;
  role: Role;
  prefix: string;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export class AccountRepository {
  constructor(private readonly db: Db) {}

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // users

  insertUser(u: { username: string; role: Role; passwordHash: string; at: number }): UserRow {
    const info = this.db.prepare('INSERT INTO users (username, role, password_hash, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?)')
      .run(u.username, u.role, u.passwordHash, u.at, u.at);
    return this.userById(Number(info.lastInsertRowid)) as UserRow;
  }
  userById(id: number): UserRow | undefined {
    return this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
  }
  userByName(username: string): UserRow | undefined {
    return this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
  }
  listUsers(): UserRow[] {
    return this.db.prepare('SELECT * FROM users ORDER BY username').all() as UserRow[];
  }
  countActiveAdmins(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled = 0").get() as { n: number }).n;
  }
  setRole(id: number, role: Role): void {
    this.db.prepare('UPDATE users SET role = ? WHERE id = ?').run(role, id);
  }
  setDisabled(id: number, disabled: boolean): void {
    this.db.prepare('UPDATE users SET disabled = ? WHERE id = ?').run(disabled ? 1 : 0, id);
  }
  setPasswordHash(id: number, hash: string, at: number): void {
    this.db.prepare('UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?').run(hash, at, id);
  }
  setTotpSecret(id: number, secret: string | null): void {
    this.db.prepare('UPDATE users SET totp_secret = ? WHERE id = ?').run(secret, id);
  }

  // sessions

  insertSession(s: SessionRow): void {
    this.db.prepare('INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, address, user_agent) VALUES (?, ?, ?, ?, ?, ?)')
      .run(s.id_hash, s.user_id, s.created_at, s.last_seen_at, s.address, s.user_agent);
  }
  sessionByHash(idHash: string): SessionRow | undefined {
    return this.db.prepare('SELECT * FROM sessions WHERE id_hash = ?').get(idHash) as SessionRow | undefined;
  }
  sessionsOf(userId: number): SessionRow[] {
    return this.db.prepare('SELECT * FROM sessions WHERE user_id = ? ORDER BY last_seen_at DESC').all(userId) as SessionRow[];
  }
  touchSession(idHash: string, at: number): void {
    this.db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?').run(at, idHash);
  }
  deleteSession(idHash: string): boolean {
    return this.db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(idHash).changes > 0;
  }
  deleteSessionsOf(userId: number): number {
    return this.db.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId).changes;
  }
  /** removes sessions idle since `idleBefore` or created before `createdBefore` */
  deleteExpiredSessions(idleBefore: number, createdBefore: number): number {
    return this.db.prepare('DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?').run(idleBefore, createdBefore).changes;
  }

  // API tokens

  insertToken(t: Omit<ApiTokenRow, 'id' | 'last_used_at' | 'revoked_at'>): ApiTokenRow {
    const info = this.db.prepare('INSERT INTO api_tokens (user_id, name, role, prefix, token_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(t.user_id, t.name, t.role, t.prefix, t.token_hash, t.created_at);
    return this.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(Number(info.lastInsertRowid)) as ApiTokenRow;
  }
  tokensByPrefix(prefix: string): ApiTokenRow[] {
    return this.db.prepare('SELECT * FROM api_tokens WHERE prefix = ? AND revoked_at IS NULL').all(prefix) as ApiTokenRow[];
  }
  tokensOf(userId: number): ApiTokenRow[] {
    return this.db.prepare('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY id').all(userId) as ApiTokenRow[];
  }
  tokenById(id: number): ApiTokenRow | undefined {
    return this.db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as ApiTokenRow | undefined;
  }
  touchToken(id: number, at: number): void {
    this.db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(at, id);
  }
  revokeToken(id: number, at: number): boolean {
    return this.db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes > 0;
  }
  revokeTokensOf(userId: number, at: number): number {
    return this.db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL').run(at, userId).changes;
  }
}
