// The live stream's per-subscriber buffer limit, on a real HTTP server and a real socket: a
// reconnect whose replay alone exceeds the limit keeps its stream; a reader that stops reading
// while live events pile up is cut off. Who gets which events: SMS events by role, file job
// states (S17) to admins and to users granted a group holding the server.
import type { OutboxEntry } from '../../../contract/alerts-api.js';
import net from 'node:net';
import t, { type Test } from 'tap';
import { LiveHub } from '../../../appliance/live/live-hub.js';
import { eventStreamRoutes } from '../../../appliance/live/event-stream.js';
import { createHttpApp, HttpServer } from '../../../appliance/http/http-server.js';
import { silentLogger } from '../../../core/logger.js';
import { fixedAuthenticator } from '../../helpers/test-authenticator.js';

const LIMIT = 256 * 1024;
/** a sample event of ~4 KB */
const PADDING = 'x'.repeat(4000);

function publishSample(hub: LiveHub, n: number): void {
  hub.publish('sample', 'a1', { agentId: 'a1', batch: { v: 1, i: 5, s: [{ t: n, f: 'fs', k: PADDING, v: { used: n } }] } });
}

/** the stream needs a signed-in caller: a viewer's API token */
const TOKEN = 'rw_stream-test';

async function serve(tt: Test, hub: LiveHub): Promise<number> {
  const app = await createHttpApp({ logger: silentLogger, auth: fixedAuthenticator({ [TOKEN]: { username: 'ops', role: 'viewer' } }) });
  await app.register(eventStreamRoutes, { hub, heartbeatMs: 60_000, maxBufferedBytes: LIMIT, retryMs: 1000 });
  const server = new HttpServer({ host: '127.0.0.1', port: 0, app });
  await server.start();
  tt.teardown(() => server.stop());
  return server.port;
}

/** A raw client that does not read until told to: the server's writes pile up behind it. */
async function stalledClient(tt: Test, port: number, lastEventId: number): Promise<{ resume(): void; received(): string; closed(): boolean }> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  tt.teardown(() => { socket.destroy(); });
  let text = '';
  let closed = false;
  socket.on('close', () => { closed = true; });
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => { text += chunk; });
  socket.pause();
  socket.write(`GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nLast-Event-ID: ${lastEventId}\r\n\r\n`);
  return { resume: () => socket.resume(), received: () => text, closed: () => closed };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

void t.test('a reconnect that replays more than the limit keeps its stream and gets the next live event', async (t) => {
  const hub = new LiveHub({ ringSize: 4096, bootTimeMs: 1_000 });
  for (let n = 1; n <= 4000; n++) publishSample(hub, n); // ~16 MB: more than the kernel's socket buffers
  const port = await serve(t, hub);
  const client = await stalledClient(t, port, 0);
  await sleep(300); // the replay is queued behind the stalled reader
  publishSample(hub, 4001);
  await sleep(100);
  t.equal(hub.subscriberCount, 1, 'not cut off at the first live event after the replay');
  client.resume();
  const until = Date.now() + 20_000;
  while (!client.received().includes('"t":4001') && !client.closed() && Date.now() < until) await sleep(50);
  t.ok(client.received().includes('"t":4001'), 'the live event arrives after the whole replay');
  t.ok(client.received().includes('"t":1,'), 'and the replay started at the first event');
});

void t.test('a reader that stops reading while live events pile up is cut off', async (t) => {
  const hub = new LiveHub({ ringSize: 16, bootTimeMs: 1_000 });
  const port = await serve(t, hub);
  await stalledClient(t, port, 0);
  await sleep(200);
  t.equal(hub.subscriberCount, 1, 'subscribed');
  for (let n = 1; n <= 4000 && hub.subscriberCount > 0; n++) {
    publishSample(hub, n);
    if (n % 200 === 0) await sleep(10);
  }
  await sleep(200);
  // (the stalled client itself does not see the close: it reads nothing, not even the end)
  t.equal(hub.subscriberCount, 0, 'its stream is ended instead of buffering without bound');
});

void t.test('SEC: SMS events (phone numbers) only reach a role that may read the outbox; a revoked token ends the stream at the next heartbeat', async (t) => {
  const hub = new LiveHub({ ringSize: 64, bootTimeMs: 1_000 });
  const tokens: Record<string, { username: string; role: 'viewer' | 'operator' }> = { 'rw_viewer': { username: 'val', role: 'viewer' }, 'rw_operator': { username: 'ola', role: 'operator' } };
  const app = await createHttpApp({ logger: silentLogger, auth: fixedAuthenticator(tokens) });
  await app.register(eventStreamRoutes, { hub, heartbeatMs: 200, maxBufferedBytes: LIMIT, retryMs: 1000 });
  const server = new HttpServer({ host: '127.0.0.1', port: 0, app });
  await server.start();
  t.teardown(() => server.stop());
  const read = async (token: string): Promise<{ text: () => string; ended: Promise<void> }> => {
    const res = await fetch(`http://127.0.0.1:${server.port}/api/v1/stream`, { headers: { authorization: `Bearer ${token}` } });
    let text = '';
    const ended = (async () => {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) text += Buffer.from(chunk).toString();
    })().catch(() => undefined);
    return { text: () => text, ended };
  };
  const viewer = await read('rw_viewer');
  const operator = await read('rw_operator');
  hub.publish('sms', '', { id: 1, to: '+821012345678', text: 'hello' } as unknown as OutboxEntry);
  publishSample(hub, 1);
  const until = Date.now() + 10_000;
  while (!(viewer.text().includes('"t":1,') && operator.text().includes('"t":1,')) && Date.now() < until) await sleep(50);
  t.match(operator.text(), '+821012345678', 'an operator gets the SMS event');
  t.notMatch(viewer.text(), '+821012345678', 'a viewer does not');
  t.match(viewer.text(), '"t":1,', 'but gets the samples');
  delete tokens.rw_viewer;
  await viewer.ended;
  t.pass('the revoked viewer\'s stream ended');
  const more = Date.now() + 10_000;
  while (!operator.text().includes('heartbeat') && Date.now() < more) await sleep(50);
  t.match(operator.text(), 'heartbeat', 'the operator\'s goes on');
});

void t.test('a file job\'s state goes to admins and to a user granted a group holding that server, no one else (S17)', async (t) => {
  const hub = new LiveHub({ ringSize: 64, bootTimeMs: 1_000 });
  // user ids by position: ada 1, olga 2 (granted group ga: a1 only), otto 3 (no grant)
  const auth = fixedAuthenticator({
    rw_admin: { username: 'ada', role: 'admin' },
    rw_granted: { username: 'olga', role: 'operator', deployGroupIds: ['ga'] },
    rw_plain: { username: 'otto', role: 'operator' },
  });
  const app = await createHttpApp({ logger: silentLogger, auth });
  await app.register(eventStreamRoutes, { hub, heartbeatMs: 60_000, maxBufferedBytes: LIMIT, retryMs: 1000, fileJobVisible: (userId, agentId) => userId === 2 && agentId === 'a1' });
  const server = new HttpServer({ host: '127.0.0.1', port: 0, app });
  await server.start();
  t.teardown(() => server.stop());
  for (const agentId of ['a1', 'b1']) hub.publish('file-job', agentId, { jobId: `job-${agentId}`, agentId, state: 'queued', reason: null, plan: [], at: 1 });
  publishSample(hub, 1);
  const replayed = async (token: string): Promise<string> => {
    const res = await fetch(`http://127.0.0.1:${server.port}/api/v1/stream`, { headers: { authorization: `Bearer ${token}`, 'last-event-id': '0' } });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('"t":1,')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString();
    }
    await reader.cancel();
    return text;
  };
  const jobsIn = (text: string): string[] => [...text.matchAll(/"jobId":"(job-[a-z0-9]+)"/g)].map((m) => m[1] ?? '');
  t.same(jobsIn(await replayed('rw_admin')), ['job-a1', 'job-b1'], 'an admin: every server');
  t.same(jobsIn(await replayed('rw_granted')), ['job-a1'], 'a granted user: the server of their group only');
  t.same(jobsIn(await replayed('rw_plain')), [], 'a user with no grant: none');
});
