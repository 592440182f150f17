// The accounts API's wire types (SEC; docs/api.md "Accounts"): what the web UI and scripts read
// from /api/v1/auth/*, /api/v1/users, /api/v1/tokens and /api/v1/audit.
import type { Permission, Role } from './permissions.js';

export interface PublicUser {
  id: number;
  username: string;
  role: Role;
  disabled: boolean;
  /** a TOTP second factor is on */
  totp: boolean;
  createdAt: number;
}

/** GET /api/v1/auth/session (also the answer to sign-in and setup). */
export interface SessionResponse {
  /**
   * the signed-in user with what they may do (their role's permissions, and `files:deploy` when an
   * admin granted them groups of servers: S17) and those groups' ids; null: nobody is signed in
   */
  user: (PublicUser & { permissions: Permission[]; deployGroupIds: string[] }) | null;
  /** no admin exists yet: the first visitor creates one with the setup code */
  setupRequired: boolean;
  /** send it as the `x-csrf-token` header with every POST, PUT and DELETE */
  csrfToken: string;
  idleTimeoutMs: number;
}

export interface SessionInfo {
  /** pass it to DELETE /api/v1/auth/sessions/:handle to end that session */
  handle: string;
  createdAt: number;
  lastSeenAt: number;
  address: string | null;
  userAgent: string | null;
  current: boolean;
}

export interface ApiTokenInfo {
  id: number;
  name: string;
  role: Role;
  /** the token's first characters, to recognise it */
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** POST /api/v1/tokens: the token in clear, shown this once. */
export interface CreatedToken {
  token: string;
  info: ApiTokenInfo;
}

export interface TotpEnrolment {
  /** base32, for typing into an app by hand */
  secret: string;
  /** otpauth://totp/… for a QR code */
  uri: string;
}

export interface AuditEntry {
  id: number;
  at: number;
  actor: string | null;
  address: string | null;
  action: string;
  target: string | null;
  before: unknown;
  after: unknown;
}

export interface AuditPage {
  entries: AuditEntry[];
  total: number;
}
