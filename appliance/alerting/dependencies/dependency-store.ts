// Server dependencies (B10) in SQLite (alert_dependencies), held in memory for the alert engine:
// PATCH /servers/:id {"dependsOn": […]} sets a server's parents, PUT /groups/:id/depends-on a
// group's (every member's). A change is refused with the field named when a parent is unknown,
// when a server would depend on itself, or when it would close a cycle (dependency-graph.ts).
import { z } from 'zod';
import { DEPENDENCY_LIMITS, type DependenciesResponse } from '../../../contract/maintenance-api.js';
import { RwError } from '../../../contract/errors.js';
import { problemsOf, type Parsed } from '../../../core/validation-problems.js';
import type { Db } from '../../db/database.js';
import { idText } from '../../http/route-schemas.js';
import { DEFAULT_SETTLE_MS } from './settle-time.js';
import { dependantCounts, findCycle, parentsOf, type DependencyEdges, type GraphFacts } from './dependency-graph.js';

export const dependsOnSchema = z.array(idText).max(DEPENDENCY_LIMITS.parentsPerOwner, `at most ${DEPENDENCY_LIMITS.parentsPerOwner} parents`)
  .refine((ids) => new Set(ids).size === ids.length, 'names a parent twice');

export const groupDependsOnSchema = z.object({ dependsOn: dependsOnSchema }).strict();

export interface DependencyStoreDeps {
  db: Db;
  agentExists: (id: string) => boolean;
  groupExists: (id: string) => boolean;
  /** the servers whose alerts a check raises; null when there is no such check */
  checkServers: (checkId: string) => readonly string[] | null;
  groupsOf: () => ReadonlyMap<string, readonly string[]>;
  settleMs?: number;
}

type OwnerKind = 'agent' | 'group';

export class DependencyStore {
  private edges: DependencyEdges = { servers: new Map(), groups: new Map() };
  private counts: Map<string, number> | null = null;
  readonly settleMs: number;

  constructor(private readonly deps: DependencyStoreDeps) {
    this.settleMs = deps.settleMs ?? DEFAULT_SETTLE_MS;
    this.reload();
  }

  /** Reads the table again (after a write here, or the standby pair's copy: docs/standby.md). */
  reload(): void {
    const servers = new Map<string, string[]>();
    const groups = new Map<string, string[]>();
    const rows = this.deps.db.prepare<[], { owner_kind: OwnerKind; owner_id: string; parent_id: string }>('SELECT owner_kind, owner_id, parent_id FROM alert_dependencies ORDER BY rowid').all();
    for (const r of rows) {
      const map = r.owner_kind === 'agent' ? servers : groups;
      const list = map.get(r.owner_id) ?? [];
      list.push(r.parent_id);
      map.set(r.owner_id, list);
    }
    this.edges = { servers, groups };
    this.counts = null;
  }

  private facts(): GraphFacts {
    return { groupsOf: this.deps.groupsOf(), checkServers: this.deps.checkServers };
  }

  /** A server's parents (its own and its groups'). */
  parentsOf(agentId: string, groupIds: readonly string[]): string[] {
    return parentsOf(this.edges, agentId, groupIds);
  }

  /** Whether any dependency is kept (the engine skips the look-ups when none is). */
  get empty(): boolean {
    return this.edges.servers.size === 0 && this.edges.groups.size === 0;
  }

  /** How many servers depend on the parent, directly or through others (cached until a change). */
  dependantsOf(parentId: string): number {
    this.counts ??= dependantCounts(this.edges, this.facts());
    return this.counts.get(parentId) ?? 0;
  }

  /** Group memberships or checks changed: the counts are computed again. */
  invalidate(): void {
    this.counts = null;
  }

  listing(): DependenciesResponse {
    const plain = (m: ReadonlyMap<string, readonly string[]>): Record<string, string[]> => Object.fromEntries([...m].map(([k, v]) => [k, [...v]]));
    return { servers: plain(this.edges.servers), groups: plain(this.edges.groups), settleMs: this.settleMs };
  }

  ownParents(kind: OwnerKind, id: string): readonly string[] {
    return (kind === 'agent' ? this.edges.servers : this.edges.groups).get(id) ?? [];
  }

  /** Sets a server's or a group's parents ([] removes them); the problems name `dependsOn` or `dependsOn.<i>`. */
  set(kind: OwnerKind, ownerId: string, parents: readonly string[]): Parsed<string[]> {
    if (kind === 'agent' ? !this.deps.agentExists(ownerId) : !this.deps.groupExists(ownerId)) throw new RwError('RW_ERR_NOT_FOUND', `no ${kind === 'agent' ? 'server' : 'group'} ${ownerId}`);
    const shape = dependsOnSchema.safeParse(parents);
    if (!shape.success) return { ok: false, problems: problemsOf(shape.error, { root: 'dependsOn' }).map((p) => (p.startsWith('dependsOn') ? p : `dependsOn.${p}`)) };
    const problems: string[] = [];
    parents.forEach((p, i) => {
      if (kind === 'agent' && p === ownerId) problems.push(`dependsOn.${i}: a server cannot depend on itself`);
      else if (!this.deps.agentExists(p) && this.deps.checkServers(p) === null) problems.push(`dependsOn.${i}: no server or check ${p}`);
    });
    if (problems.length > 0) return { ok: false, problems };
    const proposed: DependencyEdges = {
      servers: kind === 'agent' ? new Map([...this.edges.servers, [ownerId, [...parents]]]) : this.edges.servers,
      groups: kind === 'group' ? new Map([...this.edges.groups, [ownerId, [...parents]]]) : this.edges.groups,
    };
    const facts = this.facts();
    const starts = kind === 'agent' ? [ownerId] : [...facts.groupsOf].filter(([, g]) => g.includes(ownerId)).map(([a]) => a);
    const cycle = findCycle(proposed, facts, starts, DEPENDENCY_LIMITS.maxDepth);
    if (cycle) {
      return { ok: false, problems: [cycle.length > DEPENDENCY_LIMITS.maxDepth + 1
        ? `dependsOn: the chain of dependencies would be deeper than ${DEPENDENCY_LIMITS.maxDepth}: ${cycle.join(' → ')}`
        : `dependsOn: would make a cycle: ${cycle.join(' → ')}`] };
    }
    this.deps.db.transaction(() => {
      this.deps.db.prepare('DELETE FROM alert_dependencies WHERE owner_kind = ? AND owner_id = ?').run(kind, ownerId);
      const insert = this.deps.db.prepare('INSERT INTO alert_dependencies (owner_kind, owner_id, parent_id) VALUES (?, ?, ?)');
      for (const p of parents) insert.run(kind, ownerId, p);
    })();
    this.reload();
    return { ok: true, value: [...parents] };
  }

  /** After a change of the groups: the dependencies of groups that are gone go with them. */
  keepGroups(groupIds: ReadonlySet<string>): void {
    const gone = [...this.edges.groups.keys()].filter((g) => !groupIds.has(g));
    for (const g of gone) this.forget('group', g);
  }

  /** A server or group was removed: its own parents go with it. */
  forget(kind: OwnerKind, ownerId: string): void {
    if (this.deps.db.prepare('DELETE FROM alert_dependencies WHERE owner_kind = ? AND owner_id = ?').run(kind, ownerId).changes > 0) this.reload();
  }
}
