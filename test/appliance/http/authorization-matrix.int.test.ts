// The authorization matrix (SEC): every route the appliance registers × every kind of caller →
// the expected answer, generated from the route table of a real appliance started in-process
// (real SQLite, rrdcached, the modem simulator, so that its test routes are in the table too).
// A route's declared permission decides: anonymous → 401 unless public; a role without the
// permission → 403; otherwise the route runs (whatever it answers to a dummy id or an empty body,
// never 401 or 403). A new route is covered the moment it is registered; a route without a
// permission cannot be registered at all (test/appliance/http/http-server.test.ts).
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { Appliance } from '../../../appliance/appliance.js';
import { applianceConfigSchema } from '../../../appliance/config.js';
import { registeredRoutes } from '../../../appliance/http/http-server.js';
import { SETUP_CODE_FILE } from '../../../appliance/accounts/setup-code.js';
import { roleAllows, ROLES, type Role } from '../../../contract/permissions.js';
import type { CreatedToken, SessionResponse } from '../../../contract/accounts-api.js';
import { silentLogger } from '../../../core/logger.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../../helpers/paths.js';

interface Caller {
  name: string;
  role: Role | null;
  headers: Record<string, string>;
  cookies: Record<string, string>;
}

const PASSWORD = 'matrix-test-password';

/** A browser-like session through inject: the CSRF cookie and token, then the session cookie. */
async function signIn(app: FastifyInstance, username: string, password: string): Promise<{ cookies: Record<string, string>; csrf: string }> {
  const page = await app.inject({ method: 'GET', url: '/api/v1/auth/session' });
  const cookies: Record<string, string> = Object.fromEntries(page.cookies.map((c) => [c.name, c.value]));
  const csrf = page.json<SessionResponse>().csrfToken;
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', cookies, headers: { 'x-csrf-token': csrf }, payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in as ${username}: ${res.statusCode} ${res.body}`);
  for (const c of res.cookies) cookies[c.name] = c.value;
  return { cookies, csrf };
}

/** The live stream never ends by itself (inject would wait for ever): its status over a real socket. */
async function streamStatus(port: number, caller: Caller): Promise<{ statusCode: number; body: string }> {
  const ac = new AbortController();
  const cookie = Object.entries(caller.cookies).map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/stream`, { headers: { ...caller.headers, ...(cookie ? { cookie } : {}) }, signal: ac.signal });
  const body = res.ok ? '' : await res.text();
  ac.abort();
  return { statusCode: res.status, body };
}

/** A concrete URL for a route pattern: every parameter a dummy that names nothing. */
function concrete(url: string): string {
  return url.replace(/:[a-zA-Z]+/g, 'no-such-thing').replace('/*', '/index.html');
}

void t.test('every route × anonymous, each role signed in, an API token of each role', async (t) => {
  const dataDir = tempDir(t, 'rw-matrix-');
  const config = applianceConfigSchema.parse({ dataDir, httpPort: 0, httpsPort: 0, httpPlain: 'serve', mqttPort: 0, mqttsPort: 0, listen: '127.0.0.1', modem: 'sim' });
  const appliance = new Appliance({ config, logger: silentLogger, simulatorModule: pathToFileURL(path.join(repoRoot, 'dist', 'modem-sim.js')) });
  t.teardown(() => appliance.stop());
  const { httpPort } = await appliance.start();
  const app = appliance.httpApp as FastifyInstance;

  // the first admin with the setup code, then a user of each other role, and tokens of each role
  const first = await app.inject({ method: 'GET', url: '/api/v1/auth/session' });
  const firstCookies = Object.fromEntries(first.cookies.map((c) => [c.name, c.value]));
  const setup = await app.inject({
    method: 'POST', url: '/api/v1/auth/setup', cookies: firstCookies, headers: { 'x-csrf-token': first.json<SessionResponse>().csrfToken },
    payload: { code: readFileSync(path.join(dataDir, SETUP_CODE_FILE), 'utf8').trim(), username: 'admin', password: PASSWORD },
  });
  t.equal(setup.statusCode, 201, 'first-start setup');
  // an anonymous visitor as a browser is one: with the page's CSRF token (its absence is another test)
  const visitor = await app.inject({ method: 'GET', url: '/api/v1/auth/session' });
  const callers: Caller[] = [{
    name: 'anonymous', role: null, headers: { 'x-csrf-token': visitor.json<SessionResponse>().csrfToken },
    cookies: Object.fromEntries(visitor.cookies.map((c) => [c.name, c.value])),
  }];
  const admin = await signIn(app, 'admin', PASSWORD);
  for (const role of ROLES) {
    if (role !== 'admin') {
      const made = await app.inject({ method: 'POST', url: '/api/v1/users', cookies: admin.cookies, headers: { 'x-csrf-token': admin.csrf }, payload: { username: role, role, password: PASSWORD } });
      t.equal(made.statusCode, 201, `a ${role} account`);
    }
    const s = await signIn(app, role, PASSWORD);
    callers.push({ name: `${role} (session)`, role, headers: { 'x-csrf-token': s.csrf }, cookies: s.cookies });
    const token = await app.inject({ method: 'POST', url: '/api/v1/tokens', cookies: admin.cookies, headers: { 'x-csrf-token': admin.csrf }, payload: { name: `matrix ${role}`, role } });
    t.equal(token.statusCode, 201, `an API token with the ${role} role`);
    callers.push({ name: `${role} (API token)`, role, headers: { authorization: `Bearer ${token.json<CreatedToken>().token}` }, cookies: {} });
  }

  // the files (SEC): the data dir 0750, the database and every secret 0600
  const mode = (rel: string): string => (statSync(path.join(dataDir, rel)).mode & 0o777).toString(8);
  t.equal(mode('.'), '750', 'the data dir');
  for (const secret of ['db/rackwatch.sqlite', 'db/rackwatch.sqlite-wal', 'enroll-token', 'tls/key.pem']) {
    if (existsSync(path.join(dataDir, secret))) t.equal(mode(secret), '600', secret);
    else t.fail(`${secret} is missing`);
  }

  const routes = registeredRoutes(app).filter((r) => r.method !== 'HEAD');
  t.ok(routes.length > 60, `the table has every route (${routes.length})`);
  const failures: string[] = [];
  let cells = 0;
  // sign-out and password changes end sessions: run them last, so that no later cell meets an ended session
  const lastOf = (r: { url: string }): number => (r.url.endsWith('/auth/logout') ? 2 : r.url.endsWith('/auth/password') ? 1 : 0);
  for (const route of [...routes].sort((a, b) => lastOf(a) - lastOf(b))) {
    for (const caller of callers) {
      // a pushed file's download (S17) carries its credential in its signed link, whoever calls:
      // a dummy link is refused for every caller (403 RW_ERR_SIGNED_URL, docs/api.md "Files")
      const expected = route.url.endsWith('/files/:id/content') ? 403
        : route.permission === 'public' ? 'runs'
        : caller.role === null ? 401
          : roleAllows(caller.role, route.permission) ? 'runs' : 403;
      const res = route.url.endsWith('/stream')
        ? await streamStatus(httpPort, caller)
        : await app.inject({
          method: route.method as 'GET', url: concrete(route.url), headers: { ...caller.headers }, cookies: caller.cookies,
          ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: {} }),
        });
      cells++;
      const ok = expected === 'runs' ? res.statusCode !== 401 && res.statusCode !== 403 : res.statusCode === expected;
      if (!ok) failures.push(`${route.method} ${route.url} [${route.permission}] as ${caller.name}: expected ${expected}, got ${res.statusCode} ${res.body.slice(0, 120)}`);
    }
  }
  t.same(failures, [], `${cells} cells (${routes.length} routes × ${callers.length} callers) as the permission table says`);
});
