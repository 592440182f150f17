// The accounts feature (SEC; docs/security.md): users, sessions, API tokens, the audit log and the
// sign-in throttle over the appliance's SQLite database, built once by the composition root. At
// start it makes the one-time setup code while no admin exists (printed in the log only when it
// is made; the console tool shows it again), and sweeps expired sessions every few minutes.
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../db/database.js';
import type { Authenticator, Principal } from '../http/access-control.js';
import { AccountRepository } from './account-repository.js';
import { AccountsService } from './accounts-service.js';
import { ApiTokens } from './api-tokens.js';
import { AuditLog } from './audit-log.js';
import { DeployGrants } from './deploy-grants.js';
import { LoginThrottle, type ThrottleLimits } from './login-throttle.js';
import { AttemptGuard, type Lockout } from './attempt-guard.js';
import { SessionStore, type SessionLimits } from './session-store.js';
import { ensureSetupCode } from './setup-code.js';
import { Totp } from './totp.js';
import type { AccountRoutesDeps } from './routes.js';

const SWEEP_EVERY_MS = 5 * 60_000;
/** per agent id and per address: 20 free failures, a lock at 100 (a success from the address clears its count) */
export const MQTT_THROTTLE: Partial<ThrottleLimits> = { freeFailures: 20, lockAfterFailures: 100 };

export interface AccountsFeatureDeps {
  db: Db;
  dataDir: string;
  clock: Clock;
  logger: Logger;
  sessionLimits?: Partial<SessionLimits>;
  /** failures locked a throttle key: the alerting feature raises an info alert */
  onLockout?: (lock: Lockout) => void;
  /** a bookkeeping write (session and token last use, the session sweep) failed: RES, the fault monitor */
  onWriteError?: (where: string, err: unknown) => void;
}

export class AccountsFeature {
  readonly repo: AccountRepository;
  readonly sessions: SessionStore;
  readonly audit: AuditLog;
  readonly throttle: LoginThrottle;
  readonly tokens: ApiTokens;
  readonly service: AccountsService;
  /** S17: the deploy right granted per group of servers */
  readonly deployGrants: DeployGrants;
  #sweep: NodeJS.Timeout | null = null;

  constructor(private readonly deps: AccountsFeatureDeps) {
    const { db, clock, dataDir } = deps;
    this.repo = new AccountRepository(db);
    this.sessions = new SessionStore(this.repo, clock, deps.sessionLimits, deps.onWriteError);
    this.audit = new AuditLog(db, clock);
    this.throttle = new LoginThrottle(clock);
    this.tokens = new ApiTokens(this.repo, clock, deps.onWriteError);
    this.deployGrants = new DeployGrants(db);
    this.service = new AccountsService({
      repo: this.repo, sessions: this.sessions, audit: this.audit, guard: this.guard('login'), totp: new Totp(clock), clock, dataDir,
    });
  }

  start(): void {
    const setup = ensureSetupCode(this.deps.dataDir, this.service.adminExists());
    if (setup?.created) {
      this.deps.logger.info(`no admin account yet: open the web UI and enter the one-time setup code ${setup.code} (shown again by: rackwatch setup-code --data-dir DIR)`);
    } else if (setup) {
      this.deps.logger.info('no admin account yet: open the web UI and enter the setup code (rackwatch setup-code --data-dir DIR shows it)');
    }
    this.sessions.sweep();
    this.#sweep = setInterval(() => {
      try {
        this.sessions.sweep();
      } catch (e) {
        // a timer's error must not end the process (RES); expired sessions are refused swept or not
        this.deps.logger.error('session sweep failed', { err: e });
        this.deps.onWriteError?.('session sweep', e);
      }
    }, SWEEP_EVERY_MS);
    this.#sweep.unref();
  }

  stop(): void {
    if (this.#sweep) clearInterval(this.#sweep);
    this.#sweep = null;
  }

  /** Who a session cookie or an API token belongs to, for the HTTP layer's access check. */
  /**
   * A guard for one kind of secret, with its own throttle (a flood of bad agent secrets must not
   * lock people out of signing in). MQTT allows more failures per address than a person gets: many
   * agents may share one address, and one of them with a revoked secret must not lock the others.
   */
  guard(kind: 'login' | 'enroll' | 'mqtt'): AttemptGuard {
    const limits: Partial<ThrottleLimits> = kind === 'mqtt' ? MQTT_THROTTLE : {};
    return new AttemptGuard(kind, kind === 'login' ? this.throttle : new LoginThrottle(this.deps.clock, limits), this.audit, (lock) => {
      this.deps.logger.warn(`${kind}: locked after repeated failures`, { keys: lock.keys, address: lock.address });
      this.deps.onLockout?.(lock);
    });
  }

  authenticator(): Authenticator {
    return {
      session: (id, opts): Principal | null => {
        const found = this.sessions.authenticate(id, opts);
        return found ? { userId: found.user.id, username: found.user.username, role: found.user.role, via: 'session', sessionId: id, deployGroupIds: this.deployGrants.groupsOf(found.user.id) } : null;
      },
      token: (token): Principal | null => {
        const found = this.tokens.authenticate(token);
        if (!found) return null;
        // a token made with a lower role than its owner's is meant to do less: no deploy grant (S17)
        const deployGroupIds = found.role === found.user.role ? this.deployGrants.groupsOf(found.user.id) : [];
        return { userId: found.user.id, username: found.user.username, role: found.role, via: 'token', tokenId: found.tokenId, deployGroupIds };
      },
    };
  }

  routeDeps(): AccountRoutesDeps {
    return { accounts: this.service, repo: this.repo, sessions: this.sessions, tokens: this.tokens, audit: this.audit, deployGrants: this.deployGrants };
  }
}
