// Enrollment (S3) against a real HTTP server on loopback: the identity file, its permissions,
// its reuse, the coded refusals and the retries.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { EnrollRequest, EnrollResponse } from '../../contract/api.js';
import { isRwError } from '../../contract/errors.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { enrollUrl, IDENTITY_FILE, loadOrEnroll, readIdentity, type EnrollDeps } from '../../agent/enroll.js';

type Handler = (body: unknown, res: ServerResponse) => void;

/** An appliance stand-in: answers POST /api/v1/enroll with `handler`, counting requests. */
async function applianceStub(t: Test, handler: Handler): Promise<{ url: URL; requests: { path: string; body: unknown }[] }> {
  const requests: { path: string; body: unknown }[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (chunk: Buffer) => { text += chunk.toString('utf8'); });
    req.on('end', () => {
      const body: unknown = JSON.parse(text || 'null');
      requests.push({ path: req.url ?? '', body });
      handler(body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }));
  const { port } = server.address() as AddressInfo;
  return { url: new URL(`http://127.0.0.1:${port}`), requests };
}

const granted: EnrollResponse = { agentId: 'a-7f3c', secret: 's3cr3t', mqtt: { port: 1883 } };
const reply = (status: number, body?: unknown): Handler => (_body, res) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(body === undefined ? '' : JSON.stringify(body));
};

function deps(stateDir: string, url: URL, extra: Partial<EnrollDeps> = {}): EnrollDeps {
  return {
    applianceUrl: url, token: 'tok-1', stateDir, hostname: 'web-01', clock: systemClock, log: silentLogger,
    retryBaseMs: 1, retryMaxMs: 4, ...extra,
  };
}

void t.test('the first start enrolls and stores the identity 0600 in a 0700 directory', async (t) => {
  const appliance = await applianceStub(t, reply(200, granted));
  const stateDir = path.join(t.testdir(), 'var', 'agent');
  const identity = await loadOrEnroll(deps(stateDir, appliance.url));
  t.same(identity, { agentId: 'a-7f3c', secret: 's3cr3t', mqttPort: 1883 });
  t.same(appliance.requests, [{ path: '/api/v1/enroll', body: { token: 'tok-1', hostname: 'web-01' } satisfies EnrollRequest }]);
  const file = path.join(stateDir, IDENTITY_FILE);
  t.equal(statSync(file).mode & 0o777, 0o600, 'identity.json is readable by the agent\'s user only');
  t.equal(statSync(stateDir).mode & 0o777, 0o700, 'the state directory is private');
  t.same(JSON.parse(readFileSync(file, 'utf8')), { agentId: 'a-7f3c', secret: 's3cr3t', mqttPort: 1883 });
});

void t.test('a restart reuses the stored identity without enrolling again, token or not', async (t) => {
  const appliance = await applianceStub(t, reply(200, granted));
  const stateDir = t.testdir();
  const first = await loadOrEnroll(deps(stateDir, appliance.url));
  const again = await loadOrEnroll(deps(stateDir, appliance.url));
  const withoutToken = await loadOrEnroll(deps(stateDir, appliance.url, { token: undefined }));
  t.same(again, first);
  t.same(withoutToken, first);
  t.equal(appliance.requests.length, 1, 'only the first start talked to the appliance');
});

void t.test('refusals are coded errors and leave no identity behind', async (t) => {
  const cases: [string, Handler, string][] = [
    ['401', reply(401, { error: { code: 'RW_ERR_ENROLL_TOKEN', message: 'bad token' } }), 'RW_ERR_ENROLL_TOKEN'],
    ['507', reply(507, { error: { code: 'RW_ERR_CAPACITY', message: 'full' } }), 'RW_ERR_CAPACITY'],
    ['400 with a catalogued code', reply(400, { error: { code: 'RW_ERR_BAD_REQUEST', message: 'hostname too long' } }), 'RW_ERR_BAD_REQUEST'],
    ['418 without a body', reply(418), 'RW_ERR_INTERNAL'],
    ['200 with a malformed body', reply(200, { agentId: 'x' }), 'RW_ERR_BAD_PAYLOAD'],
  ];
  for (const [name, handler, code] of cases) {
    const appliance = await applianceStub(t, handler);
    const stateDir = t.testdir();
    await t.rejects(loadOrEnroll(deps(stateDir, appliance.url)), { code }, name);
    t.equal(readIdentity(stateDir), null, `${name}: nothing stored`);
    t.equal(appliance.requests.length, 1, `${name}: not retried`);
  }
});

void t.test('network errors and 503 are retried with a growing, capped delay', async (t) => {
  const appliance = await applianceStub(t, reply(200, granted));
  const delays: number[] = [];
  const clock: Clock = { ...systemClock, setTimeout: (fn, ms) => { delays.push(ms); return systemClock.setTimeout(fn, ms); } };
  let calls = 0;
  const flakyFetch: typeof fetch = async (input, init) => {
    calls++;
    if (calls <= 3) throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    if (calls === 4) return new Response('busy', { status: 503 });
    return fetch(input, init);
  };
  const identity = await loadOrEnroll(deps(t.testdir(), appliance.url, { clock, fetch: flakyFetch }));
  t.equal(identity.agentId, 'a-7f3c');
  t.equal(calls, 5);
  t.same(delays, [1, 2, 4, 4], 'doubling from retryBaseMs, capped at retryMaxMs');
});

void t.test('stopping the agent aborts the retry loop', async (t) => {
  const controller = new AbortController();
  const failingFetch: typeof fetch = () => Promise.reject(new TypeError('fetch failed'));
  const pending = loadOrEnroll(deps(t.testdir(), new URL('http://127.0.0.1:9'), {
    fetch: failingFetch, retryBaseMs: 60_000, retryMaxMs: 60_000, signal: controller.signal,
  }));
  setTimeout(() => controller.abort(new Error('stopped by SIGTERM')), 20);
  await t.rejects(pending, { message: 'stopped by SIGTERM' });
});

void t.test('without an identity the token is required; a corrupt identity is a config error', async (t) => {
  const stateDir = t.testdir();
  const noToken = loadOrEnroll(deps(stateDir, new URL('http://127.0.0.1:9'), { token: undefined }));
  await t.rejects(noToken, { code: 'RW_ERR_CONFIG', message: /--token/ });

  mkdirSync(stateDir, { recursive: true });
  writeFileSync(path.join(stateDir, IDENTITY_FILE), '{"agentId": 1}');
  try {
    readIdentity(stateDir);
    t.fail('expected a config error');
  } catch (error) {
    t.ok(isRwError(error, 'RW_ERR_CONFIG'));
  }
});

void t.test('the enrollment URL keeps a path prefix of the appliance address', (t) => {
  t.equal(enrollUrl(new URL('http://rw.local:8080')), 'http://rw.local:8080/api/v1/enroll');
  t.equal(enrollUrl(new URL('https://rw.example/rackwatch/')), 'https://rw.example/rackwatch/api/v1/enroll');
  t.end();
});
