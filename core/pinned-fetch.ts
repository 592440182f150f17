// fetch() over HTTPS trusting one public key (SEC): the agent's enrollment when it was installed
// with the appliance's pin (`--appliance https://… --pin sha256//…`). Node's fetch cannot be told
// to trust a key instead of a CA, so this is the small part of fetch enrollment uses: one request
// on its own pinned TLS connection (pinned-tls.ts), whose key is checked before the request, and
// with it the enrollment token, is written.
import type http from 'node:http';
import { nodeHttp } from './lazy-builtins.js';
import { connectTls } from './pinned-tls.js';

/** statuses whose Response may have no body */
const NULL_BODY = new Set([101, 204, 205, 304]);
const TIMEOUT_MS = 30_000;

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export function pinnedFetch(pin: string): FetchLike {
  return async (url, init) => {
    const u = new URL(url);
    if (u.protocol !== 'https:') throw new TypeError(`a pinned request needs an https:// URL, not ${u.protocol}`);
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = u.port ? Number(u.port) : 443;
    const socket = connectTls(host, port, pin);
    socket.setTimeout(TIMEOUT_MS, () => socket.destroy(new Error(`no answer from ${u.host} within ${TIMEOUT_MS / 1000} s`)));
    const onAbort = (): void => { socket.destroy(init.signal?.reason instanceof Error ? init.signal.reason : new Error('aborted')); };
    init.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      // nothing is written before the key has been compared (a mismatch destroys the socket)
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.once('secureConnect', () => {
          if (socket.destroyed) return;
          socket.off('error', reject);
          resolve();
        });
      });
      const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const headers = Object.fromEntries(new Headers(init.headers).entries());
        const req = nodeHttp().request({ method: init.method ?? 'GET', host: u.hostname, port, path: u.pathname + u.search, headers, createConnection: () => socket }, resolve);
        req.on('error', reject);
        req.end(typeof init.body === 'string' ? init.body : undefined);
      });
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      const status = res.statusCode ?? 502;
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(res.headers)) {
        if (typeof value === 'string') responseHeaders.set(name, value);
        else if (Array.isArray(value)) for (const v of value) responseHeaders.append(name, v);
      }
      return new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), { status, headers: responseHeaders });
    } finally {
      init.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
    }
  };
}
