// The console tool's account commands (docs/security.md, "Console"), run through the REAL built
// executable (node dist/appliance.js …; `node scripts/build.mjs` first, as npm test does) against a
// data dir whose database another connection holds open, as the running appliance would.
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { AccountRepository } from '../../../appliance/accounts/account-repository.js';
import { AccountsService } from '../../../appliance/accounts/accounts-service.js';
import { ApiTokens } from '../../../appliance/accounts/api-tokens.js';
import { AuditLog } from '../../../appliance/accounts/audit-log.js';
import { databasePath } from '../../../appliance/accounts/cli.js';
import { LoginThrottle } from '../../../appliance/accounts/login-throttle.js';
import { AttemptGuard } from '../../../appliance/accounts/attempt-guard.js';
import { hashPassword } from '../../../appliance/accounts/password-hash.js';
import { SessionStore } from '../../../appliance/accounts/session-store.js';
import { ensureSetupCode } from '../../../appliance/accounts/setup-code.js';
import { Totp } from '../../../appliance/accounts/totp.js';
import { openDatabase } from '../../../appliance/db/database.js';
import { systemClock } from '../../../core/clock.js';
import { ensurePrivateDir } from '../../../core/private-files.js';
import { ENROLL_TOKEN_FILE, loadOrCreateEnrollToken } from '../../../appliance/agents/enrollment.js';
import { distDir } from '../../helpers/paths.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { untappedNode } from '../../helpers/untapped-node.js';

const BIN = path.join(distDir, 'appliance.js');

/** One console command, run as a technician would; its exit code and output. */
function rackwatch(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(...untappedNode([BIN, ...args]), { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

// the three tests below use data dirs of their own: side by side
t.jobs = 3;

t.before(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`node scripts/build.mjs\` (npm test does)`);
});

void t.test('token create and password reset work while the database is open elsewhere', async (t) => {
  const dataDir = tempDir(t, 'rw-cli-');
  ensurePrivateDir(path.join(dataDir, 'db'));
  const db = openDatabase(databasePath(dataDir));
  t.teardown(() => db.close());
  const repo = new AccountRepository(db);

  const none = await rackwatch('token', 'create', '--data-dir', dataDir, '--role', 'admin', '--name', 'ci');
  t.equal(none.code, 1, 'no admin yet');
  t.match(none.stderr, /setup code/);
  t.equal(none.stdout, '');

  const weak = { N: 1024, r: 8, p: 1 };
  repo.insertUser({ username: 'ada', role: 'admin', passwordHash: await hashPassword('correct horse battery', weak), at: Date.now() });
  const viewer = repo.insertUser({ username: 'vic', role: 'viewer', passwordHash: await hashPassword('correct horse battery', weak), at: Date.now() });

  const made = await rackwatch('token', 'create', '--data-dir', dataDir, '--role', 'admin', '--name', 'ci');
  t.equal(made.code, 0, made.stderr);
  t.match(made.stdout, /^rw_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{43}\n$/, 'only the token on stdout');
  const auth = new ApiTokens(repo, systemClock).authenticate(made.stdout.trim());
  t.match(auth, { role: 'admin', user: { username: 'ada' } }, 'the token works at once');

  const capped = await rackwatch('token', 'create', '--data-dir', dataDir, '--role', 'operator', '--name', 'x', '--user', 'vic');
  t.equal(capped.code, 1);
  t.match(capped.stderr, /RW_ERR_FORBIDDEN/, 'a viewer gets no operator token');

  const clock = systemClock;
  const audit = new AuditLog(db, clock);
  const sessions = new SessionStore(repo, clock);
  const accounts = new AccountsService({ repo, audit, clock, sessions, dataDir, guard: new AttemptGuard('login', new LoginThrottle(clock), audit), totp: new Totp(clock) });
  const before = await accounts.login({ username: 'vic', password: 'correct horse battery', address: '192.0.2.1' });

  const reset = await rackwatch('password', 'reset', '--data-dir', dataDir, '--user', 'vic');
  t.equal(reset.code, 0, reset.stderr);
  const password = reset.stdout.trim();
  t.match(password, /^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
  t.equal(sessions.authenticate(before.sessionId), null, 'the old session ended');
  t.ok(await accounts.login({ username: 'vic', password, address: '192.0.2.1' }), 'the new password signs in');
  t.equal(repo.userById(viewer.id)?.username, 'vic');
  t.same(audit.query({ actor: undefined, text: 'console' }).entries.map((e) => e.action).sort(), ['token.created', 'user.password_reset']);

  t.equal((statSync(databasePath(dataDir)).mode & 0o777).toString(8), '600');
  t.equal((statSync(dataDir).mode & 0o777).toString(8), '750');
});

void t.test('enroll-token prints the agents\' enrollment token kept in the data dir (SEC)', async (t) => {
  const dataDir = tempDir(t, 'rw-cli-');
  const none = await rackwatch('enroll-token', '--data-dir', dataDir);
  t.equal(none.code, 1, 'none made yet');
  t.match(none.stderr, /--enroll-token/);
  const { token } = loadOrCreateEnrollToken(path.join(dataDir, ENROLL_TOKEN_FILE), undefined);
  const shown = await rackwatch('enroll-token', '--data-dir', dataDir);
  t.equal(shown.code, 0);
  t.equal(shown.stdout, `${token}\n`);
});

void t.test('setup-code prints the code while setup is pending; bad usage exits 2', async (t) => {
  const dataDir = tempDir(t, 'rw-cli-');
  t.equal((await rackwatch('setup-code', '--data-dir', dataDir)).code, 1, 'no code yet');
  const code = ensureSetupCode(dataDir, false)?.code;
  const [shown, noDataDir, unknownCommand, unknownOption] = await Promise.all([
    rackwatch('setup-code', '--data-dir', dataDir),
    rackwatch('token', 'create', '--role', 'admin', '--name', 'x'),
    rackwatch('token', 'destroy', '--data-dir', dataDir),
    rackwatch('password', 'reset', '--data-dir', dataDir, '--bogus'),
  ]);
  t.equal(shown.code, 0);
  t.equal(shown.stdout, `${code}\n`);
  t.equal(noDataDir.code, 2, 'no --data-dir');
  t.equal(unknownCommand.code, 2, 'unknown command');
  t.equal(unknownOption.code, 2, 'unknown option');
});
