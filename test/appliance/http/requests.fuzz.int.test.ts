// Fuzzing the HTTP API's request parsing (RES, SEC): the real appliance in-process (real SQLite,
// rrdcached), its Fastify app driven with inject() as an admin (an API token), so every route's
// handler is reached. Each case picks a registered route and sends it damaged path parameters,
// query strings (the parameters the routes read, with junk values, repeats and malformed
// %-escapes) and bodies (JSON values, objects with the fields routes read, broken JSON, other
// content types). Every answer is 2xx/3xx/4xx (a 4xx with an RW_ERR_… code), never 500, and it
// comes: a request that does not answer within a bound is a hang.
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { Appliance } from '../../../appliance/appliance.js';
import { SETUP_CODE_FILE } from '../../../appliance/accounts/setup-code.js';
import { applianceConfigSchema } from '../../../appliance/config.js';
import { registeredRoutes } from '../../../appliance/http/http-server.js';
import type { CreatedToken, SessionResponse } from '../../../contract/accounts-api.js';
import { silentLogger } from '../../../core/logger.js';
import { fuzzParams } from '../../helpers/fuzz.js';
import { tempDir } from '../../helpers/temp-dir.js';

const ANSWER_WITHIN_MS = 10_000;

// routes that end the caller's own access or replace the appliance's identity: fuzzing them would
// only fuzz "401 after I signed myself out"; their parsing is the same code as the others'
const SKIP = /\/stream$|\/auth\/|\/tokens|\/users|\/tls\//;

const PARAM_NAMES = ['agent', 'before', 'family', 'from', 'group', 'key', 'lang', 'lastEventId', 'limit', 'minSeverity', 'points', 'q', 'severity', 'sort', 'state', 'to', 'id', ''];
const junkText = fc.oneof(
  fc.constantFrom('', '0', '-1', '1e9', '9'.repeat(40), 'NaN', 'Infinity', '0x10', '1.5', 'true', 'null', '[]', '{}', 'open', 'cpu', 'critical', '__proto__', 'constructor', '../../etc/passwd', '한국어', '\u0000', ' ', 'a'.repeat(5000)),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.integer().map(String),
);
/** a query-string value: encoded junk, or raw text with a malformed %-escape */
const queryValue = fc.oneof(junkText.map(encodeURIComponent), fc.constantFrom('%', '%zz', '%E0%A4%A', '%00', '%2', '+', '%FF%FE'));
const queryString = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...PARAM_NAMES), fc.string({ maxLength: 8 }).map(encodeURIComponent)), queryValue), { maxLength: 6 })
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));
const pathParam = fc.oneof(junkText.map(encodeURIComponent), fc.constantFrom('%', '%zz', '..', '%2e%2e', 'web-01', '1', '0', 'default-agent-silent', 'kim'));

const FIELD_NAMES = ['name', 'id', 'phone', 'language', 'severities', 'schedule', 'escalationLevel', 'enabled', 'metric', 'comparison', 'levels', 'recovery', 'forS', 'scope', 'kind', 'agentId', 'members', 'minutes', 'text', 'to', 'hostname', 'token', 'note', 'overrides', 'address', 'from', 'code', 'ms', 'every'];
const body = fc.oneof(
  fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue({ maxDepth: 3 }) }),
  fc.record({ kind: fc.constant('json' as const), value: fc.dictionary(fc.constantFrom(...FIELD_NAMES), fc.oneof(fc.jsonValue({ maxDepth: 2 }), junkText), { maxKeys: 8 }) }),
  fc.record({ kind: fc.constant('raw' as const), text: fc.oneof(fc.constantFrom('{', '{"a":', '[1,2', 'null', '"x"', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', '\u0000'), fc.string({ maxLength: 60 })), type: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data') }),
  fc.constant({ kind: 'none' as const }),
);

void t.test('any query string, path parameter and body on any route: an answer, 2xx–4xx with an RW_ERR code, never a 500 or a hang', async (t) => {
  const dataDir = tempDir(t, 'rw-http-fuzz-');
  const config = applianceConfigSchema.parse({ dataDir, httpPort: 0, httpsPort: 0, httpPlain: 'serve', mqttPort: 0, mqttsPort: 0, listen: '127.0.0.1', modem: 'none' });
  const appliance = new Appliance({ config, logger: silentLogger });
  t.teardown(() => appliance.stop());
  await appliance.start();
  const app = appliance.httpApp as FastifyInstance;

  const page = await app.inject({ method: 'GET', url: '/api/v1/auth/session' });
  const cookies: Record<string, string> = Object.fromEntries(page.cookies.map((c) => [c.name, c.value]));
  const csrf = page.json<SessionResponse>().csrfToken;
  const setup = await app.inject({
    method: 'POST', url: '/api/v1/auth/setup', cookies, headers: { 'x-csrf-token': csrf },
    payload: { code: readFileSync(path.join(dataDir, SETUP_CODE_FILE), 'utf8').trim(), username: 'admin', password: 'fuzz-test-password' },
  });
  for (const c of setup.cookies) cookies[c.name] = c.value;
  const made = await app.inject({ method: 'POST', url: '/api/v1/tokens', cookies, headers: { 'x-csrf-token': csrf }, payload: { name: 'fuzz', role: 'admin' } });
  t.equal(made.statusCode, 201, 'an admin API token');
  const authorization = `Bearer ${made.json<CreatedToken>().token}`;

  const routes = registeredRoutes(app).filter((r) => r.method !== 'HEAD' && r.url.startsWith('/api/') && !SKIP.test(r.url));
  t.ok(routes.length > 40, `${routes.length} routes fuzzed`);
  const statuses = new Map<number, number>();

  await fc.assert(fc.asyncProperty(fc.nat({ max: routes.length - 1 }), fc.array(pathParam, { minLength: 3, maxLength: 3 }), queryString, body, async (r, params, query, b) => {
    const route = routes[r] as (typeof routes)[number];
    let n = 0;
    const url = `${route.url.replace(/:[a-zA-Z]+/g, () => params[n++ % params.length] ?? 'x')}${query ? `?${query}` : ''}`;
    const payload = b.kind === 'json' ? { payload: JSON.stringify(b.value), headers: { 'content-type': 'application/json' } }
      : b.kind === 'raw' ? { payload: b.text, headers: { 'content-type': b.type } }
        : { headers: {} };
    let timer: NodeJS.Timeout | undefined;
    const res = await Promise.race([
      app.inject({ method: route.method as 'GET', url, ...(route.method === 'GET' ? {} : { payload: payload.payload }), headers: { ...payload.headers, authorization } }),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${route.method} ${url}: no answer within ${ANSWER_WITHIN_MS} ms`)), ANSWER_WITHIN_MS); }),
    ]).finally(() => clearTimeout(timer));
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    if (res.statusCode >= 500) throw new Error(`${route.method} ${url} ${JSON.stringify(payload.payload ?? '')}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    if (res.statusCode >= 400) {
      const code = (JSON.parse(res.body) as { error?: { code?: unknown } }).error?.code;
      if (typeof code !== 'string' || !/^RW_ERR_[A-Z_]+$/.test(code)) throw new Error(`${route.method} ${url}: ${res.statusCode} without an RW_ERR code: ${res.body.slice(0, 300)}`);
    }
  }), fuzzParams(250));
  t.comment(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`);
  t.ok([...statuses.keys()].some((s) => s < 300), 'some requests still succeed, so handlers are reached');
});
