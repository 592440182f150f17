// The deploy right granted per group of servers (S17, SEC; migration 18, docs/api.md "Deploy
// grants"): an admin grants a user (any role) `files:deploy` on the members of chosen server
// groups. An admin holds it for every server by role and needs no grant. A grant goes when its
// user or its group is deleted (foreign keys). A session carries its user's grants; an API token
// carries them only when made with its owner's own role (a token made with a lower role is meant
// to do less).
import { RwError } from '../../contract/errors.js';
import type { DeployGrant } from '../../contract/files-api.js';
import type { Db } from '../db/database.js';

export class DeployGrants {
  constructor(private readonly db: Db) {}

  /** The group ids granted to a user, sorted. */
  groupsOf(userId: number): string[] {
    return this.db.prepare<[number], { group_id: string }>('SELECT group_id FROM deploy_grants WHERE user_id = ? ORDER BY group_id').all(userId).map((r) => r.group_id);
  }

  /** The user's role ('' for no such user). */
  roleOf(userId: number): string {
    return this.db.prepare<[number], { role: string }>('SELECT role FROM users WHERE id = ?').get(userId)?.role ?? '';
  }

  /** Every user with at least one granted group, by username. */
  list(): DeployGrant[] {
    const rows = this.db.prepare<[], { user_id: number; username: string; role: string; group_id: string }>(`
      SELECT g.user_id, u.username, u.role, g.group_id FROM deploy_grants g JOIN users u ON u.id = g.user_id
      ORDER BY u.username, g.group_id`).all();
    const byUser = new Map<number, DeployGrant>();
    for (const r of rows) {
      const g = byUser.get(r.user_id) ?? { userId: r.user_id, username: r.username, role: r.role, groupIds: [] };
      g.groupIds.push(r.group_id);
      byUser.set(r.user_id, g);
    }
    return [...byUser.values()];
  }

  /**
   * Replaces a user's granted groups; 404 for an unknown user or group (each unknown group named).
   * Returns the groups before and after, for the audit log.
   */
  set(userId: number, groupIds: readonly string[], by: string, nowMs: number): { username: string; before: string[]; after: string[] } {
    return this.db.transaction(() => {
      const user = this.db.prepare<[number], { username: string }>('SELECT username FROM users WHERE id = ?').get(userId);
      if (!user) throw new RwError('RW_ERR_NOT_FOUND', `no user ${userId}`);
      const wanted = [...new Set(groupIds)].sort();
      const exists = this.db.prepare<[string], { id: string }>('SELECT id FROM server_groups WHERE id = ?');
      const unknown = wanted.filter((g) => exists.get(g) === undefined);
      if (unknown.length > 0) throw new RwError('RW_ERR_NOT_FOUND', `(body).groupIds: no group ${unknown.join(', ')}`);
      const before = this.groupsOf(userId);
      this.db.prepare('DELETE FROM deploy_grants WHERE user_id = ?').run(userId);
      const add = this.db.prepare('INSERT INTO deploy_grants (user_id, group_id, granted_by, granted_at) VALUES (?, ?, ?, ?)');
      for (const g of wanted) add.run(userId, g, by, nowMs);
      return { username: user.username, before, after: wanted };
    })();
  }
}
