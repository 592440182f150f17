// The accounts API (SEC; docs/api.md "Accounts"): the session (who am I, the CSRF token, whether
// setup is still open), first-start setup with the setup code, sign-in and sign-out, one's own
// password, sessions, TOTP and API tokens, the administration of users, and the audit log with
// its CSV export. Sign-in and setup are rate limited per address (@fastify/rate-limit) on top of
// the per-address and per-account throttle with lockout (LoginThrottle) in AccountsService.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { API_PREFIX } from '../../contract/api.js';
import { RwError } from '../../contract/errors.js';
import { ROLE_PERMISSIONS, ROLES } from '../../contract/permissions.js';
import type { SessionResponse } from '../../contract/accounts-api.js';
import { clearSessionCookie, csrfTokenFor, principalAllows, setSessionCookie, type Principal } from '../http/access-control.js';
import { sendJson, sendNoContent } from '../http/http-server.js';
import { idParams } from '../http/route-schemas.js';
import type { UserRow } from './account-repository.js';
import { publicUser, type AccountsService, type Actor } from './accounts-service.js';
import type { ApiTokens } from './api-tokens.js';
import type { AuditLog } from './audit-log.js';
import type { DeployGrants } from './deploy-grants.js';
import type { AccountRepository } from './account-repository.js';
import type { SessionStore } from './session-store.js';

export interface AccountRoutesDeps {
  accounts: AccountsService;
  repo: AccountRepository;
  sessions: SessionStore;
  tokens: ApiTokens;
  audit: AuditLog;
  /** S17: a user's granted groups, shown in the session */
  deployGrants: DeployGrants;
}

const P = API_PREFIX;
/** sign-in and setup attempts per address per minute, before the throttle's own delays */
const AUTH_RATE_LIMIT = { max: 30, timeWindow: 60_000 };

const username = z.string().min(1).max(64);
const password = z.string().min(1).max(1024);
const role = z.enum(ROLES);
const loginBody = z.object({ username, password, totpCode: z.string().max(16).optional() }).strict();
const setupBody = z.object({ code: z.string().min(1).max(64), username, password }).strict();
const passwordChangeBody = z.object({ current: password, password }).strict();
const totpConfirmBody = z.object({ secret: z.string().min(16).max(128), code: z.string().min(1).max(16) }).strict();
const tokenBody = z.object({ name: z.string().min(1).max(100), role }).strict();
const userBody = z.object({ username, role, password }).strict();
const userPatchBody = z.object({ role: role.optional(), disabled: z.boolean().optional() }).strict();
const resetBody = z.object({ password }).strict();
const handleParams = z.object({ handle: z.string().min(1).max(64) });
const auditQuery = z.object({
  actor: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
  text: z.string().max(200).optional(),
  from: z.coerce.number().int().min(0).optional(),
  to: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  offset: z.coerce.number().int().min(0).max(10_000_000).optional(),
});

function numericId(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new RwError('RW_ERR_NOT_FOUND', `no such id: ${raw}`);
  return id;
}

export function accountRoutes(fastify: FastifyInstance, deps: AccountRoutesDeps): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { accounts, repo, sessions, tokens, audit, deployGrants } = deps;

  /** The signed-in user's row; the route's permission check has run, so there is a principal. */
  const userOf = (req: FastifyRequest): UserRow => {
    const p = req.principal as Principal;
    const u = repo.userById(p.userId);
    if (!u || u.disabled) throw new RwError('RW_ERR_SESSION');
    return u;
  };
  const actorOf = (req: FastifyRequest): Actor & { user: UserRow } => ({ user: userOf(req), address: req.ip });

  /** The user with what they may do: their role's permissions, and `files:deploy` with a deploy grant (S17). */
  const sessionUser = (u: UserRow, p: Principal | null): NonNullable<SessionResponse['user']> => {
    const role = p?.role ?? u.role;
    // a principal set by sign-in or setup just now has not been through the authenticator
    const deployGroupIds = [...(p?.deployGroupIds ?? (role === u.role ? deployGrants.groupsOf(u.id) : []))];
    const permissions = [...ROLE_PERMISSIONS[role]];
    if (!permissions.includes('files:deploy') && principalAllows({ role, deployGroupIds }, 'files:deploy')) permissions.push('files:deploy');
    return { ...publicUser(u), role, permissions, deployGroupIds };
  };

  const session = (req: FastifyRequest, reply: FastifyReply): SessionResponse => {
    const p = req.principal;
    const u = p ? repo.userById(p.userId) : undefined;
    return {
      user: u ? sessionUser(u, p) : null,
      setupRequired: !accounts.adminExists(),
      csrfToken: csrfTokenFor(reply),
      idleTimeoutMs: sessions.limits.idleMs,
    };
  };

  app.get(`${P}/auth/session`, { config: { permission: 'public' } }, (req, reply) => sendJson(reply, 200, session(req, reply)));

  app.post(`${P}/auth/setup`, { config: { permission: 'public', audit: false, rateLimit: AUTH_RATE_LIMIT }, schema: { body: setupBody } }, async (req, reply) => {
    const user = await accounts.completeSetup({ ...req.body, address: req.ip });
    const { sessionId } = await accounts.login({ username: user.username, password: req.body.password, address: req.ip, userAgent: req.headers['user-agent'] ?? '' });
    setSessionCookie(reply, sessionId);
    req.principal = { userId: user.id, username: user.username, role: user.role, via: 'session', sessionId };
    return sendJson(reply, 201, session(req, reply));
  });

  app.post(`${P}/auth/login`, { config: { permission: 'public', audit: false, rateLimit: AUTH_RATE_LIMIT }, schema: { body: loginBody } }, async (req, reply) => {
    const { sessionId, user } = await accounts.login({
      username: req.body.username, password: req.body.password, address: req.ip, userAgent: req.headers['user-agent'] ?? '',
      ...(req.body.totpCode !== undefined && req.body.totpCode !== '' ? { totpCode: req.body.totpCode } : {}),
    });
    setSessionCookie(reply, sessionId);
    req.principal = { userId: user.id, username: user.username, role: user.role, via: 'session', sessionId };
    return sendJson(reply, 200, session(req, reply));
  });

  app.post(`${P}/auth/logout`, { config: { permission: 'public', audit: false } }, (req, reply) => {
    const p = req.principal;
    if (p?.via === 'session' && p.sessionId !== undefined) accounts.logout({ user: repo.userById(p.userId) ?? null, address: req.ip }, p.sessionId);
    clearSessionCookie(reply);
    return sendNoContent(reply);
  });

  // one's own account: every role
  app.post(`${P}/auth/password`, { config: { permission: 'account:self', audit: false }, schema: { body: passwordChangeBody } }, async (req, reply) => {
    await accounts.changeOwnPassword(actorOf(req), req.body.current, req.body.password);
    clearSessionCookie(reply);
    return sendNoContent(reply);
  });
  app.get(`${P}/auth/sessions`, { config: { permission: 'account:self' } }, (req, reply) => {
    const p = req.principal as Principal;
    return sendJson(reply, 200, sessions.list(p.userId, p.sessionId));
  });
  app.delete(`${P}/auth/sessions/:handle`, { config: { permission: 'account:self', audit: false }, schema: { params: handleParams } }, (req, reply) => {
    const p = req.principal as Principal;
    if (!sessions.endByHandle(p.userId, req.params.handle)) throw new RwError('RW_ERR_NOT_FOUND', 'no such session of yours');
    audit.append({ actor: p.username, address: req.ip, action: 'session.ended', target: req.params.handle });
    return sendNoContent(reply);
  });
  app.post(`${P}/auth/totp/begin`, { config: { permission: 'account:self', audit: false } }, (req, reply) => sendJson(reply, 200, accounts.beginTotp(actorOf(req))));
  app.post(`${P}/auth/totp/confirm`, { config: { permission: 'account:self', audit: false }, schema: { body: totpConfirmBody } }, (req, reply) => {
    accounts.confirmTotp(actorOf(req), req.body.secret, req.body.code);
    return sendNoContent(reply);
  });

  // API tokens: one's own; an admin may also revoke anyone's
  app.get(`${P}/tokens`, { config: { permission: 'account:self' } }, (req, reply) => sendJson(reply, 200, tokens.list(userOf(req).id)));
  app.post(`${P}/tokens`, { config: { permission: 'account:self', audit: false }, schema: { body: tokenBody } }, (req, reply) => {
    const owner = userOf(req);
    const made = tokens.create(owner, req.body.name, req.body.role);
    audit.append({ actor: owner.username, address: req.ip, action: 'token.created', target: owner.username, after: made.info });
    return sendJson(reply, 201, made);
  });
  app.delete(`${P}/tokens/:id`, { config: { permission: 'account:self', audit: false }, schema: { params: idParams } }, (req, reply) => {
    const user = userOf(req);
    const id = numericId(req.params.id);
    const before = repo.tokenById(id);
    if (!tokens.revoke(user.id, id, user.role === 'admin')) throw new RwError('RW_ERR_NOT_FOUND', `no token ${id} of yours that is not already revoked`);
    audit.append({ actor: user.username, address: req.ip, action: 'token.revoked', target: before ? `${before.name} (#${id})` : `#${id}` });
    return sendNoContent(reply);
  });

  // users: admin
  app.get(`${P}/users`, { config: { permission: 'users:manage' } }, (req, reply) => sendJson(reply, 200, accounts.listUsers(actorOf(req))));
  app.post(`${P}/users`, { config: { permission: 'users:manage', audit: false }, schema: { body: userBody } }, async (req, reply) => {
    return sendJson(reply, 201, await accounts.createUser(actorOf(req), req.body.username, req.body.role, req.body.password));
  });
  app.put(`${P}/users/:id`, { config: { permission: 'users:manage', audit: false }, schema: { params: idParams, body: userPatchBody } }, (req, reply) => {
    const actor = actorOf(req);
    const id = numericId(req.params.id);
    let user = req.body.role !== undefined ? accounts.changeRole(actor, id, req.body.role) : undefined;
    if (req.body.disabled !== undefined) user = accounts.setDisabled(actor, id, req.body.disabled);
    return sendJson(reply, 200, user ?? accounts.listUsers(actor).find((u) => u.id === id));
  });
  app.post(`${P}/users/:id/password`, { config: { permission: 'users:manage', audit: false }, schema: { params: idParams, body: resetBody } }, async (req, reply) => {
    await accounts.resetPassword(actorOf(req), numericId(req.params.id), req.body.password);
    return sendNoContent(reply);
  });
  app.delete(`${P}/users/:id/totp`, { config: { permission: 'users:manage', audit: false }, schema: { params: idParams } }, (req, reply) => {
    accounts.clearTotp(actorOf(req), numericId(req.params.id));
    return sendNoContent(reply);
  });

  // the audit log: admin
  app.get(`${P}/audit`, { config: { permission: 'audit:read' }, schema: { querystring: auditQuery } }, (req, reply) => {
    return sendJson(reply, 200, audit.query(req.query));
  });
  app.get(`${P}/audit.csv`, { config: { permission: 'audit:read' }, schema: { querystring: auditQuery } }, (req, reply) => {
    const { limit: _l, offset: _o, ...q } = req.query;
    return reply.code(200).header('cache-control', 'no-store')
      .header('content-disposition', 'attachment; filename="rackwatch-audit.csv"')
      .type('text/csv; charset=utf-8').send(Readable.from(audit.csv(q)));
  });
  return Promise.resolve();
}
