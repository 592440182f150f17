// The accounts API over HTTP (SEC; docs/security.md), in-process with inject on a real SQLite
// file and virtual time: first-start setup with the one-time code, sign-in with its throttle and
// lockout (Retry-After, the audit log, the lock reported), the session cookie's attributes, idle
// expiry, sign-out, API tokens no higher than their creator, a password change ending every
// session, the audit log's search and CSV, and what a viewer may not do.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { AccountsFeature } from '../../../appliance/accounts/accounts-feature.js';
import type { Lockout } from '../../../appliance/accounts/attempt-guard.js';
import { accountRoutes } from '../../../appliance/accounts/routes.js';
import { SETUP_CODE_FILE } from '../../../appliance/accounts/setup-code.js';
import { openDatabase } from '../../../appliance/db/database.js';
import { createHttpApp } from '../../../appliance/http/http-server.js';
import type { AuditPage, CreatedToken, PublicUser, SessionResponse } from '../../../contract/accounts-api.js';
import { silentLogger } from '../../../core/logger.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';

const PASSWORD = 'a long enough passphrase';

interface Fixture {
  app: FastifyInstance;
  clock: VirtualClock;
  dataDir: string;
  lockouts: Lockout[];
  feature: AccountsFeature;
}

async function fixture(t: Test): Promise<Fixture> {
  const dataDir = tempDir(t, 'rw-acct-api-');
  const db = openDatabase(path.join(dataDir, 'rackwatch.sqlite'));
  const clock = new VirtualClock();
  const lockouts: Lockout[] = [];
  const feature = new AccountsFeature({ db, dataDir, clock, logger: silentLogger, onLockout: (l) => lockouts.push(l) });
  feature.start();
  const app = await createHttpApp({ logger: silentLogger, auth: feature.authenticator(), audit: (e) => feature.audit.append(e) });
  await app.register(accountRoutes, feature.routeDeps());
  t.teardown(async () => {
    await app.close();
    feature.stop();
    db.close();
  });
  return { app, clock, dataDir, lockouts, feature };
}

/** A browser: keeps cookies, sends the CSRF token it was given. */
class Browser {
  cookies: Record<string, string> = {};
  csrf = '';
  constructor(private readonly app: FastifyInstance, private readonly ip = '192.0.2.7') {}

  async session(): Promise<SessionResponse> {
    const body = (await this.send('GET', '/api/v1/auth/session')).json<SessionResponse>();
    this.csrf = body.csrfToken;
    return body;
  }

  async send(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({
      method, url, remoteAddress: this.ip, cookies: this.cookies,
      headers: { ...(method !== 'GET' ? { 'x-csrf-token': this.csrf } : {}), ...headers },
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
    for (const c of res.cookies) {
      if (c.value === '' || (c.expires !== undefined && c.expires.getTime() <= Date.now())) delete this.cookies[c.name];
      else this.cookies[c.name] = c.value;
    }
    return res;
  }

  async login(username: string, password: string): Promise<LightMyRequestResponse> {
    if (!this.csrf) await this.session();
    return this.send('POST', '/api/v1/auth/login', { username, password });
  }
}

function code(res: LightMyRequestResponse): string {
  return res.json<{ error: { code: string } }>().error.code;
}

/** The first admin, through the setup code. */
async function setUp(f: Fixture): Promise<Browser> {
  const b = new Browser(f.app);
  await b.session();
  const res = await b.send('POST', '/api/v1/auth/setup', { code: readFileSync(path.join(f.dataDir, SETUP_CODE_FILE), 'utf8').trim(), username: 'admin', password: PASSWORD });
  if (res.statusCode !== 201) throw new Error(res.body);
  return b;
}

void t.test('first start: the setup code, once, makes the first admin and signs them in', async (t) => {
  const f = await fixture(t);
  const codeFile = path.join(f.dataDir, SETUP_CODE_FILE);
  t.equal(statSync(codeFile).mode & 0o777, 0o600, 'the setup code is kept 0600');
  const b = new Browser(f.app);
  const before = await b.session();
  t.equal(before.setupRequired, true);
  t.equal(before.user, null);
  const wrong = await b.send('POST', '/api/v1/auth/setup', { code: 'AAAA-BBBB-CCCC-DDDD', username: 'admin', password: PASSWORD });
  t.equal(wrong.statusCode, 403);
  t.equal(code(wrong), 'RW_ERR_SETUP_CODE');
  const setupCode = readFileSync(codeFile, 'utf8').trim();
  const weak = await b.send('POST', '/api/v1/auth/setup', { code: setupCode, username: 'admin', password: 'password123' });
  t.equal(weak.statusCode, 400, 'a common password is refused');
  t.match(code(weak), /^RW_ERR_PASSWORD_/);
  const noCsrf = await b.send('POST', '/api/v1/auth/setup', { code: setupCode, username: 'admin', password: PASSWORD }, { 'x-csrf-token': '' });
  t.equal(noCsrf.statusCode, 403, 'setup without the page\'s CSRF token is refused');
  const ok = await b.send('POST', '/api/v1/auth/setup', { code: setupCode, username: 'admin', password: PASSWORD });
  t.equal(ok.statusCode, 201);
  const cookie = ok.cookies.find((c) => c.name === 'rw_session');
  t.ok(cookie?.httpOnly, 'the session cookie is HttpOnly');
  t.equal(cookie?.sameSite, 'Strict');
  t.notOk(cookie?.secure, 'not Secure over plain HTTP (Secure when the request came over TLS)');
  const after = ok.json<SessionResponse>();
  t.equal(after.user?.username, 'admin');
  t.equal(after.user?.role, 'admin');
  t.ok(after.user?.permissions.includes('users:manage'));
  t.notOk(existsSync(codeFile), 'the code is used up');
  const again = await new Browser(f.app).send('POST', '/api/v1/auth/setup', { code: setupCode, username: 'mallory', password: PASSWORD });
  t.equal(again.statusCode, 403, 'no second admin through setup');
  t.equal((await new Browser(f.app).session()).setupRequired, false);
});

void t.test('sign-in: wrong passwords throttled (429 with Retry-After), then locked, audited and reported', async (t) => {
  const f = await fixture(t);
  await setUp(f);
  const attacker = new Browser(f.app, '198.51.100.9');
  for (let i = 1; i <= 3; i++) {
    const res = await attacker.login('admin', `wrong password ${i}`);
    t.equal(res.statusCode, 401, `failure ${i}: no delay yet`);
    t.equal(code(res), 'RW_ERR_LOGIN');
  }
  // the 4th failure set a 1 s delay for the 5th attempt
  t.equal((await attacker.login('admin', 'wrong password 4')).statusCode, 401);
  const throttled = await attacker.login('admin', PASSWORD);
  t.equal(throttled.statusCode, 429, 'even the right password waits its turn');
  t.equal(code(throttled), 'RW_ERR_THROTTLED');
  t.equal(throttled.headers['retry-after'], '1');
  // keep failing, waiting out each delay in virtual time, until the lock
  let failures = 4;
  while (f.lockouts.length === 0 && failures < 20) {
    await f.clock.advance(60_000);
    await attacker.login('admin', `wrong password ${++failures}`);
  }
  t.equal(failures, 10, 'locked at the 10th failure');
  t.same(f.lockouts.map((l) => l.kind), ['login'], 'the lock is reported (the appliance raises an alert)');
  t.ok(f.lockouts[0]?.keys.includes('user:admin'));
  await f.clock.advance(60_000);
  const locked = await new Browser(f.app, '203.0.113.5').login('admin', PASSWORD);
  t.equal(locked.statusCode, 429, 'the account is locked from every address');
  t.ok(Number(locked.headers['retry-after']) > 60, `for minutes (${String(locked.headers['retry-after'])} s)`);
  await f.clock.advance(15 * 60_000);
  const later = await new Browser(f.app, '203.0.113.5').login('admin', PASSWORD);
  t.equal(later.statusCode, 200, 'the lock ends by itself');
  const actions = f.feature.audit.query({ limit: 1000 }).entries.map((e) => e.action);
  t.ok(actions.filter((a) => a === 'login.failed').length >= 9, 'each failure is in the audit log');
  t.ok(actions.includes('login.locked'));
  t.ok(actions.includes('login'));
});

void t.test('sessions: idle expiry, sign-out, and a password change ends every session', async (t) => {
  const f = await fixture(t);
  const admin = await setUp(f);
  t.equal((await admin.send('GET', '/api/v1/users')).statusCode, 200);
  await f.clock.advance(31 * 60_000);
  const idle = await admin.send('GET', '/api/v1/users');
  t.equal(idle.statusCode, 401, 'idle for 31 min: ended');
  t.equal(code(idle), 'RW_ERR_SESSION');

  const one = new Browser(f.app);
  const two = new Browser(f.app, '192.0.2.99');
  t.equal((await one.login('admin', PASSWORD)).statusCode, 200);
  t.equal((await two.login('admin', PASSWORD)).statusCode, 200);
  const list = (await one.send('GET', '/api/v1/auth/sessions')).json<{ current: boolean; address: string }[]>();
  t.equal(list.length, 2, 'a user sees their sessions');
  t.same(list.filter((s) => s.current).map((s) => s.address), ['192.0.2.7']);
  t.equal((await two.send('POST', '/api/v1/auth/logout')).statusCode, 204);
  t.equal((await two.send('GET', '/api/v1/users')).statusCode, 401, 'signed out');
  t.equal((await one.send('GET', '/api/v1/users')).statusCode, 200, 'the other session lives on');

  t.equal((await two.login('admin', PASSWORD)).statusCode, 200);
  const change = await one.send('POST', '/api/v1/auth/password', { current: PASSWORD, password: 'another long passphrase' });
  t.equal(change.statusCode, 204);
  t.equal((await one.send('GET', '/api/v1/users')).statusCode, 401, 'this session ended');
  t.equal((await two.send('GET', '/api/v1/users')).statusCode, 401, 'and every other one');
  t.equal((await new Browser(f.app).login('admin', 'another long passphrase')).statusCode, 200);
});

void t.test('API tokens: no higher than their creator, shown once, revocable; a viewer manages nothing', async (t) => {
  const f = await fixture(t);
  const admin = await setUp(f);
  const made = await admin.send('POST', '/api/v1/users', { username: 'ivan', role: 'viewer', password: PASSWORD });
  t.equal(made.statusCode, 201);
  t.notOk('password_hash' in made.json<PublicUser>(), 'no hash in the answer');
  const viewer = new Browser(f.app, '192.0.2.50');
  t.equal((await viewer.login('ivan', PASSWORD)).statusCode, 200);
  t.same((await viewer.session()).user?.permissions.filter((p) => p.startsWith('contacts') || p.startsWith('sms')), [], 'a viewer is given no phone numbers');
  const tooHigh = await viewer.send('POST', '/api/v1/tokens', { name: 'escalate', role: 'admin' });
  t.equal(tooHigh.statusCode, 403, 'a viewer cannot make an admin token');
  t.equal((await viewer.send('GET', '/api/v1/users')).statusCode, 403);
  t.equal((await viewer.send('GET', '/api/v1/audit')).statusCode, 403);
  const tok = await viewer.send('POST', '/api/v1/tokens', { name: 'grafana', role: 'viewer' });
  t.equal(tok.statusCode, 201);
  const { token, info } = tok.json<CreatedToken>();
  t.match(token, /^rw_/);
  const listed = (await viewer.send('GET', '/api/v1/tokens')).body;
  t.notMatch(listed, token, 'the token is never shown again');
  const asToken = await f.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: { authorization: `Bearer ${token}` } });
  t.equal(asToken.statusCode, 200, 'the token signs in');
  t.equal((await viewer.send('DELETE', `/api/v1/tokens/${info.id}`)).statusCode, 204);
  const revoked = await f.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: { authorization: `Bearer ${token}` } });
  t.equal(revoked.statusCode, 401, 'a revoked token is refused');
});

void t.test('the audit log: who, from where, before and after, no secret; searchable; CSV', async (t) => {
  const f = await fixture(t);
  const admin = await setUp(f);
  const made = (await admin.send('POST', '/api/v1/users', { username: 'olga', role: 'viewer', password: PASSWORD })).json<PublicUser>();
  t.equal((await admin.send('PUT', `/api/v1/users/${made.id}`, { role: 'operator' })).statusCode, 200);
  const page = (await admin.send('GET', '/api/v1/audit?action=user.role_changed')).json<AuditPage>();
  t.equal(page.total, 1);
  const entry = page.entries[0];
  t.equal(entry?.actor, 'admin');
  t.equal(entry?.address, '192.0.2.7');
  t.equal(entry?.target, 'olga');
  t.match(entry?.before, { role: 'viewer' });
  t.match(entry?.after, { role: 'operator' });
  const csv = await admin.send('GET', '/api/v1/audit.csv?text=olga');
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], 'text/csv');
  t.match(csv.headers['content-disposition'], 'attachment');
  const lines = csv.body.trim().split('\r\n');
  t.equal(lines[0], 'id,time,actor,address,action,target,before,after');
  t.ok(lines.some((l) => l.includes('user.created')) && lines.some((l) => l.includes('user.role_changed')));
  t.notMatch(csv.body, /scrypt\$|passphrase/, 'no password or hash in the log');
});
