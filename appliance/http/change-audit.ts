// The audit trail of changes made over HTTP (SEC; docs/security.md "Audit log"): every POST, PUT
// and DELETE that succeeds is written with who made it (the signed-in user or API token's
// owner), from which address, the route, the ids in its path, the state before (for a route that
// declares how to read it) and after (the answer's JSON, or the request's body). Passwords,
// secrets, tokens and codes are never written. A route whose feature writes its own, richer
// entries (accounts: sign-in, users, tokens) declares `audit: false`.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isChange } from './access-control.js';

export interface ChangeEntry {
  actor: string | null;
  address: string | null;
  action: string;
  target: string | null;
  before?: unknown;
  after?: unknown;
}

export interface RouteAudit {
  /** the action's name in the log (default: "METHOD /route/:pattern"); a function names it by what the validated request changes */
  action?: string | ((req: FastifyRequest) => string);
  /** reads the state the change replaces (runs after validation, before the handler) */
  before?: (req: FastifyRequest) => unknown;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** how a change through this route is audited; false: the feature audits it itself */
    audit?: RouteAudit | false;
  }
  interface FastifyRequest {
    auditBefore?: unknown;
  }
}

/** an answer larger than this is summarised, not copied into the log */
const MAX_AFTER_CHARS = 16 * 1024;
const SECRET_KEY = /pass(word)?|secret|token|^code$|totp|pin/i;

/** A copy with every secret-looking field replaced. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_KEY.test(k) ? '[redacted]' : redactSecrets(v, depth + 1)]));
}

function targetOf(params: unknown): string | null {
  if (params === null || typeof params !== 'object') return null;
  const values = Object.values(params as Record<string, unknown>).filter((v) => typeof v === 'string' && v !== '');
  return values.length > 0 ? values.join(' ') : null;
}

function afterOf(payload: unknown, body: unknown): unknown {
  if (typeof payload === 'string' && payload.length > 0) {
    if (payload.length > MAX_AFTER_CHARS) return { note: `answer of ${payload.length} characters, not copied` };
    try {
      return redactSecrets(JSON.parse(payload));
    } catch {
      // not JSON: fall back to what was sent
    }
  }
  return body === undefined ? null : redactSecrets(body);
}

/** Adds the hooks that write every successful change to `write`. */
export function registerChangeAudit(app: FastifyInstance, write: (entry: ChangeEntry) => void): void {
  app.addHook('preHandler', (req, _reply, done) => {
    const audit = req.routeOptions.config.audit;
    if (isChange(req.method) && audit !== false && audit?.before) {
      try {
        req.auditBefore = redactSecrets(audit.before(req));
      } catch {
        // the handler reports a missing resource in its own words
      }
    }
    done();
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const audit = req.routeOptions.config.audit;
    if (!isChange(req.method) || audit === false || reply.statusCode >= 400 || req.routeOptions.url === undefined) return payload;
    write({
      actor: req.principal?.username ?? null,
      address: req.ip,
      action: typeof audit?.action === 'function' ? audit.action(req) : (audit?.action ?? `${req.method} ${req.routeOptions.url}`),
      target: targetOf(req.params),
      ...(req.auditBefore !== undefined ? { before: req.auditBefore } : {}),
      after: afterOf(payload, req.body),
    });
    return payload;
  });
}
