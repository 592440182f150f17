// Roles (docs/security.md): viewer < operator < admin, as contract/permissions.ts grants them.
// Pure: what a role may grant, never I/O.
import { ROLES, type Role } from '../../contract/permissions.js';

export { ROLES, type Role };

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** true when `role` is no higher than `cap` (an API token may not outrank its creator) */
export function roleAtMost(role: Role, cap: Role): boolean {
  return RANK[role] <= RANK[cap];
}
