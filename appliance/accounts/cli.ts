// The console tool's account commands (docs/security.md, "Console"), run as `rackwatch <command>`
// on the appliance itself. They open the SQLite database directly, which WAL mode allows while the
// appliance runs; whoever can run them can read the data dir, so they need no password.
//
//   rackwatch token create --data-dir DIR --role ROLE --name NAME [--user USER]
//   rackwatch password reset --data-dir DIR --user NAME
//   rackwatch setup-code --data-dir DIR
//   rackwatch enroll-token --data-dir DIR
//
// A token or password is printed once on stdout and nowhere else; messages go to stderr.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { isRwError } from '../../contract/errors.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { ensurePrivateDir } from '../../core/private-files.js';
import { openDatabase } from '../db/database.js';
import { AccountRepository } from './account-repository.js';
import { AccountsService } from './accounts-service.js';
import { ApiTokens } from './api-tokens.js';
import { AuditLog } from './audit-log.js';
import { LoginThrottle } from './login-throttle.js';
import { AttemptGuard } from './attempt-guard.js';
import { isRole, ROLES } from './roles.js';
import { SessionStore } from './session-store.js';
import { readSetupCode } from './setup-code.js';
import { ENROLL_TOKEN_FILE } from '../agents/enrollment.js';
import { Totp } from './totp.js';

export const ACCOUNT_COMMANDS = ['token', 'password', 'setup-code', 'enroll-token'] as const;

/** The database inside a data dir (the same path appliance/appliance.ts opens). */
export function databasePath(dataDir: string): string {
  return path.join(dataDir, 'db', 'rackwatch.sqlite');
}

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  clock?: Clock;
}

const USAGE = `usage:
  rackwatch token create --data-dir DIR --role ${ROLES.join('|')} --name NAME [--user USER]
  rackwatch password reset --data-dir DIR --user NAME
  rackwatch setup-code --data-dir DIR
  rackwatch enroll-token --data-dir DIR
`;

/** A random password for a reset: 4 groups of 5 base32 characters (100 bits), easy to read out. */
export function randomPassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const chars = [...randomBytes(20)].map((b) => alphabet[b & 31] as string).join('');
  return [0, 5, 10, 15].map((i) => chars.slice(i, i + 5)).join('-');
}

export function isAccountCommand(argv: readonly string[]): boolean {
  return (ACCOUNT_COMMANDS as readonly string[]).includes(argv[0] ?? '');
}

/** Runs one command; returns the exit code (0 done, 1 refused, 2 usage). */
export async function runAccountsCli(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv], allowPositionals: true, strict: true,
      options: { 'data-dir': { type: 'string' }, role: { type: 'string' }, name: { type: 'string' }, user: { type: 'string' } },
    });
  } catch (e) {
    io.err(`rackwatch: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals.join(' ');
  const dataDir = values['data-dir'];
  if (!dataDir || !['token create', 'password reset', 'setup-code', 'enroll-token'].includes(command)) {
    io.err(dataDir ? `rackwatch: unknown command "${command}"\n${USAGE}` : `rackwatch: --data-dir is required\n${USAGE}`);
    return 2;
  }
  const dir = path.resolve(dataDir);
  if (command === 'setup-code') {
    const code = readSetupCode(dir);
    if (!code) {
      io.err('rackwatch: no setup code: an admin account exists (or the appliance has not started yet)\n');
      return 1;
    }
    io.out(code + '\n');
    return 0;
  }
  if (command === 'enroll-token') {
    // the agents' enrollment token (SEC): shown once when made, then to admins in the web UI and here
    const file = path.join(dir, ENROLL_TOKEN_FILE);
    if (!existsSync(file)) {
      io.err(`rackwatch: no ${file}: the appliance has not started yet, or takes its token from --enroll-token (RW_ENROLL_TOKEN)\n`);
      return 1;
    }
    io.out(readFileSync(file, 'utf8').trim() + '\n');
    return 0;
  }

  ensurePrivateDir(dir);
  ensurePrivateDir(path.join(dir, 'db'));
  const clock = io.clock ?? systemClock;
  const db = openDatabase(databasePath(dir));
  try {
    const repo = new AccountRepository(db);
    const audit = new AuditLog(db, clock);
    const consoleActor = { user: null, address: 'console' };
    if (command === 'token create') {
      const role = values.role;
      const name = values.name;
      if (!isRole(role) || !name) {
        io.err(`rackwatch: token create needs --role (${ROLES.join(', ')}) and --name\n${USAGE}`);
        return 2;
      }
      const owner = values.user !== undefined ? repo.userByName(values.user) : repo.listUsers().filter((u) => u.role === 'admin' && !u.disabled).sort((a, b) => a.id - b.id)[0];
      if (!owner) {
        io.err(values.user !== undefined
          ? `rackwatch: no user named "${values.user}"\n`
          : 'rackwatch: no admin account yet: create the first one with the setup code (rackwatch setup-code), or pass --user\n');
        return 1;
      }
      const { token, info } = new ApiTokens(repo, clock).create(owner, name, role);
      audit.append({ actor: null, address: 'console', action: 'token.created', target: owner.username, after: info });
      io.out(token + '\n');
      io.err(`token "${info.name}" (${info.role}) created for ${owner.username}; it is shown only this once\n`);
      return 0;
    }
    // password reset
    if (!values.user) {
      io.err(`rackwatch: password reset needs --user\n${USAGE}`);
      return 2;
    }
    const user = repo.userByName(values.user);
    if (!user) {
      io.err(`rackwatch: no user named "${values.user}"\n`);
      return 1;
    }
    const accounts = new AccountsService({
      repo, audit, clock, dataDir: dir, sessions: new SessionStore(repo, clock), guard: new AttemptGuard('login', new LoginThrottle(clock), audit), totp: new Totp(clock),
    });
    const password = randomPassword();
    await accounts.resetPassword(consoleActor, user.id, password);
    io.out(password + '\n');
    io.err(`new password for ${user.username} set; their sessions are ended; it is shown only this once\n`);
    return 0;
  } catch (e) {
    if (isRwError(e)) {
      io.err(`rackwatch: ${e.message} (${e.code})\n`);
      return 1;
    }
    throw e;
  } finally {
    db.close();
  }
}
