// The HTTP layer in-process (app.inject, no port): one error shape for every failure (docs/api.md
// "Errors"), the body limit, malformed JSON, zod schema problems as "path: message", 404 and 405,
// a route without a permission refused at registration, the security headers (SEC), the web UI
// with its client-side-route fallback and ETag revalidation.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createHttpApp, guarded, MAX_JSON_BODY_BYTES, sendJson } from '../../../appliance/http/http-server.js';
import { RwError } from '../../../contract/errors.js';
import { silentLogger } from '../../../core/logger.js';
import { tempDir } from '../../helpers/temp-dir.js';

interface ErrorShape { error: { code: string; message: string; problems?: string[] } }

async function appWithRoutes(t: Test, webuiDir?: string): Promise<FastifyInstance> {
  const app = await createHttpApp({ logger: silentLogger, ...(webuiDir !== undefined ? { webuiDir } : {}) });
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
  const res = await app.inject({ method: 'POST', url: '/api/v1/echo', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ x: 'y'.repeat(MAX_JSON_BODY_BYTES) }) });
  t.equal(res.statusCode, 413);
  const body = res.json<ErrorShape>();
  t.equal(body.error.code, 'RW_ERR_BAD_REQUEST');
  t.match(body.error.message, String(MAX_JSON_BODY_BYTES));
  const fits = await app.inject({ method: 'POST', url: '/api/v1/echo', payload: JSON.stringify({ x: 'y'.repeat(1000) }) });
  t.equal(fits.statusCode, 200, 'a body under the limit passes');
});

void t.test('malformed JSON is 400, whatever the content type; an empty body is no body', async (t) => {
  const app = await appWithRoutes(t);
  for (const type of ['application/json', 'text/plain;charset=UTF-8']) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/echo', headers: { 'content-type': type }, payload: '{"a": ' });
    t.equal(res.statusCode, 400, type);
    t.same(res.json(), { error: { code: 'RW_ERR_BAD_REQUEST', message: 'request body is not JSON' } });
  }
  const empty = await app.inject({ method: 'POST', url: '/api/v1/echo', headers: { 'content-type': 'application/json' }, payload: '' });
  t.same(empty.json(), { got: null });
});

void t.test('schema problems are 400 RW_ERR_VALIDATION with "path: message" lines', async (t) => {
  const app = await appWithRoutes(t);
  const res = await app.inject({ method: 'PUT', url: '/api/v1/things/12', payload: { name: '', size: 11.5 } });
  t.equal(res.statusCode, 400);
  const body = res.json<ErrorShape>();
  t.equal(body.error.code, 'RW_ERR_VALIDATION');
  t.equal(body.error.problems?.length, 2);
  t.match(body.error.problems?.[0], /^name: /);
  t.match(body.error.problems?.[1], /^size: /);
  t.equal(body.error.message, body.error.problems?.join('; '));
  const badParam = await app.inject({ method: 'PUT', url: '/api/v1/things/abc', payload: { name: 'a', size: 1 } });
  t.equal(badParam.statusCode, 400);
  t.match(badParam.json<ErrorShape>().error.problems?.[0], /^id: /);
  const ok = await app.inject({ method: 'PUT', url: '/api/v1/things/12', payload: { name: 'a', size: 3 } });
  t.same(ok.json(), { id: '12', name: 'a', size: 3 });
});

void t.test('errors: RwError with its status, anything else 500 without detail lost in the shape', async (t) => {
  const app = await appWithRoutes(t);
  const conflict = await app.inject({ method: 'GET', url: '/api/v1/conflict' });
  t.equal(conflict.statusCode, 409);
  t.same(conflict.json(), { error: { code: 'RW_ERR_CONFLICT', message: 'already there' } });
  const boom = await app.inject({ method: 'GET', url: '/api/v1/boom' });
  t.equal(boom.statusCode, 500);
  t.equal(boom.json<ErrorShape>().error.code, 'RW_ERR_INTERNAL');
});

void t.test('an unknown route is 404 and a known path with another method 405, in the same shape', async (t) => {
  const app = await appWithRoutes(t);
  const missing = await app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json<ErrorShape>().error.code, 'RW_ERR_NOT_FOUND');
  t.equal(missing.headers['content-type'], 'application/json; charset=utf-8');
  const wrongMethod = await app.inject({ method: 'DELETE', url: '/api/v1/echo' });
  t.equal(wrongMethod.statusCode, 405);
  t.equal(wrongMethod.json<ErrorShape>().error.code, 'RW_ERR_BAD_REQUEST');
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
    const res = await app.inject({ method: 'GET', url });
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
  const js = await app.inject({ method: 'GET', url: '/assets/main.js' });
  t.equal(js.statusCode, 200);
  t.match(js.headers['content-type'], /javascript/);
  t.equal(js.headers['cache-control'], 'no-cache', 'revalidated, not cached forever (no hashed names)');
  const etag = js.headers.etag;
  t.ok(etag, 'an ETag');
  const again = await app.inject({ method: 'GET', url: '/assets/main.js', headers: { 'if-none-match': String(etag) } });
  t.equal(again.statusCode, 304);
  const gz = await app.inject({ method: 'GET', url: '/assets/main.js', headers: { 'accept-encoding': 'gzip' } });
  t.equal(gz.headers['content-encoding'], 'gzip', 'compressed when asked');
  const route = await app.inject({ method: 'GET', url: '/alerts/12' });
  t.equal(route.statusCode, 200);
  t.match(route.body, '<title>ui</title>', 'a client-side route is index.html');
  t.equal((await app.inject({ method: 'GET', url: '/assets/nope.js' })).statusCode, 404, 'a missing file is 404, not index.html');
  for (const url of ['/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2f..%2fetc%2fpasswd', '/..%5c..%5cetc/hosts']) {
    const out = await app.inject({ method: 'GET', url });
    t.notMatch(out.body, /root:|localhost/, `${url}: nothing outside the UI directory`);
  }
  const api = await app.inject({ method: 'GET', url: '/api/v2/anything' });
  t.equal(api.statusCode, 404);
  t.equal(api.json<ErrorShape>().error.code, 'RW_ERR_NOT_FOUND');
  t.equal((await app.inject({ method: 'POST', url: '/alerts' })).statusCode, 405, 'the UI is GET only');
});
