// Permissions and roles (SEC; docs/api.md "Permissions"): every HTTP route declares the one
// permission it needs (`config: { permission }` in its options; the HTTP layer refuses to
// register a route without one), and each role is granted a fixed set. 'public' routes need no
// login: the health check, agent enrollment, the agent installer and the web UI's files.
// appliance/http/access-control.ts checks them before every request; the authorization matrix is
// generated from the routes' declarations (test/appliance/http/authorization-matrix.int.test.ts).

export const ROLES = ['admin', 'operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  // every signed-in user: their own password, sessions, TOTP and API tokens
  'account:self',
  // read only: every role
  'agents:read', 'series:read', 'visitors:read', 'stream:read', 'checks:read', 'rules:read',
  'groups:read', 'mutes:read', 'alerts:read', 'modem:read', 'dashboards:read', 'reports:read',
  // S19: the appliance's own metrics for a Prometheus scraper (GET /metrics, an API token)
  'metrics:read',
  // operator: the day-to-day work on alerts
  'alerts:ack', 'mutes:write', 'rules:write', 'checks:write', 'groups:write', 'dashboards:write', 'reports:write',
  // phone numbers: operator and admin, never a viewer
  'contacts:read', 'sms:read',
  // S13, B4: a sentinel of another appliance reports that appliance's outage here (an API token)
  'sentinel:report',
  // admin: people, the modem, the fleet itself, the storage
  'users:manage', 'audit:read', 'contacts:write', 'modem:test', 'sms:test', 'enrollment:manage', 'servers:write', 'retention:manage',
  // admin: the appliance's TLS certificate (SEC)
  'tls:manage',
  // admin: the appliance itself: announcing a planned restart, its redundancy (B4)
  'appliance:manage',
  // admin: where samples and alerts are forwarded beyond the box (S19, B8)
  'federation:manage',
  // admin: fleet file jobs (S17): upload a file, push it, create, move or delete directories on
  // servers, roll back. Held by the admin role for every server; an admin may grant it to any
  // user on the members of chosen server groups (docs/api.md "Deploy grants",
  // appliance/http/access-control.ts principalAllows); each server's files.d still decides which
  // rackwatch users and roles may act there and as which account
  'files:deploy',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What a route declares: a permission, or 'public' (no login). */
export type RoutePermission = Permission | 'public';

const VIEWER: readonly Permission[] = [
  'account:self', 'agents:read', 'series:read', 'visitors:read', 'stream:read', 'checks:read', 'rules:read',
  'groups:read', 'mutes:read', 'alerts:read', 'modem:read', 'dashboards:read', 'reports:read', 'metrics:read',
];
const OPERATOR: readonly Permission[] = [
  ...VIEWER, 'contacts:read', 'sms:read', 'sentinel:report',
  'alerts:ack', 'mutes:write', 'rules:write', 'checks:write', 'groups:write', 'dashboards:write', 'reports:write',
];

/** Which role has which permission: each role holds the one below it and more. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: VIEWER,
  operator: OPERATOR,
  admin: PERMISSIONS,
};

export function isRoutePermission(value: unknown): value is RoutePermission {
  return value === 'public' || (PERMISSIONS as readonly unknown[]).includes(value);
}

/** Whether `role` may use a route declaring `permission` ('public' routes: everyone). */
export function roleAllows(role: Role, permission: RoutePermission): boolean {
  return permission === 'public' || ROLE_PERMISSIONS[role].includes(permission);
}
