// Builds the accounts core on a real SQLite file in a temporary data dir, with a virtual clock.
import path from 'node:path';
import { AccountRepository } from '../../../appliance/accounts/account-repository.js';
import { AccountsService, type Actor } from '../../../appliance/accounts/accounts-service.js';
import { ApiTokens } from '../../../appliance/accounts/api-tokens.js';
import { AuditLog, type AuditRetention } from '../../../appliance/accounts/audit-log.js';
import { LoginThrottle } from '../../../appliance/accounts/login-throttle.js';
import { AttemptGuard, type Lockout } from '../../../appliance/accounts/attempt-guard.js';
import { hashPassword } from '../../../appliance/accounts/password-hash.js';
import type { Role } from '../../../appliance/accounts/roles.js';
import { SessionStore, type SessionLimits } from '../../../appliance/accounts/session-store.js';
import { Totp } from '../../../appliance/accounts/totp.js';
import { openDatabase, type Db } from '../../../appliance/db/database.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';

export interface AccountsFixture {
  dataDir: string;
  db: Db;
  clock: VirtualClock;
  repo: AccountRepository;
  sessions: SessionStore;
  tokens: ApiTokens;
  audit: AuditLog;
  throttle: LoginThrottle;
  /** locks reported by the guard (the alert the appliance raises) */
  lockouts: Lockout[];
  totp: Totp;
  accounts: AccountsService;
  /** inserts a user directly (cheap scrypt parameters), for tests that are not about passwords */
  user(username: string, role: Role, password?: string): Promise<Actor & { user: NonNullable<Actor['user']> }>;
}

export const CONSOLE: Actor = { user: null, address: 'console' };

export function accountsFixture(
  t: { teardown(fn: () => unknown): void },
  opts: { sessions?: Partial<SessionLimits>; audit?: Partial<AuditRetention> } = {},
): AccountsFixture {
  const dataDir = tempDir(t, 'rw-acct-');
  const db = openDatabase(path.join(dataDir, 'rackwatch.sqlite'));
  t.teardown(() => db.close());
  const clock = new VirtualClock();
  const repo = new AccountRepository(db);
  const sessions = new SessionStore(repo, clock, opts.sessions);
  const audit = new AuditLog(db, clock, opts.audit);
  const throttle = new LoginThrottle(clock);
  const totp = new Totp(clock);
  const lockouts: Lockout[] = [];
  const guard = new AttemptGuard('login', throttle, audit, (lock) => lockouts.push(lock));
  const accounts = new AccountsService({ repo, sessions, audit, guard, totp, clock, dataDir });
  return {
    dataDir, db, clock, repo, sessions, audit, throttle, lockouts, totp, accounts,
    tokens: new ApiTokens(repo, clock),
    async user(username, role, password = 'correct horse battery') {
      const row = repo.insertUser({ username, role, passwordHash: await hashPassword(password, { N: 1024, r: 8, p: 1 }), at: clock.now() });
      return { user: row, address: '192.0.2.10' };
    },
  };
}
