// A request must arrive whole within the request timeout (docs/api.md "Limits"): a POST whose
// body is dribbled in a byte at a time is closed (408) instead of holding a socket forever,
// while a stream that has been fully requested (GET /api/v1/stream) lives on. A raw socket,
// because the point is what the server does with a slow client.
import net from 'node:net';
import t from 'tap';
import { createHttpApp, HttpServer, sendJson } from '../../../appliance/http/http-server.js';
import { eventStreamRoutes } from '../../../appliance/live/event-stream.js';
import { LiveHub } from '../../../appliance/live/live-hub.js';
import { silentLogger } from '../../../core/logger.js';
import { fixedAuthenticator } from '../../helpers/test-authenticator.js';

const REQUEST_TIMEOUT_MS = 1_000;
// a signed-in caller (an anonymous one is refused before its body is read)
const TOKEN = 'rw_timeout-test';
const auth = fixedAuthenticator({ [TOKEN]: { username: 'ops', role: 'admin' } });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

void t.test('a slow body is cut off at the request timeout; a stream is not', async (t) => {
  const app = await createHttpApp({ logger: silentLogger, auth, requestTimeoutMs: REQUEST_TIMEOUT_MS, timeoutCheckMs: 100 });
  app.post('/api/v1/echo', { config: { permission: 'rules:write' } }, (req, reply) => sendJson(reply, 200, { got: req.body ?? null }));
  await app.register(eventStreamRoutes, { hub: new LiveHub({ ringSize: 4, bootTimeMs: 0 }), heartbeatMs: 300, maxBufferedBytes: 1 << 16, retryMs: 1000 });
  const server = new HttpServer({ host: '127.0.0.1', port: 0, app });
  await server.start();
  t.teardown(() => server.stop());

  const slow = net.connect(server.port, '127.0.0.1');
  t.teardown(() => { slow.destroy(); });
  await new Promise((resolve) => slow.once('connect', resolve));
  let answer = '';
  let closedAt = 0;
  slow.setEncoding('latin1');
  slow.on('data', (d: string) => { answer += d; });
  slow.on('close', () => { closedAt = Date.now(); });
  slow.on('error', () => { /* the server may reset it */ });
  const start = Date.now();
  slow.write(`POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":"`);
  // a byte every 100 ms: each keeps the socket busy, none completes the body
  while (closedAt === 0 && Date.now() - start < 10 * REQUEST_TIMEOUT_MS) {
    if (!slow.destroyed) slow.write('x');
    await sleep(100);
  }
  t.not(closedAt, 0, 'the connection is closed');
  t.ok(closedAt - start < 4 * REQUEST_TIMEOUT_MS, `within a few timeouts (${closedAt - start} ms)`);
  t.match(answer, /^HTTP\/1\.1 408/, '408 Request Timeout');

  const stream = net.connect(server.port, '127.0.0.1');
  t.teardown(() => { stream.destroy(); });
  await new Promise((resolve) => stream.once('connect', resolve));
  let text = '';
  let streamClosed = false;
  stream.setEncoding('latin1');
  stream.on('data', (d: string) => { text += d; });
  stream.on('close', () => { streamClosed = true; });
  stream.write(`GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
  await sleep(3 * REQUEST_TIMEOUT_MS);
  t.notOk(streamClosed, 'the stream outlives the request timeout');
  t.match(text, /^HTTP\/1\.1 200/);
  t.match(text, /content-security-policy: /i, 'with the security headers');
  t.ok((text.match(/: heartbeat/g) ?? []).length >= 5, 'heartbeats keep coming');
});
