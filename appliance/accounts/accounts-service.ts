// Accounts (docs/security.md): sign-in (password, optional TOTP, throttled), the first admin from
// the setup code, and the administration of users by an admin. Every change is written to the
// audit log with who, from where, and the state before and after. Ending sessions follows the
// rule "a change of password, role or status ends every session of that user".
import { RwError } from '../../contract/errors.js';
import type { Clock } from '../../core/clock.js';
import type { AccountRepository, UserRow } from './account-repository.js';
import type { AuditLog } from './audit-log.js';
import type { AttemptGuard } from './attempt-guard.js';

export { ThrottledError } from './attempt-guard.js';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from './password-hash.js';
import { checkPassword } from './password-policy.js';
import { isRole, type Role } from './roles.js';
import type { SessionStore } from './session-store.js';
import { deleteSetupCode, setupCodeMatches } from './setup-code.js';
import type { Totp, TotpEnrolment } from './totp.js';
import type { PublicUser } from '../../contract/accounts-api.js';

export type { PublicUser };

export const USERNAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** Who acts, and from where: a signed-in user, or null for the console tool and the system. */
export interface Actor {
  user: UserRow | null;
  address: string | null;
}

export function publicUser(u: UserRow): PublicUser {
  return { id: u.id, username: u.username, role: u.role, disabled: u.disabled !== 0, totp: u.totp_secret !== null, createdAt: u.created_at };
}

export interface AccountsDeps {
  repo: AccountRepository;
  sessions: SessionStore;
  audit: AuditLog;
  /** the sign-in and setup-code throttle */
  guard: AttemptGuard;
  totp: Totp;
  clock: Clock;
  /** where the setup code lives */
  dataDir: string;
  /** a run of failures just locked these throttle keys (`addr:…`, `user:…`, `setup-code`): raise an alert */
  onLockout?: (keys: string[], address: string | null) => void;
}

export interface LoginRequest {
  username: string;
  password: string;
  totpCode?: string;
  address: string;
  userAgent?: string;
}

export class AccountsService {
  constructor(private readonly deps: AccountsDeps) {}

  adminExists(): boolean {
    return this.deps.repo.countActiveAdmins() > 0;
  }

  /** Signs in; returns the new session id (for the cookie). Throttled per address and per account. */
  async login(req: LoginRequest): Promise<{ sessionId: string; user: PublicUser }> {
    const { repo, guard, audit } = this.deps;
    const keys = [`addr:${req.address}`, `user:${req.username.toLowerCase()}`];
    this.deps.guard.admit(keys, req.address);
    const user = repo.userByName(req.username);
    // an unknown user costs the same scrypt as a known one, so timing does not tell them apart
    const ok = await verifyPassword(req.password, user?.password_hash ?? await dummyHash());
    if (!user || !ok || user.disabled) {
      audit.append({ actor: req.username.slice(0, 64), address: req.address, action: 'login.failed', target: null });
      throw new RwError('RW_ERR_LOGIN');
    }
    if (user.totp_secret !== null) {
      if (req.totpCode === undefined || !this.deps.totp.verify(user.totp_secret, req.totpCode, `user:${user.id}`)) {
        audit.append({ actor: user.username, address: req.address, action: 'login.totp_failed', target: null });
        throw new RwError('RW_ERR_TOTP', req.totpCode === undefined ? 'this account needs the one-time code from its authenticator app' : undefined);
      }
    }
    guard.succeeded(keys);
    if (needsRehash(user.password_hash)) repo.setPasswordHash(user.id, await hashPassword(req.password), user.password_changed_at);
    const sessionId = this.deps.sessions.create(user.id, { address: req.address, ...(req.userAgent ? { userAgent: req.userAgent } : {}) });
    audit.append({ actor: user.username, address: req.address, action: 'login', target: null });
    return { sessionId, user: publicUser(user) };
  }

  logout(actor: Actor, sessionId: string): void {
    if (this.deps.sessions.end(sessionId)) this.deps.audit.append({ actor: actor.user?.username ?? null, address: actor.address, action: 'logout' });
  }

  /** Creates the first admin with the setup code, which then stops working. */
  async completeSetup(req: { code: string; username: string; password: string; address: string }): Promise<PublicUser> {
    const keys = [`addr:${req.address}`, 'setup-code'];
    this.deps.guard.admit(keys, req.address);
    if (this.adminExists() || !setupCodeMatches(this.deps.dataDir, req.code)) {
      this.deps.audit.append({ actor: null, address: req.address, action: 'setup.failed' });
      throw new RwError('RW_ERR_SETUP_CODE');
    }
    // the right code: a weak password refused below is not a guess
    this.deps.guard.succeeded(keys);
    const user = await this.#create({ user: null, address: req.address }, req.username, 'admin', req.password, 'setup.completed');
    deleteSetupCode(this.deps.dataDir);
    return user;
  }

  async createUser(actor: Actor, username: string, role: Role, password: string): Promise<PublicUser> {
    this.#requireAdmin(actor);
    return this.#create(actor, username, role, password, 'user.created');
  }

  listUsers(actor: Actor): PublicUser[] {
    this.#requireAdmin(actor);
    return this.deps.repo.listUsers().map(publicUser);
  }

  changeRole(actor: Actor, userId: number, role: Role): PublicUser {
    this.#requireAdmin(actor);
    if (!isRole(role)) throw new RwError('RW_ERR_VALIDATION', 'role: must be admin, operator or viewer');
    const before = this.#user(userId);
    if (before.role === role) return publicUser(before);
    this.#keepOneAdmin(before, { role });
    this.deps.repo.transaction(() => {
      this.deps.repo.setRole(userId, role);
      this.deps.sessions.endAllOf(userId);
    });
    const after = this.#user(userId);
    this.#audit(actor, 'user.role_changed', before, after);
    return publicUser(after);
  }

  setDisabled(actor: Actor, userId: number, disabled: boolean): PublicUser {
    this.#requireAdmin(actor);
    const before = this.#user(userId);
    if (disabled) this.#keepOneAdmin(before, { disabled: true });
    this.deps.repo.transaction(() => {
      this.deps.repo.setDisabled(userId, disabled);
      if (disabled) this.deps.sessions.endAllOf(userId);
    });
    const after = this.#user(userId);
    this.#audit(actor, disabled ? 'user.disabled' : 'user.enabled', before, after);
    return publicUser(after);
  }

  /** An admin (or the console tool, actor.user null) sets a new password; every session of the user ends. */
  async resetPassword(actor: Actor, userId: number, newPassword: string): Promise<void> {
    if (actor.user !== null) this.#requireAdmin(actor);
    const user = this.#user(userId);
    checkPassword(newPassword, user.username);
    await this.#setPassword(user, newPassword);
    this.#audit(actor, 'user.password_reset', publicUser(user), null);
  }

  /** A user changes their own password (the current one is required); every session of theirs ends,
   * including this one: sign in again. */
  async changeOwnPassword(actor: Actor & { user: UserRow }, current: string, newPassword: string): Promise<void> {
    const user = this.#user(actor.user.id);
    const keys = [`user:${user.username.toLowerCase()}`];
    this.deps.guard.admit(keys, actor.address);
    if (!(await verifyPassword(current, user.password_hash))) throw new RwError('RW_ERR_LOGIN', 'the current password is wrong');
    this.deps.guard.succeeded(keys);
    checkPassword(newPassword, user.username);
    await this.#setPassword(user, newPassword);
    this.#audit(actor, 'user.password_changed', null, null, user.username);
  }

  /** Starts TOTP enrolment: show the secret and URI; nothing is stored until `confirmTotp`. */
  beginTotp(actor: Actor & { user: UserRow }): TotpEnrolment {
    return this.deps.totp.enrol(actor.user.username);
  }

  /** Turns TOTP on once the user proves their app makes the right codes. */
  confirmTotp(actor: Actor & { user: UserRow }, secret: string, code: string): void {
    if (!this.deps.totp.verify(secret, code)) throw new RwError('RW_ERR_TOTP');
    this.deps.repo.setTotpSecret(actor.user.id, secret);
    this.#audit(actor, 'user.totp_enabled', null, null, actor.user.username);
  }

  /** An admin turns off a user's TOTP (lost phone). */
  clearTotp(actor: Actor, userId: number): void {
    if (actor.user !== null) this.#requireAdmin(actor);
    const user = this.#user(userId);
    this.deps.repo.setTotpSecret(userId, null);
    this.#audit(actor, 'user.totp_cleared', null, null, user.username);
  }

  async #create(actor: Actor, username: string, role: Role, password: string, action: string): Promise<PublicUser> {
    if (!USERNAME_RE.test(username)) throw new RwError('RW_ERR_VALIDATION', 'username: 1 to 64 letters, digits and . _ @ -, starting with a letter or digit');
    if (!isRole(role)) throw new RwError('RW_ERR_VALIDATION', 'role: must be admin, operator or viewer');
    checkPassword(password, username);
    if (this.deps.repo.userByName(username)) throw new RwError('RW_ERR_CONFLICT', `a user named "${username}" already exists`);
    const hash = await hashPassword(password);
    // checked again after the await: two requests may race
    if (this.deps.repo.userByName(username)) throw new RwError('RW_ERR_CONFLICT', `a user named "${username}" already exists`);
    const row = this.deps.repo.insertUser({ username, role, passwordHash: hash, at: this.deps.clock.now() });
    this.#audit(actor, action, null, row);
    return publicUser(row);
  }

  async #setPassword(user: UserRow, password: string): Promise<void> {
    const hash = await hashPassword(password);
    this.deps.repo.transaction(() => {
      this.deps.repo.setPasswordHash(user.id, hash, this.deps.clock.now());
      this.deps.sessions.endAllOf(user.id);
    });
  }

  #requireAdmin(actor: Actor): void {
    if (actor.user === null) return; // the console tool on the box
    if (actor.user.role !== 'admin' || actor.user.disabled) throw new RwError('RW_ERR_FORBIDDEN', 'only an admin can manage users');
  }

  #keepOneAdmin(user: UserRow, change: { role?: Role; disabled?: boolean }): void {
    const losesAdmin = user.role === 'admin' && !user.disabled && (change.disabled === true || (change.role !== undefined && change.role !== 'admin'));
    if (losesAdmin && this.deps.repo.countActiveAdmins() <= 1) {
      throw new RwError('RW_ERR_CONFLICT', 'this is the last active admin: make another user admin first');
    }
  }

  #user(id: number): UserRow {
    const u = this.deps.repo.userById(id);
    if (!u) throw new RwError('RW_ERR_NOT_FOUND', `no user with id ${id}`);
    return u;
  }

  #audit(actor: Actor, action: string, before: UserRow | PublicUser | null, after: UserRow | null, target?: string): void {
    const strip = (u: UserRow | PublicUser | null): PublicUser | null => (u === null ? null : 'password_hash' in u ? publicUser(u) : u);
    this.deps.audit.append({
      actor: actor.user?.username ?? null, address: actor.address, action,
      target: target ?? after?.username ?? before?.username ?? null, before: strip(before), after: strip(after),
    });
  }
}
