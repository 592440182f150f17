// Server-side sessions (docs/security.md, "Sessions"). The browser holds a random 256-bit id; the
// database holds only its SHA-256, so a copy of the database opens no session. A session ends
// after 30 min without use (idle) or 12 h after sign-in (absolute), whichever comes first, or when
// it is revoked (signed out, ended from the session list, password changed, user disabled).
// `authenticate` updates last-seen at most once a minute per session, so a page that polls does
// not write SQLite on every request; the idle timeout is therefore exact to within that minute.
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import type { AccountRepository, SessionRow, UserRow } from './account-repository.js';
import type { SessionInfo } from '../../contract/accounts-api.js';

export type { SessionInfo };

export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
  /** last-seen is written at most this often per session */
  touchEveryMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000, touchEveryMs: 60_000 };

export function hashSessionId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

export class SessionStore {
  readonly #limits: SessionLimits;

  /** onWriteError: a session's last-use time could not be written (RES: a full disk); the session still works */
  constructor(
    private readonly repo: AccountRepository, private readonly clock: Clock, limits: Partial<SessionLimits> = {},
    private readonly onWriteError?: (where: string, err: unknown) => void,
  ) {
    this.#limits = { ...DEFAULT_SESSION_LIMITS, ...limits };
  }

  get limits(): SessionLimits {
    return this.#limits;
  }

  /** Starts a session; the returned id goes into the cookie and is never stored. */
  create(userId: number, from: { address?: string; userAgent?: string } = {}): string {
    const id = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    this.repo.insertSession({
      id_hash: hashSessionId(id), user_id: userId, created_at: now, last_seen_at: now,
      address: from.address ?? null, user_agent: from.userAgent?.slice(0, 200) ?? null,
    });
    return id;
  }

  /** The signed-in user of a live session, or null (unknown, expired, ended, user disabled).
   * `touch: false` checks without counting it as use. */
  authenticate(id: string, { touch = true }: { touch?: boolean } = {}): { user: UserRow; session: SessionRow } | null {
    const idHash = hashSessionId(id);
    const session = this.repo.sessionByHash(idHash);
    if (!session) return null;
    const now = this.clock.now();
    if (this.#expired(session, now)) {
      this.repo.deleteSession(idHash);
      return null;
    }
    const user = this.repo.userById(session.user_id);
    if (!user || user.disabled) {
      this.repo.deleteSession(idHash);
      return null;
    }
    if (touch && now - session.last_seen_at >= this.#limits.touchEveryMs) {
      try {
        this.repo.touchSession(idHash, now);
        session.last_seen_at = now;
      } catch (e) {
        // bookkeeping: a full or read-only disk must not sign everyone out (RES)
        if (!this.onWriteError) throw e;
        this.onWriteError('session last use', e);
      }
    }
    return { user, session };
  }

  /** Signs out: ends the session with this id. */
  end(id: string): boolean {
    return this.repo.deleteSession(hashSessionId(id));
  }

  /** The live sessions of one user, the one with `currentId` marked. */
  list(userId: number, currentId?: string): SessionInfo[] {
    const now = this.clock.now();
    const currentHash = currentId === undefined ? undefined : hashSessionId(currentId);
    return this.repo.sessionsOf(userId).filter((s) => !this.#expired(s, now)).map((s) => ({
      handle: s.id_hash.slice(0, 16), createdAt: s.created_at, lastSeenAt: s.last_seen_at,
      address: s.address, userAgent: s.user_agent, current: s.id_hash === currentHash,
    }));
  }

  /** Ends one of the user's own sessions by its handle; another user's session is not found. */
  endByHandle(userId: number, handle: string): boolean {
    if (!/^[0-9a-f]{16}$/.test(handle)) return false;
    const match = this.repo.sessionsOf(userId).find((s) => s.id_hash.startsWith(handle));
    return match ? this.repo.deleteSession(match.id_hash) : false;
  }

  /** Ends every session of the user (password change, disable, role change). */
  endAllOf(userId: number): number {
    return this.repo.deleteSessionsOf(userId);
  }

  /** Deletes expired rows; run now and then (expired sessions are refused whether swept or not). */
  sweep(): number {
    const now = this.clock.now();
    return this.repo.deleteExpiredSessions(now - this.#limits.idleMs, now - this.#limits.absoluteMs);
  }

  #expired(s: SessionRow, now: number): boolean {
    return now - s.last_seen_at >= this.#limits.idleMs || now - s.created_at >= this.#limits.absoluteMs;
  }
}
