// Who may call which route (SEC; docs/security.md "Access control"). Every request is checked in
// one place, before its body is read: the caller is found from the session cookie or an
// `Authorization: Bearer` API token (the accounts feature answers who that is), then the route's
// declared permission (contract/permissions.ts) is compared with the caller's role:
//   no caller on a non-public route → 401 RW_ERR_AUTH, a role without the permission → 403.
// A state-changing request that rides on the session cookie must also carry the CSRF token
// (`x-csrf-token` header, from GET /api/v1/auth/session): a page on another site can make the
// browser send the cookie (SameSite=Strict already stops that in current browsers) but cannot
// read the token. API tokens are not sent by browsers on their own, so they need no CSRF token.
// Routes declared `csrf: false` (agent enrollment: agents have no cookie) skip the check.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import { RwError } from '../../contract/errors.js';
import { roleAllows, type Role, type RoutePermission } from '../../contract/permissions.js';

/** A signed-in caller. */
export interface Principal {
  userId: number;
  username: string;
  role: Role;
  /** how the caller proved who they are */
  via: 'session' | 'token';
  /** the session cookie's value (via 'session') */
  sessionId?: string;
  /** the API token's row id (via 'token') */
  tokenId?: number;
  /**
   * S17: the server groups on whose members this caller may run file jobs without holding
   * `files:deploy` by role (appliance/accounts/deploy-grants.ts); absent or empty: none
   */
  deployGroupIds?: readonly string[];
}

/**
 * Whether the caller may use a route declaring `permission`: their role holds it, or (S17) it is
 * `files:deploy` and an admin granted them at least one group of servers. The Files service then
 * limits a granted caller to those groups' members (appliance/files/file-jobs-service.ts).
 */
export function principalAllows(p: Pick<Principal, 'role' | 'deployGroupIds'>, permission: RoutePermission): boolean {
  return roleAllows(p.role, permission) || (permission === 'files:deploy' && (p.deployGroupIds?.length ?? 0) > 0);
}

/** Answers who the caller is from the session id in the cookie or the API token, or null. */
export interface Authenticator {
  /** `touch: false`: a re-check that does not count as use (the idle timeout keeps running) */
  session(id: string, opts?: { touch?: boolean }): Principal | null;
  token(token: string): Principal | null;
}

export const SESSION_COOKIE = 'rw_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A request that may change state (needs CSRF protection, is audited). */
export function isChange(method: string): boolean {
  return !SAFE_METHODS.has(method);
}

declare module 'fastify' {
  interface FastifyRequest {
    /** the caller, once access control has run; null: anonymous */
    principal: Principal | null;
    /**
     * Whether the caller may still use this route: a long-lived answer (the live stream) asks now
     * and then and ends when the session has expired or ended, the token was revoked or the role
     * changed. It does not count as use of the session.
     */
    stillAllowed: () => boolean;
  }
  interface FastifyContextConfig {
    /** false: no CSRF token needed (a route for agents, which hold no cookie) */
    csrf?: false;
  }
}

/** The Bearer token of the Authorization header, if any (bounded by the 16 KiB header limit). */
function bearerOf(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? (m[1] as string) : null;
}

/** Finds the caller; a Bearer header that is wrong is an error (never silently anonymous). */
function principalOf(req: FastifyRequest, auth: Authenticator, touch = true): Principal | null {
  const bearer = bearerOf(req);
  if (bearer !== null) {
    const p = auth.token(bearer);
    if (!p) throw new RwError('RW_ERR_AUTH', 'the API token is unknown or revoked');
    return p;
  }
  const sid = req.cookies[SESSION_COOKIE];
  return sid ? auth.session(sid, { touch }) : null;
}

/** Sets the session cookie: HttpOnly, SameSite=Strict, Secure when the request came over TLS. */
export function setSessionCookie(reply: FastifyReply, sessionId: string): void {
  void reply.setCookie(SESSION_COOKIE, sessionId, { path: '/', httpOnly: true, sameSite: 'strict', secure: 'auto' });
}

export function clearSessionCookie(reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: 'auto' });
}

/** A fresh CSRF token for the page (the secret it is checked against lives in a cookie). */
export function csrfTokenFor(reply: FastifyReply): string {
  return reply.generateCsrf();
}

/**
 * Adds cookies, CSRF and the access check to `app` (createHttpApp calls this before any route).
 * Without an authenticator every non-public route answers 401: nothing is open by omission.
 */
export async function registerAccessControl(app: FastifyInstance, auth: Authenticator | undefined): Promise<void> {
  await app.register(fastifyCookie);
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'rw_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict', secure: 'auto' },
    getToken: (req) => {
      const v = req.headers[CSRF_HEADER];
      return typeof v === 'string' ? v : undefined;
    },
  });
  app.decorateRequest('principal', null);
  app.decorateRequest('stillAllowed', null as unknown as () => boolean);
  // a callback hook: the CSRF plugin answers a refusal itself (reply.send of its 403 error, which
  // the error handler words as RW_ERR_CSRF) and calls `done` only when the token is right
  app.addHook('onRequest', (req, reply, done) => {
    try {
      req.principal = checkAccess(req, auth);
    } catch (e) {
      done(e as Error);
      return;
    }
    req.stillAllowed = () => {
      const permission = req.routeOptions.config.permission ?? 'public';
      if (permission === 'public') return true;
      try {
        const now = auth ? principalOf(req, auth, false) : null;
        return now !== null && now.userId === req.principal?.userId && principalAllows(now, permission);
      } catch {
        return false;
      }
    };
    if (isChange(req.method) && req.principal?.via !== 'token' && req.routeOptions.config.csrf !== false) {
      app.csrfProtection(req, reply, done);
      return;
    }
    done();
  });
}

/** The caller, if allowed to use the route; throws 401 or 403 otherwise. */
function checkAccess(req: FastifyRequest, auth: Authenticator | undefined): Principal | null {
  const permission = req.routeOptions.config.permission ?? 'public';
  const principal = auth ? principalOf(req, auth) : null;
  if (permission === 'public') return principal;
  if (!principal) {
    const hadCookie = req.cookies[SESSION_COOKIE] !== undefined;
    throw hadCookie ? new RwError('RW_ERR_SESSION') : new RwError('RW_ERR_AUTH', 'sign in first, or send an API token (Authorization: Bearer …)');
  }
  if (!principalAllows(principal, permission)) {
    throw new RwError('RW_ERR_FORBIDDEN', `your role (${principal.role}) does not allow this: it needs ${permission}${permission === 'files:deploy' ? ' (or a deploy grant on a group of servers from an admin)' : ''}`);
  }
  return principal;
}
