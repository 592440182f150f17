// Service check definitions (S5, S6, S16; docs/api.md "Checks"): created, changed and removed
// through the API, kept in SQLite and in memory, and placed: an agent check runs on its agent or
// on every member of its group (present and future: the group's members are read when a list is
// made), a probe on the appliance. Whenever what an agent runs may have changed (a check saved or
// removed, a group's members changed, an agent removed), `onAgentChecksChanged` is told which
// agents, and their configs are republished (agent-config/config-service.ts). Also the probes'
// ProbeDefinitionSource, and the views the API answers with (statuses from CheckResults).
import { randomBytes } from 'node:crypto';
import type { AgentCheck } from '../../contract/check-definitions.js';
import { CHECK_DEFINITION_LIMITS } from '../../contract/check-definitions.js';
import type { Group } from '../../contract/alerting.js';
import {
  CHECK_API_LIMITS, CHECK_TYPES, PROBE_TYPES,
  type CheckHistoryResponse, type CheckInput, type CheckInstance, type CheckListResponse, type CheckStatus, type CheckStatusState, type CheckType, type CheckView,
} from '../../contract/checks-api.js';
import { RwError } from '../../contract/errors.js';
import { nowSeconds, type Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Parsed } from '../../core/validation-problems.js';
import type { LiveHub } from '../live/live-hub.js';
import type { ProbeDefinitionSource } from './check-runs.js';
import { agentCheckOf, isAgentCheck, parseCheckInput } from './check-input.js';
import type { CheckRepository, StoredCheck } from './check-repository.js';
import { CheckResults, type PerfdataWriter } from './check-results.js';
import type { PerfdataRemover } from './check-perfdata.js';

export interface CheckServiceDeps {
  repo: CheckRepository;
  agentExists: (id: string) => boolean;
  hostnameOf: (agentId: string) => string | null;
  /** the server groups (S8) as the alert engine last loaded them */
  groups: () => readonly Group[];
  /** the agents whose list of checks may have changed: their configs are republished */
  onAgentChecksChanged: (agentIds: string[]) => void;
  hub: LiveHub;
  perfdata?: PerfdataWriter;
  /** removes a check's perfdata files from where it no longer runs */
  removePerfdata?: PerfdataRemover;
  clock: Clock;
  logger: Logger;
  onWriteError?: (where: string, err: unknown) => void;
  /** a check is gone (deleted, or with its group): its open alerts resolve */
  onCheckRemoved?: (checkId: string) => void;
}

/** GET /api/v1/checks filters, each checked by the route. */
export interface CheckFilter {
  state?: CheckStatusState;
  agentId?: string;
  groupId?: string;
  type?: CheckType;
  q?: string;
}

export const CHECK_STATUS_STATES: readonly CheckStatusState[] = ['ok', 'warning', 'critical', 'unknown', 'pending'];
/** A check's own state is its worst instance's: CRITICAL, UNKNOWN, WARNING, OK, then not yet run. */
const RANK: Record<CheckStatusState, number> = { critical: 4, unknown: 3, warning: 2, ok: 1, pending: 0 };

const PROBES: ReadonlySet<string> = new Set(PROBE_TYPES);
const NO_GROUPS: ReadonlySet<string> = new Set();

function newCheckId(): string {
  return `c${randomBytes(6).toString('hex')}`;
}

export class CheckService implements ProbeDefinitionSource {
  readonly results: CheckResults;
  private checks = new Map<string, StoredCheck>();
  private readonly probeListeners = new Set<() => void>();
  /** members of groups with checks at the last look: one that leaves its group must lose them */
  private groupCheckMembers = new Set<string>();
  private groupsOfAgent = new Map<string, Set<string>>();

  constructor(private readonly deps: CheckServiceDeps) {
    this.results = new CheckResults({
      repo: deps.repo, hub: deps.hub, clock: deps.clock, logger: deps.logger, hostnameOf: deps.hostnameOf,
      checkOf: (id) => this.checks.get(id),
      runsOn: (check, agentId) => (agentId === null ? PROBES.has(check.type) : this.runsOn(check, agentId)),
      ...(deps.perfdata ? { perfdata: deps.perfdata } : {}),
      ...(deps.onWriteError ? { onWriteError: deps.onWriteError } : {}),
    });
  }

  start(): void {
    this.reload();
    this.indexGroups();
    this.groupCheckMembers = this.membersOfGroupsWithChecks();
    this.results.load();
  }

  /** Writes the results that wait (before the database closes). */
  stop(): void {
    this.results.flush();
  }

  // --- the API ---------------------------------------------------------------------------------

  list(filter: CheckFilter = {}): CheckListResponse {
    const q = filter.q?.toLowerCase();
    const checks: CheckView[] = [];
    const byState: Record<CheckStatusState, number> = { ok: 0, warning: 0, critical: 0, unknown: 0, pending: 0 };
    for (const c of this.checks.values()) {
      if (filter.type !== undefined && c.type !== filter.type) continue;
      if (filter.groupId !== undefined && c.groupId !== filter.groupId) continue;
      if (filter.agentId !== undefined && c.agentId !== filter.agentId && !(c.groupId !== null && this.runsOn(c, filter.agentId))) continue;
      if (q !== undefined && !c.definition.name.toLowerCase().includes(q)) continue;
      const view = this.viewOf(c);
      if (filter.state !== undefined && view.state !== filter.state) continue;
      byState[view.state]++;
      checks.push(view);
    }
    return { checks, byState };
  }

  view(id: string): CheckView {
    return this.viewOf(this.known(id));
  }

  /** The check with this id, or null when there is none (a rule's '*', a deleted check). */
  find(id: string): CheckView | null {
    const c = this.checks.get(id);
    return c ? this.viewOf(c) : null;
  }

  create(body: unknown): Parsed<CheckView> {
    const parsed = parseCheckInput(body);
    if (!parsed.ok) return parsed;
    const input = parsed.value;
    this.assertPlaced(input);
    this.assertRoom(input, null);
    const now = nowSeconds(this.deps.clock);
    const check: StoredCheck = {
      id: newCheckId(), type: input.type, agentId: input.agentId ?? null, groupId: groupIdOf(input),
      definition: input, enabled: input.enabled ?? true, createdAt: now, updatedAt: now,
    };
    this.deps.repo.insert(check);
    this.checks.set(check.id, check);
    this.deps.logger.info('check created', { checkId: check.id, type: check.type, agentId: check.agentId, groupId: check.groupId });
    this.changed([check]);
    return { ok: true, value: this.viewOf(check) };
  }

  /** Replaces a check's definition (its type may not change). */
  update(id: string, body: unknown): Parsed<CheckView> {
    const old = this.known(id);
    const parsed = parseCheckInput(body);
    if (!parsed.ok) return parsed;
    const input = parsed.value;
    if (input.type !== old.type) return { ok: false, problems: [`type: a check's type cannot change (this one is ${old.type}): create a new check`] };
    this.assertPlaced(input);
    this.assertRoom(input, old);
    const check: StoredCheck = {
      ...old, agentId: input.agentId ?? null, groupId: groupIdOf(input), definition: input, enabled: input.enabled ?? true,
      updatedAt: nowSeconds(this.deps.clock),
    };
    this.deps.repo.update(check);
    this.checks.set(id, check);
    // instances that no longer run it (moved to another agent or group) lose their status
    const targets = new Set(this.targetsOf(check));
    const gone = this.results.instancesWithStatus(id).filter((agentId) => !targets.has(agentId));
    for (const agentId of gone) this.results.forget(id, agentId);
    if (gone.length > 0) this.deps.removePerfdata?.(id, gone);
    this.changed([old, check]);
    return { ok: true, value: this.viewOf(check) };
  }

  remove(id: string): void {
    const old = this.known(id);
    const ranOn = [...this.targetsOf(old), ...this.results.instancesWithStatus(id)];
    this.deps.repo.delete(id);
    this.checks.delete(id);
    this.results.forget(id);
    this.deps.removePerfdata?.(id, ranOn);
    this.deps.logger.info('check removed', { checkId: id, type: old.type });
    this.changed([old]);
    this.deps.onCheckRemoved?.(id);
  }

  history(id: string, q: { agentId?: string | null; from: number; to: number; limit: number }): CheckHistoryResponse {
    this.known(id);
    // what waits for the next write is part of the answer
    this.results.flush();
    return { checkId: id, entries: this.deps.repo.history(id, q) };
  }

  // --- placement -------------------------------------------------------------------------------

  /** The enabled checks an agent runs, as its config carries them: its own, then its groups', oldest first. */
  agentChecks(agentId: string): AgentCheck[] {
    const out: AgentCheck[] = [];
    const groups = this.groupIdsOf(agentId);
    for (const c of this.checks.values()) {
      if (!c.enabled || PROBES.has(c.type)) continue;
      if (c.agentId === agentId || (c.groupId !== null && groups.has(c.groupId))) out.push(agentCheckOf(c.id, c.definition));
    }
    const max = CHECK_DEFINITION_LIMITS.checksPerAgent;
    if (out.length > max) {
      // only when a group gained checks' worth of members' own checks after they were saved: the
      // config's schema refuses more, so the newest are left out and the log says so
      this.deps.logger.warn('an agent has more checks than it can run; the newest are not sent', { agentId, checks: out.length, max });
      out.length = max;
    }
    return out;
  }

  /** Where a check runs: agents (present members for a group check), or null for the appliance. */
  targetsOf(check: StoredCheck): (string | null)[] {
    if (PROBES.has(check.type)) return [null];
    if (check.agentId !== null) return this.deps.agentExists(check.agentId) ? [check.agentId] : [];
    const group = this.deps.groups().find((g) => g.id === check.groupId);
    return group ? group.memberIds.filter((id) => this.deps.agentExists(id)) : [];
  }

  /**
   * The groups' members changed (or a group went, with its checks): the lists of the agents that
   * are, or were at the last look, members of a group with checks are looked at again.
   */
  onGroupsChanged(): void {
    const had = this.checks;
    this.reload();
    // a removed group took its checks with it (ON DELETE CASCADE): where they ran, by the old index
    for (const [id, old] of had) {
      if (this.checks.has(id)) continue;
      const ranOn = [...this.results.instancesWithStatus(id), ...this.targetsOfGroup(old.groupId)];
      this.results.forget(id);
      this.deps.removePerfdata?.(id, ranOn);
      this.deps.onCheckRemoved?.(id);
    }
    this.indexGroups();
    const before = this.groupCheckMembers;
    this.groupCheckMembers = this.membersOfGroupsWithChecks();
    const affected = [...new Set([...before, ...this.groupCheckMembers])].filter((id) => this.deps.agentExists(id));
    if (affected.length > 0) this.deps.onAgentChecksChanged(affected);
    this.notifyProbes();
  }

  /** A server was removed: its checks went with it (ON DELETE CASCADE), and its statuses. */
  onAgentRemoved(agentId: string): void {
    this.reload();
    for (const c of this.checks.values()) this.results.forget(c.id, agentId);
    this.notifyProbes();
  }

  // --- ProbeDefinitionSource -------------------------------------------------------------------

  probes(): { id: string; definition: CheckInput }[] {
    return [...this.checks.values()].filter((c) => c.enabled && PROBES.has(c.type)).map((c) => ({ id: c.id, definition: c.definition }));
  }

  onProbesChanged(listener: () => void): () => void {
    this.probeListeners.add(listener);
    return () => this.probeListeners.delete(listener);
  }

  // --- inside ----------------------------------------------------------------------------------

  private reload(): void {
    this.checks = new Map(this.deps.repo.all().map((c) => [c.id, c]));
  }

  private known(id: string): StoredCheck {
    const c = this.checks.get(id);
    if (!c) throw new RwError('RW_ERR_NOT_FOUND', `no check ${id}`);
    return c;
  }

  private runsOn(check: StoredCheck, agentId: string): boolean {
    if (PROBES.has(check.type)) return false;
    if (check.agentId !== null) return check.agentId === agentId;
    return check.groupId !== null && this.groupIdsOf(agentId).has(check.groupId);
  }

  private groupIdsOf(agentId: string): ReadonlySet<string> {
    return this.groupsOfAgent.get(agentId) ?? NO_GROUPS;
  }

  /** agent → its groups, made once per change of the groups: every result asks */
  private indexGroups(): void {
    const index = new Map<string, Set<string>>();
    for (const g of this.deps.groups()) {
      for (const id of g.memberIds) {
        let set = index.get(id);
        if (!set) {
          set = new Set();
          index.set(id, set);
        }
        set.add(g.id);
      }
    }
    this.groupsOfAgent = index;
  }

  private targetsOfGroup(groupId: string | null): string[] {
    return [...this.groupsOfAgent].filter(([, groups]) => groupId !== null && groups.has(groupId)).map(([agentId]) => agentId);
  }

  private assertPlaced(input: CheckInput): void {
    if (input.agentId !== undefined && !this.deps.agentExists(input.agentId)) throw new RwError('RW_ERR_NOT_FOUND', `no agent ${input.agentId}`);
    const groupId = groupIdOf(input);
    if (groupId !== null && !this.deps.groups().some((g) => g.id === groupId)) throw new RwError('RW_ERR_NOT_FOUND', `no group ${groupId}`);
  }

  /** The bounds (docs/bounds.md): checks on the appliance, probes, checks per agent (its groups' included). */
  private assertRoom(input: CheckInput, replacing: StoredCheck | null): void {
    const others = [...this.checks.values()].filter((c) => c.id !== replacing?.id);
    if (others.length >= CHECK_API_LIMITS.checks) throw new RwError('RW_ERR_CONFLICT', `the appliance holds at most ${CHECK_API_LIMITS.checks} checks`);
    if (PROBES.has(input.type)) {
      if (others.filter((c) => PROBES.has(c.type)).length >= CHECK_API_LIMITS.probes) {
        throw new RwError('RW_ERR_CONFLICT', `the appliance runs at most ${CHECK_API_LIMITS.probes} probes`);
      }
      return;
    }
    const groupId = groupIdOf(input);
    const agents = input.agentId !== undefined ? [input.agentId] : (this.deps.groups().find((g) => g.id === groupId)?.memberIds ?? []);
    const max = CHECK_DEFINITION_LIMITS.checksPerAgent;
    for (const agentId of agents) {
      const count = others.filter((c) => this.runsOn(c, agentId)).length;
      if (count >= max) {
        throw new RwError('RW_ERR_CONFLICT', `${this.deps.hostnameOf(agentId) ?? agentId} (${agentId}) runs ${count} checks already, its groups' included: at most ${max}`);
      }
    }
  }

  /** Tells who runs what after `checks` (old and new versions) changed. */
  private changed(checks: readonly StoredCheck[]): void {
    this.groupCheckMembers = this.membersOfGroupsWithChecks();
    const agents = new Set<string>();
    let probes = false;
    for (const c of checks) {
      if (PROBES.has(c.type)) probes = true;
      else for (const a of this.targetsOf(c)) if (a !== null) agents.add(a);
    }
    if (agents.size > 0) this.deps.onAgentChecksChanged([...agents]);
    if (probes) this.notifyProbes();
  }

  private membersOfGroupsWithChecks(): Set<string> {
    const withChecks = new Set<string>();
    for (const c of this.checks.values()) if (c.groupId !== null) withChecks.add(c.groupId);
    const members = new Set<string>();
    for (const g of this.deps.groups()) if (withChecks.has(g.id)) for (const id of g.memberIds) members.add(id);
    return members;
  }

  private notifyProbes(): void {
    for (const l of this.probeListeners) {
      try {
        l();
      } catch (e) {
        this.deps.logger.error('a probe listener failed', { err: e });
      }
    }
  }

  private viewOf(c: StoredCheck): CheckView {
    const instances: CheckInstance[] = this.targetsOf(c).map((agentId) => ({
      ...this.results.status(c.id, agentId), agentId, hostname: agentId === null ? null : this.deps.hostnameOf(agentId),
    }));
    let worst: CheckStatus = { state: 'pending', output: '', longOutput: '', perfdata: [], since: null, lastRun: null, durationMs: null };
    for (const i of instances) if (RANK[i.state] > RANK[worst.state] || (worst.state === 'pending' && i.state === 'pending')) worst = i;
    const { state, output, longOutput, perfdata, since, lastRun, durationMs } = worst;
    return {
      id: c.id, definition: c.definition, type: c.type, createdAt: c.createdAt, updatedAt: c.updatedAt, instances,
      state, output, longOutput, perfdata, since, lastRun, durationMs,
    };
  }
}

function groupIdOf(input: CheckInput): string | null {
  return isAgentCheck(input) ? (input.groupId ?? null) : null;
}

export function isCheckType(value: string): value is CheckType {
  return (CHECK_TYPES as readonly string[]).includes(value);
}
