// API tokens (docs/security.md, "API tokens"): `rw_<id>_<secret>`, where <id> is 8 random
// base64url characters stored in clear to find the row and <secret> is 32 random bytes. The token
// is shown once, when it is made; the database keeps its SHA-256. A token carries a role no higher
// than its creator's, records when it was last used (written at most once a minute), and can be
// revoked; disabling the user makes all their tokens fail.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { RwError } from '../../contract/errors.js';
import type { Clock } from '../../core/clock.js';
import type { AccountRepository, ApiTokenRow, UserRow } from './account-repository.js';
import { roleAtMost, type Role } from './roles.js';
import type { ApiTokenInfo } from '../../contract/accounts-api.js';

export type { ApiTokenInfo };

const TOKEN_RE = /^rw_([A-Za-z0-9_-]{8})_([A-Za-z0-9_-]{43})$/;
const TOUCH_EVERY_MS = 60_000;

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function info(r: ApiTokenRow): ApiTokenInfo {
  return { id: r.id, name: r.name, role: r.role, prefix: `rw_${r.prefix}`, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at };
}

export class ApiTokens {
  /** onWriteError: the last-use time could not be written (RES: a full disk); the token still works */
  constructor(private readonly repo: AccountRepository, private readonly clock: Clock, private readonly onWriteError?: (where: string, err: unknown) => void) {}

  /** Makes a token for `creator` with `role` (at most the creator's); returns it in clear, once. */
  create(creator: UserRow, name: string, role: Role): { token: string; info: ApiTokenInfo } {
    if (creator.disabled) throw new RwError('RW_ERR_FORBIDDEN', 'a disabled user cannot create tokens');
    if (!roleAtMost(role, creator.role)) {
      throw new RwError('RW_ERR_FORBIDDEN', `a ${creator.role} cannot create a token with the ${role} role: choose ${creator.role} or lower`);
    }
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > 100) throw new RwError('RW_ERR_VALIDATION', 'name: give the token a name of 1 to 100 characters');
    const prefix = randomBytes(6).toString('base64url');
    const token = `rw_${prefix}_${randomBytes(32).toString('base64url')}`;
    const row = this.repo.insertToken({
      user_id: creator.id, name: trimmed, role, prefix, token_hash: digest(token).toString('hex'), created_at: this.clock.now(),
    });
    return { token, info: info(row) };
  }

  /** The token's owner and role, or null. Rows are found by the clear id; each candidate's hash is
   * compared in constant time. */
  authenticate(token: string): { user: UserRow; role: Role; tokenId: number } | null {
    const m = TOKEN_RE.exec(token);
    if (!m) return null;
    const presented = digest(token);
    for (const row of this.repo.tokensByPrefix(m[1] as string)) {
      const stored = Buffer.from(row.token_hash, 'hex');
      if (stored.length !== presented.length || !timingSafeEqual(stored, presented)) continue;
      const user = this.repo.userById(row.user_id);
      if (!user || user.disabled) return null;
      const now = this.clock.now();
      if (row.last_used_at === null || now - row.last_used_at >= TOUCH_EVERY_MS) {
        try {
          this.repo.touchToken(row.id, now);
        } catch (e) {
          // bookkeeping: a full or read-only disk must not lock the administrator out (RES)
          if (!this.onWriteError) throw e;
          this.onWriteError('api token last use', e);
        }
      }
      // the owner may have been demoted since: the token never outranks them
      const role = roleAtMost(row.role, user.role) ? row.role : user.role;
      return { user, role, tokenId: row.id };
    }
    return null;
  }

  list(userId: number): ApiTokenInfo[] {
    return this.repo.tokensOf(userId).map(info);
  }

  /** Revokes one of the user's tokens (an admin may revoke anyone's: pass `asAdmin`). */
  revoke(userId: number, tokenId: number, asAdmin = false): boolean {
    const row = this.repo.tokenById(tokenId);
    if (!row || (row.user_id !== userId && !asAdmin)) return false;
    return this.repo.revokeToken(tokenId, this.clock.now());
  }
}
