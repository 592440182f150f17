// The web UI's request plumbing for sessions (SEC), without a browser: every change carries the
// CSRF token, an answer that nobody is signed in is reported once per call (not for a wrong
// password), a 429's Retry-After reaches the error, the live stream can be restarted after a
// sign-in (a new EventSource, and views told to resync), and the TOTP QR code reads back.
import t from 'tap';
import decodeQR from 'qr/decode.js';
import { qrModules, qrPathData } from '../../webui/src/components/qr-code.js';
import { ApiRequestError, requestJson, setAuthHooks, type SignedOutCode } from '../../webui/src/api-client.js';
import { LiveStream, type EventSourceLike } from '../../webui/src/live-stream.js';

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
}

/** Replaces fetch for one test: records each request and answers with `answer`. */
function stubFetch(t: { teardown(fn: () => unknown): void }, answer: (req: Sent) => Response): Sent[] {
  const sent: Sent[] = [];
  const real = globalThis.fetch;
  globalThis.fetch = ((url: string, init: RequestInit = {}) => {
    const req = { url: String(url), method: init.method ?? 'GET', headers: init.headers as Record<string, string> };
    sent.push(req);
    return Promise.resolve(answer(req));
  }) as typeof fetch;
  t.teardown(() => {
    globalThis.fetch = real;
  });
  return sent;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

void t.test('changes carry the CSRF token; reads do not need it', async (t) => {
  const sent = stubFetch(t, () => json(200, { ok: true }));
  t.teardown(setAuthHooks({ csrfToken: () => 'tok-1', onSignedOut: () => undefined }));
  await requestJson('/rules');
  await requestJson('/rules', { method: 'POST', body: { a: 1 } });
  await requestJson('/rules/x', { method: 'DELETE' });
  t.equal(sent[0]?.headers['x-csrf-token'], undefined, 'GET: no token');
  t.equal(sent[1]?.headers['x-csrf-token'], 'tok-1', 'POST: the token');
  t.equal(sent[2]?.headers['x-csrf-token'], 'tok-1', 'DELETE: the token');
});

void t.test('a 401 that means "nobody is signed in" is reported; a wrong password is not', async (t) => {
  const codes: SignedOutCode[] = [];
  t.teardown(setAuthHooks({ csrfToken: () => '', onSignedOut: (c) => codes.push(c) }));
  let answer = json(401, { error: { code: 'RW_ERR_SESSION', message: 'ended' } });
  stubFetch(t, () => answer);
  await t.rejects(requestJson('/rules'), { code: 'RW_ERR_SESSION', status: 401 });
  answer = json(401, { error: { code: 'RW_ERR_AUTH', message: 'sign in' } });
  await t.rejects(requestJson('/rules'));
  answer = json(401, { error: { code: 'RW_ERR_SESSION', message: 'ended' } });
  await t.rejects(requestJson('/auth/password', { method: 'POST', body: {}, credentialCheck: true }), { code: 'RW_ERR_SESSION' }, 'a credential check keeps its 401 to itself');
  answer = json(401, { error: { code: 'RW_ERR_LOGIN', message: 'wrong' } });
  await t.rejects(requestJson('/auth/login', { method: 'POST', body: {} }), { code: 'RW_ERR_LOGIN' });
  answer = json(403, { error: { code: 'RW_ERR_FORBIDDEN', message: 'no' } });
  await t.rejects(requestJson('/contacts'), { code: 'RW_ERR_FORBIDDEN' });
  t.same(codes, ['RW_ERR_SESSION', 'RW_ERR_AUTH'], 'only the two "signed out" answers of ordinary calls');
});

void t.test('a throttled answer carries its Retry-After in seconds', async (t) => {
  stubFetch(t, () => json(429, { error: { code: 'RW_ERR_THROTTLED', message: 'wait' } }, { 'retry-after': '4' }));
  const e = await requestJson('/auth/login', { method: 'POST', body: {}, credentialCheck: true }).catch((err: unknown) => err);
  t.ok(e instanceof ApiRequestError);
  t.equal((e as ApiRequestError).retryAfterS, 4);
});

class FakeSource implements EventSourceLike {
  readyState = 0;
  onopen: ((ev: Event) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  addEventListener(): void {}
  close(): void {
    this.closed = true;
  }
}

void t.test('restart() opens a new stream at once and tells the views to resync when it opens', (t) => {
  const opened: FakeSource[] = [];
  const stream = new LiveStream('/api/v1/stream', (url) => {
    const s = new FakeSource(url);
    opened.push(s);
    return s;
  });
  let resyncs = 0;
  stream.onResync(() => resyncs++);
  stream.start();
  opened[0]?.onopen?.(new Event('open'));
  t.equal(resyncs, 0, 'the first open is no resync');
  stream.restart();
  t.equal(opened.length, 2, 'a second EventSource, without waiting for a back-off');
  t.ok(opened[0]?.closed, 'the first one is closed');
  opened[1]?.onopen?.(new Event('open'));
  t.equal(resyncs, 1, 'and the views resync once it opens');
  t.equal(stream.state, 'open');
  stream.stop();
  t.end();
});

void t.test('the QR code drawn from our path data reads back as the otpauth link', (t) => {
  const uri = 'otpauth://totp/rackwatch:otto?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=rackwatch';
  const modules = qrModules(uri);
  const size = modules.length;
  // paint each "M x y h1v1h-1z" square of the path, 8 pixels a module, black on white
  const scale = 8;
  const px = size * scale;
  const data = new Uint8Array(px * px * 4).fill(255);
  for (const m of qrPathData(modules).matchAll(/M(\d+) (\d+)h1v1h-1z/g)) {
    const x0 = Number(m[1]) * scale;
    const y0 = Number(m[2]) * scale;
    for (let y = y0; y < y0 + scale; y++) for (let x = x0; x < x0 + scale; x++) data.fill(0, (y * px + x) * 4, (y * px + x) * 4 + 3);
  }
  t.equal(decodeQR({ width: px, height: px, data }), uri);
  t.ok(modules[0]?.every((dark) => !dark), 'with a light quiet zone around it');
  t.end();
});
