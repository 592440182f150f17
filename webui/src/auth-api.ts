// Typed calls to the accounts part of the appliance's API (SEC; contract/accounts-api.ts): the
// session, first-start setup, sign-in and sign-out, one's own password, sessions, TOTP and API
// tokens, the users (admin) and the audit log (admin). Thin wrappers over api-client's requestJson.
import type {
  ApiTokenInfo, AuditPage, CreatedToken, PublicUser, SessionInfo, SessionResponse, TotpEnrolment,
} from '../../contract/accounts-api.js';
import type { DeployGrant, DeployGrantList } from '../../contract/files-api.js';
import type { Role } from '../../contract/permissions.js';
import { apiUrl, requestJson } from './api-client.js';

const enc = encodeURIComponent;

export function getSession(signal?: AbortSignal): Promise<SessionResponse> {
  return requestJson<SessionResponse>('/auth/session', { signal });
}

export function completeSetup(code: string, username: string, password: string): Promise<SessionResponse> {
  return requestJson<SessionResponse>('/auth/setup', { method: 'POST', body: { code, username, password }, credentialCheck: true });
}

export function signIn(username: string, password: string, totpCode?: string): Promise<SessionResponse> {
  const body = { username, password, ...(totpCode ? { totpCode } : {}) };
  return requestJson<SessionResponse>('/auth/login', { method: 'POST', body, credentialCheck: true });
}

export function signOut(): Promise<void> {
  return requestJson<void>('/auth/logout', { method: 'POST', credentialCheck: true });
}

/** Ends every session of the user, this one too. */
export function changeOwnPassword(current: string, password: string): Promise<void> {
  return requestJson<void>('/auth/password', { method: 'POST', body: { current, password }, credentialCheck: true });
}

export function listMySessions(signal?: AbortSignal): Promise<SessionInfo[]> {
  return requestJson<SessionInfo[]>('/auth/sessions', { signal });
}

export function endSession(handle: string): Promise<void> {
  return requestJson<void>(`/auth/sessions/${enc(handle)}`, { method: 'DELETE' });
}

export function beginTotp(): Promise<TotpEnrolment> {
  return requestJson<TotpEnrolment>('/auth/totp/begin', { method: 'POST' });
}

export function confirmTotp(secret: string, code: string): Promise<void> {
  return requestJson<void>('/auth/totp/confirm', { method: 'POST', body: { secret, code } });
}

export function listTokens(signal?: AbortSignal): Promise<ApiTokenInfo[]> {
  return requestJson<ApiTokenInfo[]>('/tokens', { signal });
}

export function createToken(name: string, role: Role): Promise<CreatedToken> {
  return requestJson<CreatedToken>('/tokens', { method: 'POST', body: { name, role } });
}

export function revokeToken(id: number): Promise<void> {
  return requestJson<void>(`/tokens/${id}`, { method: 'DELETE' });
}

// --- users (admin) ---------------------------------------------------------------------------------

export function listUsers(signal?: AbortSignal): Promise<PublicUser[]> {
  return requestJson<PublicUser[]>('/users', { signal });
}

export function createUser(username: string, role: Role, password: string): Promise<PublicUser> {
  return requestJson<PublicUser>('/users', { method: 'POST', body: { username, role, password } });
}

export function updateUser(id: number, change: { role?: Role; disabled?: boolean }): Promise<PublicUser> {
  return requestJson<PublicUser>(`/users/${id}`, { method: 'PUT', body: change });
}

export function resetPassword(id: number, password: string): Promise<void> {
  return requestJson<void>(`/users/${id}/password`, { method: 'POST', body: { password } });
}

export function clearTotp(id: number): Promise<void> {
  return requestJson<void>(`/users/${id}/totp`, { method: 'DELETE' });
}

/** S17: every user's granted deploy groups */
export function listDeployGrants(signal?: AbortSignal): Promise<DeployGrantList> {
  return requestJson<DeployGrantList>('/deploy-grants', { signal });
}

/** S17: replaces a user's granted deploy groups */
export function setDeployGroups(id: number, groupIds: string[]): Promise<DeployGrant> {
  return requestJson<DeployGrant>(`/users/${id}/deploy-groups`, { method: 'PUT', body: { groupIds } });
}

// --- the audit log (admin) ---------------------------------------------------------------------------

export interface AuditQuery {
  actor?: string;
  action?: string;
  text?: string;
  /** ms since the epoch */
  from?: number;
  /** ms since the epoch */
  to?: number;
}

/** The query string of a search: the page and the CSV download carry the same filters. */
export function auditParams(q: AuditQuery): URLSearchParams {
  const p = new URLSearchParams();
  for (const key of ['actor', 'action', 'text'] as const) {
    const v = q[key]?.trim();
    if (v) p.set(key, v);
  }
  if (q.from !== undefined) p.set('from', String(Math.floor(q.from)));
  if (q.to !== undefined) p.set('to', String(Math.ceil(q.to)));
  return p;
}

export function queryAudit(q: AuditQuery, page: { limit: number; offset: number }, signal?: AbortSignal): Promise<AuditPage> {
  const p = auditParams(q);
  p.set('limit', String(page.limit));
  p.set('offset', String(page.offset));
  return requestJson<AuditPage>('/audit', { params: p, signal });
}

/** The CSV download of the same search, for a plain link (the browser sends the cookie). */
export function auditCsvUrl(q: AuditQuery): string {
  return apiUrl('/audit.csv', auditParams(q));
}
