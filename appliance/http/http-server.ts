// The HTTP layer (docs/architecture.md "HTTP"): Fastify 5 with its maintained plugins: security
// headers (@fastify/helmet), compression (@fastify/compress), the built web UI
// (@fastify/static), zod request schemas (fastify-type-provider-zod). Each feature adds its
// routes as one plugin (its routes.ts), registered by the composition root; every route
// declares its permission (`config: { permission }`, contract/permissions.ts) or is refused at
// registration. One error handler answers every failure as `{ error: { code, message } }`.
// With `tls` the app's own server is HTTPS (SEC), and HttpServer adds a plain-HTTP listener that
// hands requests to the same app or redirects them (plain-http.ts); one app, two listeners.
//
// Bounds: a body is at most MAX_JSON_BODY_BYTES (413 above), a request must arrive whole within
// `requestTimeoutMs` (a body dribbled in slowly is cut off), headers within HEADERS_TIMEOUT_MS,
// an idle keep-alive socket is closed after KEEP_ALIVE_TIMEOUT_MS, a URL is at most
// MAX_PARAM_CHARS per path parameter (find-my-way's maxParamLength), the request line (query
// string included) and headers at most MAX_HEADER_BYTES (431 above), connections at once at most
// MAX_HTTP_CONNECTIONS (beyond, Node closes a new one at once). Each refusal is counted in
// HttpRefusalCounters (GET /api/v1/health `refusals`, docs/bounds.md).
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { stat } from 'node:fs/promises';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCompress from '@fastify/compress';
import fastifyHelmet from '@fastify/helmet';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import { hasZodFastifySchemaValidationErrors, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { ERROR_CODES, isRwError, RwError, type ErrorCode } from '../../contract/errors.js';
import type { ApiError } from '../../contract/api.js';
import type { ValidationErrorBody } from '../../contract/alerts-api.js';
import { isRoutePermission, type RoutePermission } from '../../contract/permissions.js';
import type { Logger } from '../../core/logger.js';
import { registerAccessControl, type Authenticator } from './access-control.js';
import { registerChangeAudit, type ChangeEntry } from './change-audit.js';
import { problemsOf, type Parsed, type ProblemWording, type ValidationIssue } from '../../core/validation-problems.js';
import { plainHttpAction, type HttpPlainMode } from './plain-http.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** what a caller needs to use the route (contract/permissions.ts); required on every route */
    permission?: RoutePermission;
    /** how this route's schema problems are worded (core/validation-problems.ts), where it differs */
    problemWording?: ProblemWording;
  }
}

export const MAX_JSON_BODY_BYTES = 64 * 1024;
/** a request (headers and body) must have arrived whole by then */
export const REQUEST_TIMEOUT_MS = 30_000;
export const HEADERS_TIMEOUT_MS = 15_000;
/** an idle keep-alive connection is closed after this */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** a socket with no traffic either way (an SSE stream sends a heartbeat every 15 s) */
export const CONNECTION_TIMEOUT_MS = 120_000;
export const MAX_PARAM_CHARS = 200;
/**
 * Request line and headers (Node's maxHeaderSize, its default, written down): a session cookie,
 * a CSRF token and the longest URL the UI makes fit many times over.
 */
export const MAX_HEADER_BYTES = 16 * 1024;
/**
 * Connections at once per listener: a browser opens at most 6 per origin plus its event stream,
 * agents use HTTP only to enroll and fetch their installer; beyond this a new one is closed.
 */
export const MAX_HTTP_CONNECTIONS = 1024;

/** HTTP requests refused for a bound (RES), since start. */
export interface HttpRefusalCounters {
  /** 413: body over MAX_JSON_BODY_BYTES */
  bodyTooLarge: number;
  /** 431: request line and headers over MAX_HEADER_BYTES */
  headersTooLarge: number;
  /** 408: headers or the whole request not in time */
  timeouts: number;
  /** connections closed at once beyond MAX_HTTP_CONNECTIONS */
  connectionsDropped: number;
}

export function httpRefusalCounters(): HttpRefusalCounters {
  return { bodyTooLarge: 0, headersTooLarge: 0, timeouts: 0, connectionsDropped: 0 };
}

/**
 * A client error Node's HTTP parser raises before there is a request (Fastify's clientErrorHandler):
 * answered in the API's error shape, counted, and the socket closed.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, counters: HttpRefusalCounters): void {
  // a reset: the socket is gone, nothing to answer (https://nodejs.org/api/http.html#event-clienterror)
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let message: string = ERROR_CODES.RW_ERR_BAD_REQUEST;
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    counters.timeouts++;
    status = 408;
    message = 'the request did not arrive in time';
  } else if (err.code === 'HPE_HEADER_OVERFLOW') {
    counters.headersTooLarge++;
    status = 431;
    message = `request line and headers over ${MAX_HEADER_BYTES} bytes`;
  }
  const body = JSON.stringify(errorBody('RW_ERR_BAD_REQUEST', message));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy();
}
/** Strict-Transport-Security on HTTPS answers: a year; browsers ignore it while the certificate
 * does not verify (RFC 6797 8.1), so it takes effect with an uploaded, trusted certificate */
export const HSTS_MAX_AGE_S = 365 * 24 * 3600;

const STATUS_OF: Partial<Record<ErrorCode, number>> = {
  RW_ERR_BAD_REQUEST: 400,
  RW_ERR_ENROLL_TOKEN: 401,
  RW_ERR_AUTH: 401,
  RW_ERR_NOT_FOUND: 404,
  RW_ERR_CAPACITY: 507,
  RW_ERR_RRDCACHED_DOWN: 503,
  RW_ERR_STORAGE_FULL: 507,
  RW_ERR_STORAGE_READONLY: 503,
  RW_ERR_STORAGE_IO: 503,
  RW_ERR_VALIDATION: 400,
  RW_ERR_SMS_TOO_LONG: 400,
  RW_ERR_CONFLICT: 409,
  RW_ERR_PAIR_STANDBY: 409,
  RW_ERR_PAIR_PROOF: 401,
  RW_ERR_MODEM_DISABLED: 503,
  RW_ERR_LOGIN: 401,
  RW_ERR_TOTP: 401,
  RW_ERR_SESSION: 401,
  RW_ERR_SETUP_CODE: 403,
  RW_ERR_FORBIDDEN: 403,
  RW_ERR_CSRF: 403,
  RW_ERR_THROTTLED: 429,
  RW_ERR_PASSWORD_TOO_SHORT: 400,
  RW_ERR_PASSWORD_COMMON: 400,
  RW_ERR_PASSWORD_IS_USERNAME: 400,
  RW_ERR_FILE_TOO_LARGE: 413,
  RW_ERR_FILES_FULL: 507,
  RW_ERR_SIGNED_URL: 403,
};

/** The CSRF plugin's refusals (@fastify/csrf-protection), in the catalogue's words. */
const CSRF_PLUGIN_CODES = new Set(['FST_CSRF_MISSING_SECRET', 'FST_CSRF_INVALID_TOKEN']);

function errorBody(code: string, message: string): ApiError {
  return { error: { code, message } };
}

/** 400 RW_ERR_VALIDATION listing every problem as "path: message" (docs/api.md). */
export function sendProblems(reply: FastifyReply, problems: string[]): FastifyReply {
  const body: ValidationErrorBody = { error: { code: 'RW_ERR_VALIDATION', message: problems.join('; '), problems } };
  return reply.code(400).header('cache-control', 'no-store').send(body);
}

/** JSON with `status`, never cached. */
export function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(body);
}

/** The parsed value with `status`, or its problems as 400 RW_ERR_VALIDATION. */
export function sendParsed<T>(reply: FastifyReply, status: number, parsed: Parsed<T>): FastifyReply {
  return parsed.ok ? sendJson(reply, status, parsed.value) : sendProblems(reply, parsed.problems);
}

export function sendNoContent(reply: FastifyReply): FastifyReply {
  return reply.code(204).header('cache-control', 'no-store').send();
}

/** The request's URL, for the query-string readers (query-params.ts). */
export function requestUrl(req: FastifyRequest): URL {
  return new URL(req.url, 'http://appliance');
}

/** A route pattern ("/api/v1/agents/:id", "/*") as a matcher of concrete paths, for 405. */
function patternOf(url: string): RegExp {
  const escaped = url.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[a-zA-Z]+/g, '[^/]+').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

/**
 * A feature's route plugin, with a throw while it adds its routes (a route without a permission)
 * turned into a refused start (register() rejects) rather than an uncaught exception.
 */
export function guarded<O>(plugin: (app: FastifyInstance, opts: O) => Promise<void>): (app: FastifyInstance, opts: O) => Promise<void> {
  return (app, opts) => {
    try {
      return plugin(app, opts);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  };
}

const ROUTE_TABLES = new WeakMap<FastifyInstance, readonly RegisteredRoute[]>();

export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
  readonly permission: RoutePermission;
}

/** Every route registered on an app made by createHttpApp, with its permission (the authorization matrix's input). */
export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  return (ROUTE_TABLES.get(app) ?? []).map(({ method, url, permission }) => ({ method, url, permission }));
}

export interface HttpAppOptions {
  logger: Logger;
  /** the built web UI (dist/webui); none: no UI is served */
  webuiDir?: string;
  /** REQUEST_TIMEOUT_MS unless a test wants it shorter */
  requestTimeoutMs?: number;
  /** how often Node checks requestTimeout (its default is 30 s) */
  timeoutCheckMs?: number;
  /** who a session cookie or API token belongs to (the accounts feature); none: every non-public route answers 401 */
  auth?: Authenticator;
  /** where successful changes are written (the audit log); none: not audited */
  audit?: (entry: ChangeEntry) => void;
  /** serve HTTPS with this key and certificate chain (PEM); none: the app's server is plain HTTP */
  tls?: { key: Buffer; cert: Buffer };
  /** where refusals are counted; none: counted in a private object */
  refusals?: HttpRefusalCounters;
  /** MAX_HTTP_CONNECTIONS unless a test wants it smaller */
  maxConnections?: number;
}

type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
/** the request handler Fastify gave the server factory: a plain-HTTP server serves the same app with it */
const HANDLERS = new WeakMap<FastifyInstance, RequestHandler>();
/** the timeouts and limits of the app's server, for the plain-HTTP one */
const PLAIN_SERVER_OPTIONS = new WeakMap<FastifyInstance, { options: http.ServerOptions; maxConnections: number; refusals: HttpRefusalCounters }>();

/** Node closes a connection beyond `max` as it arrives ('drop'); counted. */
function capConnections<S extends http.Server>(server: S, max: number, refusals: HttpRefusalCounters): S {
  server.maxConnections = max;
  server.on('drop', () => { refusals.connectionsDropped++; });
  return server;
}

/** The security headers (SEC): no inline script or style, no framing, no sniffing. */
const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    baseUri: ["'self'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

/**
 * The Fastify instance with the plugins, the error and not-found handlers and the permission
 * check on every route; the caller registers the features' route plugins and the UI, then
 * listens (HttpServer) or injects (tests).
 */
export async function createHttpApp(opts: HttpAppOptions): Promise<FastifyInstance> {
  const requestTimeout = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const refusals = opts.refusals ?? httpRefusalCounters();
  const maxConnections = opts.maxConnections ?? MAX_HTTP_CONNECTIONS;
  const serverOptions = {
    noDelay: true,
    maxHeaderSize: MAX_HEADER_BYTES,
    requestTimeout,
    headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeout),
    connectionsCheckingInterval: opts.timeoutCheckMs ?? 5_000,
  };
  let handler: RequestHandler | null = null;
  const app = Fastify({
    logger: false,
    bodyLimit: MAX_JSON_BODY_BYTES,
    requestTimeout,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    routerOptions: { maxParamLength: MAX_PARAM_CHARS },
    // a path the router cannot decode ('%', '%zz') is refused before any hook or error handler:
    // without this Fastify answered its own {"code":"FST_ERR_BAD_URL"} (found by fuzzing, RES)
    frameworkErrors: (err, _req, reply) => {
      void (reply as FastifyReply).code(400).header('cache-control', 'no-store').send(errorBody('RW_ERR_BAD_REQUEST', err.message));
    },
    return503OnClosing: true,
    clientErrorHandler: (err, socket) => answerClientError(err, socket, refusals),
    serverFactory: (h) => {
      handler = h;
      const server = opts.tls
        ? https.createServer({ ...serverOptions, key: opts.tls.key, cert: opts.tls.cert, minVersion: 'TLSv1.2' }, h)
        : http.createServer(serverOptions, h);
      return capConnections(server, maxConnections, refusals);
    },
  });
  if (handler) HANDLERS.set(app, handler);
  PLAIN_SERVER_OPTIONS.set(app, { options: serverOptions, maxConnections, refusals });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // every route declares its permission, or the appliance does not start
  const routes: { method: string; url: string; permission: RoutePermission; pattern: RegExp }[] = [];
  ROUTE_TABLES.set(app, routes);
  app.addHook('onRoute', (route) => {
    const permission = route.config?.permission;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!isRoutePermission(permission)) {
      throw new Error(`route ${methods.join(',')} ${route.url} declares no permission: add config: { permission } (contract/permissions.ts)`);
    }
    for (const method of methods) routes.push({ method, url: route.url, permission, pattern: patternOf(route.url) });
  });

  // cookies, CSRF, and the permission check before every route (access-control.ts); rate limits
  // only where a route asks for one (`config.rateLimit`: sign-in, setup, enrollment)
  await registerAccessControl(app, opts.auth);
  if (opts.audit) registerChangeAudit(app, opts.audit);
  await app.register(fastifyRateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => Object.assign(new RwError('RW_ERR_THROTTLED', `too many requests: try again in ${Math.ceil(ctx.ttl / 1000)} s`), { retryAfterMs: ctx.ttl }),
  });

  // the old router read any body as JSON whatever its content type; so does this parser
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: MAX_JSON_BODY_BYTES }, (_req, body, done) => {
    const text = (body as string).trim();
    if (text === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new RwError('RW_ERR_BAD_REQUEST', 'request body is not JSON'), undefined);
    }
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      // each entry is one zod issue: its code as `keyword`, its path as `instancePath`
      const issues: ValidationIssue[] = err.validation.map((v) => {
        const keys = (v.params as { keys?: unknown }).keys;
        return {
          code: v.keyword,
          path: v.instancePath.split('/').filter(Boolean),
          message: v.message ?? 'invalid',
          ...(Array.isArray(keys) ? { keys: keys.map(String) } : {}),
        };
      });
      const where = err.validationContext === 'body' ? '(body)' : `(${err.validationContext ?? 'request'})`;
      return sendProblems(reply, problemsOf({ issues }, { root: where, ...req.routeOptions.config.problemWording }));
    }
    let code: ErrorCode;
    let status: number;
    if (isRwError(err)) {
      code = err.code;
      status = STATUS_OF[code] ?? 500;
    } else if (CSRF_PLUGIN_CODES.has(err.code)) {
      code = 'RW_ERR_CSRF';
      status = 403;
      err.message = ERROR_CODES.RW_ERR_CSRF;
    } else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      refusals.bodyTooLarge++;
      code = 'RW_ERR_BAD_REQUEST';
      status = 413;
      err.message = `request body over ${MAX_JSON_BODY_BYTES} bytes`;
    } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      code = 'RW_ERR_BAD_REQUEST';
      status = err.statusCode;
    } else {
      code = 'RW_ERR_INTERNAL';
      status = 500;
    }
    const retryAfterMs = (err as { retryAfterMs?: unknown }).retryAfterMs;
    if (status === 429 && typeof retryAfterMs === 'number') void reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    if (status >= 500) opts.logger.error('request failed', { method: req.method, path: req.url, err });
    return reply.code(status).header('cache-control', 'no-store').send(errorBody(code, err.message));
  });

  app.setNotFoundHandler((req, reply) => {
    const pathname = requestUrl(req).pathname;
    const elsewhere = routes.some((r) => r.method !== req.method && r.pattern.test(pathname));
    if (elsewhere) return reply.code(405).header('cache-control', 'no-store').send(errorBody('RW_ERR_BAD_REQUEST', `${req.method} is not allowed on ${pathname}`));
    return reply.code(404).header('cache-control', 'no-store').send(errorBody('RW_ERR_NOT_FOUND', `not found: ${req.method} ${pathname}`));
  });

  // HSTS only on answers over HTTPS (helmet would send it on plain HTTP too, where it means nothing)
  app.addHook('onSend', (req, reply, payload, done) => {
    if (req.protocol === 'https') void reply.header('strict-transport-security', `max-age=${HSTS_MAX_AGE_S}`);
    done(null, payload);
  });
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: CONTENT_SECURITY_POLICY,
    strictTransportSecurity: false,
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
  });
  // SSE (live/event-stream.ts) writes to the raw response and bypasses this
  await app.register(fastifyCompress, { threshold: 1024 });
  if (opts.webuiDir !== undefined) await app.register(webuiFiles, { root: opts.webuiDir });
  return app;
}

async function fileStat(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * The built web UI (dist/webui): file names carry no hash, so files are revalidated with ETags
 * (`cache-control: no-cache`) rather than cached forever; a path without an extension that is
 * no file is a client-side route and gets index.html; nothing under /api/ is ever a file.
 */
async function webuiFiles(app: FastifyInstance, opts: { root: string }): Promise<void> {
  const root = path.resolve(opts.root);
  await app.register(fastifyStatic, {
    root, serve: false, cacheControl: false, etag: true, lastModified: false, dotfiles: 'deny',
    setHeaders: (res) => { res.setHeader('cache-control', 'no-cache'); },
  });
  app.get('/*', { config: { permission: 'public' } }, async (req, reply) => {
    const pathname = requestUrl(req).pathname;
    if (pathname.startsWith('/api/')) throw new RwError('RW_ERR_NOT_FOUND', `no API route ${pathname}`);
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      throw new RwError('RW_ERR_BAD_REQUEST', 'bad path');
    }
    const file = path.join(root, path.normalize(rel));
    // path.join with a normalized path cannot leave root, but check anyway: this guards the board's filesystem
    if (file !== root && !file.startsWith(root + path.sep)) throw new RwError('RW_ERR_NOT_FOUND', 'not found');
    if (await fileStat(file)) return reply.sendFile(path.relative(root, file));
    if (!path.extname(rel)) return reply.sendFile('index.html');
    throw new RwError('RW_ERR_NOT_FOUND', `not found: ${pathname}`);
  });
}

export interface HttpServerDeps {
  host: string;
  /** the app's own server (HTTPS when the app was made with `tls`) */
  port: number;
  app: FastifyInstance;
  /** a plain-HTTP listener besides an HTTPS app (plain-http.ts); none or 'off': no such listener */
  plain?: { port: number; mode: HttpPlainMode; httpsOrigin: () => string };
}

export class HttpServer {
  private app: FastifyInstance | null = null;
  private plainServer: http.Server | null = null;
  port = 0;
  /** the plain-HTTP listener's port; 0 when there is none */
  plainPort = 0;

  constructor(private readonly deps: HttpServerDeps) {}

  async start(): Promise<void> {
    const app = this.deps.app;
    await app.listen({ host: this.deps.host, port: this.deps.port });
    this.app = app;
    this.port = (app.server.address() as AddressInfo).port;
    const plain = this.deps.plain;
    const handler = HANDLERS.get(app);
    if (!plain || plain.mode === 'off' || !handler) return;
    const mode = plain.mode;
    const limits = PLAIN_SERVER_OPTIONS.get(app);
    const server = http.createServer(limits?.options ?? {}, (req, res) => {
      const action = plainHttpAction(mode, req.method ?? 'GET', req.url ?? '/', plain.httpsOrigin());
      if (action.kind === 'serve') {
        handler(req, res);
        return;
      }
      res.writeHead(308, { location: action.location, 'cache-control': 'no-store', 'content-type': 'text/plain; charset=utf-8' });
      res.end(`moved to ${action.location}\n`);
    });
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    server.timeout = CONNECTION_TIMEOUT_MS;
    if (limits) capConnections(server, limits.maxConnections, limits.refusals);
    this.plainServer = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(plain.port, this.deps.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.plainPort = (server.address() as AddressInfo).port;
  }

  /** A new key and certificate chain for HTTPS connections from now on (open ones keep theirs). */
  setTlsIdentity(key: Buffer, cert: Buffer): void {
    const server = this.app?.server;
    if (server instanceof https.Server) server.setSecureContext({ key, cert, minVersion: 'TLSv1.2' });
  }

  async stop(): Promise<void> {
    const app = this.app;
    const plain = this.plainServer;
    this.app = null;
    this.plainServer = null;
    if (plain) {
      const closed = new Promise<void>((resolve) => plain.close(() => resolve()));
      plain.closeAllConnections();
      await closed;
    }
    if (!app) return;
    // SSE streams never end by themselves
    const closed = app.close();
    app.server.closeAllConnections();
    await closed;
  }
}
