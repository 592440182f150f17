// Serves the built web UI (dist/webui): hashed-free file names, so assets are revalidated with
// ETags rather than cached forever; unknown paths fall back to index.html (client-side routes).
import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Handler } from './http-server.js';
import { sendError } from './http-server.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.sh': 'text/x-shellscript; charset=utf-8',
};

async function fileStat(file: string): Promise<Stats | null> {
  try {
    const s = await stat(file);
    return s.isFile() ? s : null;
  } catch {
    return null;
  }
}

export function staticFiles(rootDir: string): Handler {
  const root = path.resolve(rootDir);
  return async (req, res, _params, url) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'RW_ERR_BAD_REQUEST', 'method not allowed');
    if (url.pathname.startsWith('/api/')) return sendError(res, 404, 'RW_ERR_NOT_FOUND', `no API route ${url.pathname}`);
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return sendError(res, 400, 'RW_ERR_BAD_REQUEST', 'bad path');
    }
    let file = path.join(root, path.normalize(rel));
    // path.join with a normalized path cannot leave root, but check anyway: this guards the board's filesystem
    if (file !== root && !file.startsWith(root + path.sep)) return sendError(res, 404, 'RW_ERR_NOT_FOUND', 'not found');
    let s = await fileStat(file);
    if (!s && !path.extname(rel)) {
      file = path.join(root, 'index.html');
      s = await fileStat(file);
    }
    if (!s) return sendError(res, 404, 'RW_ERR_NOT_FOUND', `not found: ${url.pathname}`);
    const etag = `"${s.size.toString(16)}-${Math.floor(s.mtimeMs).toString(16)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag });
      res.end();
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': s.size,
      etag,
      'cache-control': 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  };
}
