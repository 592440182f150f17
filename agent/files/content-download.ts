// Fetches a pushed file's content (S17) from the appliance over HTTPS with the signed link its job
// carries, into a private file of the agent's state, checking its size and SHA-256 as it arrives:
// a file that does not match is refused before any account's child sees a byte of it. Large files
// never travel over MQTT. The appliance's TLS is trusted as for MQTT over TLS: its pinned key
// (pinned-tls.ts), or the system's CAs when the agent has no pin.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { connectTls } from '../pinned-tls.js';

export type Download = { ok: true } | { ok: false; reason: string; status?: number };

export interface DownloadRequest {
  url: string;
  sha256: string;
  size: number;
  /** where the content is written (mode 0600); removed again when it is refused */
  to: string;
  /** `sha256//…`: trust this key alone */
  pin?: string;
  timeoutMs?: number;
}

const TIMEOUT_MS = 120_000;

export async function downloadContent(req: DownloadRequest): Promise<Download> {
  let u: URL;
  try {
    u = new URL(req.url);
  } catch {
    return { ok: false, reason: 'the job\'s download link is not a URL' };
  }
  if (u.protocol !== 'https:') return { ok: false, reason: `the job's download link is not https:// (${u.protocol}): refused` };
  const timeoutMs = req.timeoutMs ?? TIMEOUT_MS;
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = u.port ? Number(u.port) : 443;
  let res: http.IncomingMessage;
  try {
    res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const options: https.RequestOptions = { method: 'GET', host, port, path: u.pathname + u.search, timeout: timeoutMs };
      const request = req.pin === undefined
        ? https.request({ ...options, minVersion: 'TLSv1.2' }, resolve)
        // the pin is checked at secureConnect, before the request is written (pinned-tls.ts)
        : http.request({ ...options, createConnection: () => connectTls(host, port, req.pin) }, resolve);
      request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
      request.on('error', reject);
      request.end();
    });
  } catch (e) {
    return { ok: false, reason: `cannot fetch the file from the appliance: ${(e as Error).message}` };
  }
  if (res.statusCode !== 200) {
    let body = '';
    for await (const c of res) if (body.length < 2048) body += (c as Buffer).toString();
    const message = /"message":"([^"]*)"/.exec(body)?.[1] ?? body.slice(0, 200);
    return { ok: false, status: res.statusCode ?? 0, reason: `the appliance refused the download (HTTP ${res.statusCode ?? '?'}): ${message}` };
  }
  const hash = createHash('sha256');
  let bytes = 0;
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > req.size) return done(new Error(`more than the announced ${req.size} bytes`));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(res, check, createWriteStream(req.to, { mode: 0o600 }));
    if (bytes !== req.size) throw new Error(`${bytes} bytes arrived, ${req.size} announced`);
    const digest = hash.digest('hex');
    if (digest !== req.sha256) throw new Error(`checksum mismatch: the content's sha256 is ${digest}, the job expects ${req.sha256}`);
  } catch (e) {
    await unlink(req.to).catch(() => undefined);
    return { ok: false, reason: `the downloaded file was refused: ${(e as Error).message}` };
  }
  return { ok: true };
}

/** The `exp` (epoch seconds) of a signed link, or null. */
export function linkExpiry(url: string): number | null {
  try {
    const exp = Number(new URL(url).searchParams.get('exp'));
    return Number.isFinite(exp) && exp > 0 ? exp : null;
  } catch {
    return null;
  }
}
