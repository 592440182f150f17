// The HTTP layer in-process (app.inject, no port): one error shape for every failure (docs/api.md
// "Errors"), the body limit, malformed JSON, zod schema problems as "path: message", 404 and 405,
// a route without a permission refused at registration, the security headers (SEC), the web UI
// with its client-side-route fallback and ETag revalidation.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { z } from 'zod';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createHttpApp, guarded, MAX_JSON_BODY_BYTES, sendJson } from '../../../appliance/http/http-server.js';
import { csrfTokenFor } from '../../../appliance/http/access-control.js';
import { fixedAuthenticator } from '../../helpers/test-authenticator.js';
import { RwError } from '../../../contract/errors.js';
import { silentLogger } from '../../../core/logger.js';
import { tempDir } from '../../helpers/temp-dir.js';

interface ErrorShape { error: { code: string; message: string; problems?: string[] } }

// the accounts feature stands behind this in the appliance; here the HTTP layer is under test
const ADMIN_TOKEN = 'rw_admin-test-token';
const VIEWER_TOKEN = 'rw_viewer-test-token';
const testAuth = fixedAuthenticator(
  { [ADMIN_TOKEN]: { username: 'root', role: 'admin' }, [VIEWER_TOKEN]: { username: 'eve', role: 'viewer' } },
  { 'live-session': { username: 'kim', role: 'operator' } },
);

/** app.inject as the admin (Bearer token): every test below but the access ones runs signed in. */
function asAdmin(app: FastifyInstance, opts: InjectOptions): Promise<LightMyRequestResponse> {
  return app.inject({ ...opts, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...opts.headers } });
}

async function appWithRoutes(t: Test, webuiDir?: string): Promise<FastifyInstance> {
  const app = await createHttpApp({ logger: silentLogger, auth: testAuth, ...(webuiDir !== undefined ? { webuiDir } : {}) });
  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.post('/api/v1/echo', { config: { permission: 'rules:write' } }, (req, reply) => sendJson(reply, 200, { got: req.body ?? null }));
  typed.put('/api/v1/things/:id', {
    config: { permission: 'rules:write' },
    schema: { params: z.object({ id: z.string().regex(/^\d+$/) }), body: z.object({ name: z.string().min(1), size: z.number().int().max(10) }) },
  }, (req, reply) => sendJson(reply, 200, { id: req.params.id, ...req.body }));
  typed.get('/api/v1/conflict', { config: { permission: 'rules:read' } }, () => {
    throw new RwError('RW_ERR_CONFLICT', 'already there');
  });
  typed.get('/api/v1/boom', { config: { permission: 'rules:read' } }, () => {
    throw new Error('internal detail');
  });
  t.teardown(() => app.close());
  return app;
}

void t.test('a body over the limit is 413 in the error shape', async (t) => {
  const app = await appWithRoutes(t);
  const res = await asAdmin(app, { method: 'POST', url: '/api/v1/echo', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ x: 'y'.repeat(MAX_JSON_BODY_BYTES) }) });
  t.equal(res.statusCode, 413);
  const body = res.json<ErrorShape>();
  t.equal(body.error.code, 'RW_ERR_BAD_REQUEST');
  t.match(body.error.message, String(MAX_JSON_BODY_BYTES));
  const fits = await asAdmin(app, { method: 'POST', url: '/api/v1/echo', payload: JSON.stringify({ x: 'y'.repeat(1000) }) });
  t.equal(fits.statusCode, 200, 'a body under the limit passes');
});

void t.test('malformed JSON is 400, whatever the content type; an empty body is no body', async (t) => {
  const app = await appWithRoutes(t);
  for (const type of ['application/json', 'text/plain;charset=UTF-8']) {
    const res = await asAdmin(app, { method: 'POST', url: '/api/v1/echo', headers: { 'content-type': type }, payload: '{"a": ' });
    t.equal(res.statusCode, 400, type);
    t.same(res.json(), { error: { code: 'RW_ERR_BAD_REQUEST', message: 'request body is not JSON' } });
  }
  const empty = await asAdmin(app, { method: 'POST', url: '/api/v1/echo', headers: { 'content-type': 'application/json' }, payload: '' });
  t.same(empty.json(), { got: null });
});

void t.test('schema problems are 400 RW_ERR_VALIDATION with "path: message" lines', async (t) => {
  const app = await appWithRoutes(t);
  const res = await asAdmin(app, { method: 'PUT', url: '/api/v1/things/12', payload: { name: '', size: 11.5 } });
  t.equal(res.statusCode, 400);
  const body = res.json<ErrorShape>();
  t.equal(body.error.code, 'RW_ERR_VALIDATION');
  t.equal(body.error.problems?.length, 2);
  t.match(body.error.problems?.[0], /^name: /);
  t.match(body.error.problems?.[1], /^size: /);
  t.equal(body.error.message, body.error.problems?.join('; '));
  const badParam = await asAdmin(app, { method: 'PUT', url: '/api/v1/things/abc', payload: { name: 'a', size: 1 } });
  t.equal(badParam.statusCode, 400);
  t.match(badParam.json<ErrorShape>().error.problems?.[0], /^id: /);
  const ok = await asAdmin(app, { method: 'PUT', url: '/api/v1/things/12', payload: { name: 'a', size: 3 } });
  t.same(ok.json(), { id: '12', name: 'a', size: 3 });
});

void t.test('errors: RwError with its status, anything else 500 without detail lost in the shape', async (t) => {
  const app = await appWithRoutes(t);
  const conflict = await asAdmin(app, { method: 'GET', url: '/api/v1/conflict' });
  t.equal(conflict.statusCode, 409);
  t.same(conflict.json(), { error: { code: 'RW_ERR_CONFLICT', message: 'already there' } });
  const boom = await asAdmin(app, { method: 'GET', url: '/api/v1/boom' });
  t.equal(boom.statusCode, 500);
  t.equal(boom.json<ErrorShape>().error.code, 'RW_ERR_INTERNAL');
});

void t.test('an unknown route is 404 and a known path with another method 405, in the same shape', async (t) => {
  const app = await appWithRoutes(t);
  const missing = await asAdmin(app, { method: 'GET', url: '/api/v1/nothing-here' });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json<ErrorShape>().error.code, 'RW_ERR_NOT_FOUND');
  t.equal(missing.headers['content-type'], 'application/json; charset=utf-8');
  const wrongMethod = await asAdmin(app, { method: 'DELETE', url: '/api/v1/echo' });
  t.equal(wrongMethod.statusCode, 405);
  t.equal(wrongMethod.json<ErrorShape>().error.code, 'RW_ERR_BAD_REQUEST');
});

// RES: found by test/appliance/http/requests.fuzz.int.test.ts (minimal counterexample)
void t.test('a path the router cannot decode is 400 RW_ERR_BAD_REQUEST in the error shape, not Fastify\'s own FST_ERR_BAD_URL', async (t) => {
  const app = await appWithRoutes(t);
  for (const url of ['/api/v1/things/%', '/api/v1/things/%zz']) {
    const res = await asAdmin(app, { method: 'PUT', url, payload: { name: 'x', size: 1 } });
    t.equal(res.statusCode, 400, url);
    t.equal(res.json<ErrorShape>().error.code, 'RW_ERR_BAD_REQUEST', url);
  }
});

void t.test('a route without a declared permission is refused at registration', async (t) => {
  const app = await createHttpApp({ logger: silentLogger });
  t.teardown(() => app.close());
  t.throws(() => app.get('/api/v1/open', () => 'no permission'), /declares no permission/);
  t.throws(() => app.get('/api/v1/typo', { config: { permission: 'agents:reed' as 'agents:read' } }, () => 'x'), /declares no permission/, 'an unknown permission name too');
  // and in a plugin, the way features add routes: the app does not start
  const other = await createHttpApp({ logger: silentLogger });
  t.teardown(() => other.close());
  const feature = (p: FastifyInstance, _opts: object): Promise<void> => {
    p.post('/api/v1/x', () => 'x');
    return Promise.resolve();
  };
  await t.rejects(async () => {
    await other.register(guarded(feature), {}).ready();
  }, /declares no permission/);
});

void t.test('the security headers on API answers, errors and the UI', async (t) => {
  const dir = tempDir(t, 'rw-ui-');
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>ui</title>');
  const app = await appWithRoutes(t, dir);
  for (const url of ['/api/v1/conflict', '/api/v1/nothing-here', '/', '/servers/abc']) {
    const res = await asAdmin(app, { method: 'GET', url });
    const csp = String(res.headers['content-security-policy']);
    t.match(csp, /default-src 'self'/, `${url}: CSP`);
    t.match(csp, /script-src 'self'(;|$)/, 'no inline script');
    t.notMatch(csp, /unsafe-inline|unsafe-eval/, 'nothing unsafe');
    t.match(csp, /frame-ancestors 'none'/);
    t.notMatch(csp, /upgrade-insecure-requests/, 'the appliance is served over plain HTTP: no upgrade to a TLS that is not there');
    t.equal(res.headers['x-content-type-options'], 'nosniff');
    t.equal(res.headers['referrer-policy'], 'no-referrer');
    t.equal(res.headers['x-frame-options'], 'DENY');
  }
});

void t.test('the web UI: files with ETags, client-side routes get index.html, never under /api/', async (t) => {
  const dir = tempDir(t, 'rw-ui-');
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>ui</title>');
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'assets', 'main.js'), 'console.log(1);\n'.repeat(200));
  const app = await appWithRoutes(t, dir);
  const js = await asAdmin(app, { method: 'GET', url: '/assets/main.js' });
  t.equal(js.statusCode, 200);
  t.match(js.headers['content-type'], /javascript/);
  t.equal(js.headers['cache-control'], 'no-cache', 'revalidated, not cached forever (no hashed names)');
  const etag = js.headers.etag;
  t.ok(etag, 'an ETag');
  const again = await asAdmin(app, { method: 'GET', url: '/assets/main.js', headers: { 'if-none-match': String(etag) } });
  t.equal(again.statusCode, 304);
  const gz = await asAdmin(app, { method: 'GET', url: '/assets/main.js', headers: { 'accept-encoding': 'gzip' } });
  t.equal(gz.headers['content-encoding'], 'gzip', 'compressed when asked');
  const route = await asAdmin(app, { method: 'GET', url: '/alerts/12' });
  t.equal(route.statusCode, 200);
  t.match(route.body, '<title>ui</title>', 'a client-side route is index.html');
  t.equal((await asAdmin(app, { method: 'GET', url: '/assets/nope.js' })).statusCode, 404, 'a missing file is 404, not index.html');
  for (const url of ['/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2f..%2fetc%2fpasswd', '/..%5c..%5cetc/hosts']) {
    const out = await asAdmin(app, { method: 'GET', url });
    t.notMatch(out.body, /root:|localhost/, `${url}: nothing outside the UI directory`);
  }
  const api = await asAdmin(app, { method: 'GET', url: '/api/v2/anything' });
  t.equal(api.statusCode, 404);
  t.equal(api.json<ErrorShape>().error.code, 'RW_ERR_NOT_FOUND');
  t.equal((await asAdmin(app, { method: 'POST', url: '/alerts' })).statusCode, 405, 'the UI is GET only');
});

void t.test('access (SEC): anonymous 401 before the body is read, a role without the permission 403, a wrong token 401', async (t) => {
  const app = await appWithRoutes(t);
  const big = JSON.stringify({ x: 'y'.repeat(MAX_JSON_BODY_BYTES) });
  const anon = await app.inject({ method: 'POST', url: '/api/v1/echo', headers: { 'content-type': 'application/json' }, payload: big });
  t.equal(anon.statusCode, 401, 'anonymous: refused before its oversized body is parsed');
  t.equal(anon.json<ErrorShape>().error.code, 'RW_ERR_AUTH');
  const viewerRead = await app.inject({ method: 'GET', url: '/api/v1/conflict', headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
  t.equal(viewerRead.statusCode, 409, 'a viewer reads');
  const viewerWrite = await app.inject({ method: 'POST', url: '/api/v1/echo', headers: { authorization: `Bearer ${VIEWER_TOKEN}` }, payload: '{}' });
  t.equal(viewerWrite.statusCode, 403);
  t.equal(viewerWrite.json<ErrorShape>().error.code, 'RW_ERR_FORBIDDEN');
  t.match(viewerWrite.json<ErrorShape>().error.message, 'rules:write');
  const wrong = await app.inject({ method: 'GET', url: '/api/v1/conflict', headers: { authorization: 'Bearer rw_nope' } });
  t.equal(wrong.statusCode, 401, 'a wrong token is refused, not treated as anonymous');
  const stale = await app.inject({ method: 'GET', url: '/api/v1/conflict', cookies: { rw_session: 'ended-session' } });
  t.equal(stale.statusCode, 401);
  t.equal(stale.json<ErrorShape>().error.code, 'RW_ERR_SESSION', 'an ended session says so, for the UI to show the sign-in screen');
});

void t.test('CSRF (SEC): a change riding on the session cookie needs the page\'s token; an API token does not', async (t) => {
  const app = await appWithRoutes(t);
  app.get('/api/v1/csrf', { config: { permission: 'public' } }, (_req, reply) => sendJson(reply, 200, { token: csrfTokenFor(reply) }));
  const page = await app.inject({ method: 'GET', url: '/api/v1/csrf' });
  const secret = page.cookies.find((c) => c.name === 'rw_csrf');
  t.ok(secret?.httpOnly, 'the CSRF secret is an HttpOnly cookie');
  t.equal(secret?.sameSite, 'Strict');
  const cookies = { rw_session: 'live-session', rw_csrf: secret?.value ?? '' };
  const none = await app.inject({ method: 'POST', url: '/api/v1/echo', cookies, payload: '{}' });
  t.equal(none.statusCode, 403, 'no token: refused');
  t.equal(none.json<ErrorShape>().error.code, 'RW_ERR_CSRF');
  const forged = await app.inject({ method: 'POST', url: '/api/v1/echo', cookies, headers: { 'x-csrf-token': 'guessed' }, payload: '{}' });
  t.equal(forged.statusCode, 403, 'a wrong token: refused');
  const right = await app.inject({ method: 'POST', url: '/api/v1/echo', cookies, headers: { 'x-csrf-token': page.json<{ token: string }>().token }, payload: '{"a":1}' });
  t.equal(right.statusCode, 200, 'the page\'s token: accepted');
  t.same(right.json(), { got: { a: 1 } });
  const read = await app.inject({ method: 'GET', url: '/api/v1/conflict', cookies: { rw_session: 'live-session' } });
  t.equal(read.statusCode, 409, 'a read needs no token');
  const bearer = await asAdmin(app, { method: 'POST', url: '/api/v1/echo', payload: '{}' });
  t.equal(bearer.statusCode, 200, 'an API token needs no CSRF token');
});
