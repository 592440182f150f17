// One POST to a remote endpoint (remote write, Alertmanager; S19) with node:http(s), so that an
// endpoint's own CA can be given (fetch has no per-request CA without an extra dependency).
import http from 'node:http';
import https from 'node:https';
import type { ForwardAuth } from '../../contract/federation-api.js';

export interface PostOptions {
  auth: ForwardAuth;
  /** PEM CA certificates for an https endpoint; null: the system's */
  ca: string | null;
  timeoutMs: number;
}

export interface PostAnswer {
  status: number;
  /** the start of the answer's body, for the log */
  text: string;
}

const MAX_ANSWER_CHARS = 1024;

export function authHeader(auth: ForwardAuth): Record<string, string> {
  if (auth === null) return {};
  if (auth.kind === 'bearer') return { authorization: `Bearer ${auth.token}` };
  return { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
}

/** Resolves with the status (any); rejects on a network error or timeout. */
export function post(url: string, body: Uint8Array | string, headers: Record<string, string>, opts: PostOptions): Promise<PostAnswer> {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(u, {
      method: 'POST',
      headers: { ...headers, ...authHeader(opts.auth), 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'rackwatch' },
      timeout: opts.timeoutMs,
      ...(u.protocol === 'https:' && opts.ca !== null ? { ca: opts.ca } : {}),
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { if (text.length < MAX_ANSWER_CHARS) text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: text.slice(0, MAX_ANSWER_CHARS) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
