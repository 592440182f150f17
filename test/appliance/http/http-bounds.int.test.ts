// RES (docs/bounds.md): the HTTP layer's bounds against real sockets, each refusal in the API's
// error shape and counted (HttpRefusalCounters, GET /api/v1/health `refusals`): a body over the
// limit is 413; a request line or headers over MAX_HEADER_BYTES (a long query string included)
// 431; headers sent forever (slowloris) 408 and closed at the headers timeout, measured with a
// short configured timeout; connections beyond the cap are closed as they arrive.
import net from 'node:net';
import t from 'tap';
import { createHttpApp, HttpServer, httpRefusalCounters, MAX_HEADER_BYTES, MAX_JSON_BODY_BYTES, sendJson } from '../../../appliance/http/http-server.js';
import { silentLogger } from '../../../core/logger.js';
import { fixedAuthenticator } from '../../helpers/test-authenticator.js';
import type { Teardownable } from '../../helpers/appliance-harness.js';

const TOKEN = 'rw_bounds-test';
const REQUEST_TIMEOUT_MS = 1_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function serve(t: Teardownable, maxConnections?: number) {
  const refusals = httpRefusalCounters();
  const app = await createHttpApp({
    logger: silentLogger, auth: fixedAuthenticator({ [TOKEN]: { username: 'ops', role: 'admin' } }),
    requestTimeoutMs: REQUEST_TIMEOUT_MS, timeoutCheckMs: 100, refusals, ...(maxConnections !== undefined ? { maxConnections } : {}),
  });
  app.post('/api/v1/echo', { config: { permission: 'rules:write' } }, (req, reply) => sendJson(reply, 200, { got: req.body ?? null }));
  app.get('/api/v1/ping', { config: { permission: 'public' } }, (_req, reply) => sendJson(reply, 200, { ok: true }));
  const server = new HttpServer({ host: '127.0.0.1', port: 0, app });
  await server.start();
  t.teardown(() => server.stop());
  return { url: `http://127.0.0.1:${server.port}`, port: server.port, refusals };
}

/** Sends raw bytes on a new connection; resolves with everything the server answered once it closes. */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(request));
    let answer = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => { answer += d; });
    s.on('error', () => undefined);
    s.on('close', () => resolve(answer));
  });
}

function errorOf(answer: string): { code: string; message: string } | undefined {
  const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
  return (JSON.parse(body) as { error?: { code: string; message: string } }).error;
}

void t.test('a body over the limit is 413 RW_ERR_BAD_REQUEST and counted; one within it passes', async (t) => {
  const { url, refusals } = await serve(t);
  const post = (body: string) => fetch(`${url}/api/v1/echo`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body });
  const big = await post(JSON.stringify({ x: 'y'.repeat(MAX_JSON_BODY_BYTES) }));
  t.equal(big.status, 413);
  t.match(await big.json(), { error: { code: 'RW_ERR_BAD_REQUEST', message: String(MAX_JSON_BODY_BYTES) } });
  t.equal(refusals.bodyTooLarge, 1, 'counted');
  t.equal((await post(JSON.stringify({ x: 'y'.repeat(1000) }))).status, 200);
});

void t.test('headers or a query string over MAX_HEADER_BYTES are 431 in the error shape, counted', async (t) => {
  const { port, refusals } = await serve(t);
  const cookie = await rawExchange(port, `GET /api/v1/ping HTTP/1.1\r\nHost: x\r\nCookie: ${'a'.repeat(MAX_HEADER_BYTES + 100)}\r\n\r\n`);
  t.match(cookie, /^HTTP\/1\.1 431/);
  t.match(errorOf(cookie), { code: 'RW_ERR_BAD_REQUEST', message: String(MAX_HEADER_BYTES) });
  const query = await rawExchange(port, `GET /api/v1/ping?q=${'b'.repeat(MAX_HEADER_BYTES + 100)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  t.match(query, /^HTTP\/1\.1 431/, 'the request line counts');
  t.equal(refusals.headersTooLarge, 2);
  const fine = await rawExchange(port, `GET /api/v1/ping?q=${'b'.repeat(2000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  t.match(fine, /^HTTP\/1\.1 200/, 'a long but bounded query string passes');
});

void t.test('headers sent forever (slowloris) are cut off at the headers timeout with 408, counted', async (t) => {
  const { port, refusals } = await serve(t);
  const s = net.connect(port, '127.0.0.1');
  t.teardown(() => { s.destroy(); });
  await new Promise((resolve) => s.once('connect', resolve));
  let answer = '';
  let closedAt = 0;
  s.setEncoding('latin1');
  s.on('data', (d: string) => { answer += d; });
  s.on('close', () => { closedAt = Date.now(); });
  s.on('error', () => undefined);
  const start = Date.now();
  s.write('GET /api/v1/ping HTTP/1.1\r\nHost: x\r\n');
  // a new header line every 100 ms, never the blank line that ends them
  for (let i = 0; closedAt === 0 && Date.now() - start < 10 * REQUEST_TIMEOUT_MS; i++) {
    if (!s.destroyed) s.write(`X-Slow-${i}: 1\r\n`);
    await sleep(100);
  }
  t.not(closedAt, 0, 'closed');
  t.ok(closedAt - start < 3 * REQUEST_TIMEOUT_MS, `within a few timeouts (${closedAt - start} ms, timeout ${REQUEST_TIMEOUT_MS} ms)`);
  t.match(answer, /^HTTP\/1\.1 408/);
  t.match(errorOf(answer), { code: 'RW_ERR_BAD_REQUEST' });
  t.equal(refusals.timeouts, 1, 'counted');
});

void t.test('connections beyond the cap are closed as they arrive, counted; one frees a place when it closes', async (t) => {
  const { port, refusals } = await serve(t, 3);
  const open = (): Promise<net.Socket> => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', () => undefined);
  });
  const held = [await open(), await open(), await open()];
  t.teardown(() => { for (const s of held) s.destroy(); });
  const answer = await rawExchange(port, 'GET /api/v1/ping HTTP/1.1\r\nHost: x\r\n\r\n');
  t.equal(answer, '', 'the fourth gets no answer: closed');
  t.equal(refusals.connectionsDropped, 1, 'counted');
  held.pop()?.destroy();
  await sleep(100);
  const again = await rawExchange(port, 'GET /api/v1/ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  t.match(again, /^HTTP\/1\.1 200/, 'served once a place is free');
});
