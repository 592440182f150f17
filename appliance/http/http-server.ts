// HTTP server (node:http, no framework: a dozen routes, one SSE stream and static files do not
// need one, and every dependency is code to ship and patch on the board). Routes are matched in
// order; an RwError thrown by a handler becomes a JSON error with a status fitting its code.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isRwError, type ErrorCode } from '../../contract/errors.js';
import type { ApiError } from '../../contract/api.js';
import type { Logger } from '../../core/logger.js';
import type { ValidationErrorBody } from '../../contract/alerts-api.js';
import type { Parsed } from '../../core/validation-problems.js';

export type RouteParams = Record<string, string>;
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, params: RouteParams, url: URL) => Promise<void> | void;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  RW_ERR_BAD_REQUEST: 400,
  RW_ERR_ENROLL_TOKEN: 401,
  RW_ERR_AUTH: 401,
  RW_ERR_NOT_FOUND: 404,
  RW_ERR_CAPACITY: 507,
  RW_ERR_RRDCACHED_DOWN: 503,
  RW_ERR_VALIDATION: 400,
  RW_ERR_SMS_TOO_LONG: 400,
  RW_ERR_CONFLICT: 409,
  RW_ERR_MODEM_DISABLED: 503,
};

export const MAX_JSON_BODY_BYTES = 64 * 1024;

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    // a '.' in a path ("/install.sh") is a dot, not any character
    const pattern = new RegExp('^' + path.replace(/\./g, '\\.').replace(/:([a-zA-Z]+)/g, (_m, n: string) => { names.push(n); return '([^/]+)'; }) + '$');
    this.routes.push({ method, pattern, names, handler });
    return this;
  }

  match(method: string, pathname: string): { handler: Handler; params: RouteParams } | { methodNotAllowed: true } | null {
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.pattern.exec(pathname);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== method && !(r.method === 'GET' && method === 'HEAD')) continue;
      const params: RouteParams = {};
      r.names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1] ?? ''); });
      return { handler: r.handler, params };
    }
    return pathMatched ? { methodNotAllowed: true } : null;
  }
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

export function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  const body: ApiError = { error: { code, message } };
  sendJson(res, status, body);
}

/** 400 RW_ERR_VALIDATION listing every problem as "path: message" (docs/api.md). */
export function sendProblems(res: http.ServerResponse, problems: string[]): void {
  const body: ValidationErrorBody = { error: { code: 'RW_ERR_VALIDATION', message: problems.join('; '), problems } };
  sendJson(res, 400, body);
}

/** The parsed value with `status`, or its problems as 400 RW_ERR_VALIDATION. */
export function sendParsed<T>(res: http.ServerResponse, status: number, parsed: Parsed<T>): void {
  if (parsed.ok) sendJson(res, status, parsed.value);
  else sendProblems(res, parsed.problems);
}

export function sendNoContent(res: http.ServerResponse): void {
  res.writeHead(204, { 'cache-control': 'no-store' });
  res.end();
}

export async function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BODY_BYTES) throw Object.assign(new Error(`request body over ${MAX_JSON_BODY_BYTES} bytes`), { rwCode: 'RW_ERR_BAD_REQUEST' });
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw Object.assign(new Error('request body is not JSON'), { rwCode: 'RW_ERR_BAD_REQUEST' });
  }
}

export interface HttpServerDeps {
  host: string;
  port: number;
  router: Router;
  /** serves anything the router does not match (the web UI) */
  fallback: Handler;
  logger: Logger;
}

export class HttpServer {
  private server: http.Server | null = null;
  port = 0;

  constructor(private readonly deps: HttpServerDeps) {}

  async start(): Promise<void> {
    const server = http.createServer({ noDelay: true }, (req, res) => { void this.dispatch(req, res); });
    // SSE connections live for hours; only idle keep-alive sockets should time out
    server.requestTimeout = 0;
    server.headersTimeout = 30_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.deps.port, this.deps.host, () => { server.off('error', reject); resolve(); });
    });
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async dispatch(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://appliance');
    try {
      const found = this.deps.router.match(req.method ?? 'GET', url.pathname);
      if (found === null) await this.deps.fallback(req, res, {}, url);
      else if ('methodNotAllowed' in found) sendError(res, 405, 'RW_ERR_BAD_REQUEST', `${req.method} is not allowed on ${url.pathname}`);
      else await found.handler(req, res, found.params, url);
    } catch (e) {
      const code = isRwError(e) ? e.code : ((e as { rwCode?: ErrorCode }).rwCode ?? 'RW_ERR_INTERNAL');
      const status = STATUS_OF[code] ?? 500;
      if (status >= 500) this.deps.logger.error('request failed', { method: req.method, path: url.pathname, err: e });
      if (res.headersSent) res.destroy();
      else sendError(res, status, code, (e as Error).message);
    }
  }
}
