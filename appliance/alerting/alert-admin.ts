// Administration of alerting (S4, S7, S8, S12): rules with their SMS preview, contacts, server
// groups and their members, and muted servers. Reads come from the AlertEngine's in-memory copies;
// writes (validated by the caller, routes.ts) go through the AlertRepository or the MuteStore,
// after which the engine reloads what changed. Deleting a rule runs the engine's sweep at once, so
// its open alerts resolve as 'rule-withdrawn' now rather than within a minute.
import { randomBytes } from 'node:crypto';
import type { GroupDetail, GroupView, Mute, RulePreviewResponse } from '../../contract/alerts-api.js';
import type { Contact, Group, Language, Rule } from '../../contract/alerting.js';
import type { CheckView } from '../../contract/checks-api.js';
import { RwError } from '../../contract/errors.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { AgentDirectory, AlertEngine } from './alert-engine.js';
import type { AlertRepository } from './alert-repository.js';
import type { MuteStore } from './mute-store.js';
import { previewRule, type PreviewCheck } from './policy/sms-templates.js';
import { filterServers, groupHealth, serverHealth, sortWorstFirst } from './rules/group-status.js';

export interface AlertAdminDeps {
  engine: AlertEngine;
  repo: AlertRepository;
  mutes: MuteStore;
  agents: AgentDirectory;
  clock: Clock;
  logger: Logger;
}

/** A readable id from a name: "Web servers" → "web-servers" (plus a suffix when taken). */
export function slugId(name: string, taken: (id: string) => boolean): string {
  const base = name.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'item';
  if (!taken(base)) return base;
  for (;;) {
    const id = `${base}-${randomBytes(3).toString('hex')}`;
    if (!taken(id)) return id;
  }
}

/** The checks a preview may name (S5): the checks feature, which starts after alerting. */
export interface PreviewCheckSource {
  /** the check with this id, or null (unknown, or '*') */
  describe(checkId: string): PreviewCheck | null;
}

/** A check as a preview shows it: its name, type and the unit of each perfdata label its runs reported. */
export function previewCheckOf(view: CheckView | null): PreviewCheck | null {
  if (!view) return null;
  const units = Object.fromEntries([view, ...view.instances].flatMap((run) => run.perfdata).map((p) => [p.label, p.unit]));
  return { name: view.definition.name, type: view.type, units };
}

export class AlertAdmin {
  private checks: PreviewCheckSource | null = null;

  constructor(private readonly deps: AlertAdminDeps) {}

  /** Lets previews of rules on one check name that check (the composition root calls it once the checks feature exists). */
  useChecks(source: PreviewCheckSource): void {
    this.checks = source;
  }

  // --- rules -------------------------------------------------------------------------------------

  listRules(): Rule[] {
    return [...this.deps.engine.rules()];
  }

  getRule(id: string): Rule | null {
    return this.deps.engine.rule(id);
  }

  saveRule(rule: Rule): Rule {
    const { engine, repo, clock } = this.deps;
    const stored: Rule = { ...rule, builtin: engine.rule(rule.id)?.builtin ?? false };
    repo.saveRule(stored, clock.now());
    engine.reloadRules();
    return stored;
  }

  deleteRule(id: string): boolean {
    const { engine, repo } = this.deps;
    const deleted = repo.deleteRule(id);
    if (deleted) {
      engine.reloadRules();
      engine.sweep(); // its open alerts resolve as 'rule-withdrawn' now rather than within a minute
    }
    return deleted;
  }

  /** The SMS a rule would send, on the named agent or the fleet's longest host name. */
  previewRule(rule: Rule, language: Language, agentId?: string): RulePreviewResponse {
    const agents = this.deps.agents.list();
    const chosen = agentId ? agents.find((a) => a.id === agentId) : undefined;
    const agentName = chosen?.hostname ?? agents.reduce((longest, a) => (a.hostname.length > longest.length ? a.hostname : longest), 'server-01');
    const m = rule.metric;
    const check = (m.kind === 'check_state' || m.kind === 'check_perf') && this.checks ? this.checks.describe(m.checkId) : null;
    const messages = previewRule(rule, { language, timeZone: this.deps.engine.timeZone, agentName, nowMs: this.deps.clock.now(), ...(check ? { check } : {}) });
    return { ruleId: rule.id, language, agentName, messages, maxParts: Math.max(1, ...messages.map((m) => m.segments.parts)) };
  }

  // --- contacts ----------------------------------------------------------------------------------

  listContacts(): Contact[] {
    return [...this.deps.engine.contacts()];
  }

  saveContact(contact: Contact): Contact {
    this.deps.repo.saveContact(contact);
    this.deps.engine.reloadContacts();
    return contact;
  }

  deleteContact(id: string): boolean {
    const deleted = this.deps.repo.deleteContact(id);
    if (deleted) this.deps.engine.reloadContacts();
    return deleted;
  }

  // --- groups (S8) -------------------------------------------------------------------------------

  listGroups(): GroupView[] {
    const servers = serverHealth(this.deps.agents.list(), this.deps.engine.openAlerts());
    return this.deps.engine.groups().map((g) => ({ ...g, health: groupHealth(g, servers) }));
  }

  group(id: string): GroupDetail | null {
    const g = this.deps.engine.groups().find((x) => x.id === id);
    if (!g) return null;
    const servers = serverHealth(this.deps.agents.list(), this.deps.engine.openAlerts());
    return { ...g, health: groupHealth(g, servers), servers: sortWorstFirst(filterServers(servers, { group: g })) };
  }

  /** Creates or renames a group; with `memberIds`, its members become exactly those agents. */
  saveGroup(group: Pick<Group, 'id' | 'name'>, memberIds?: readonly string[]): GroupView {
    const { repo, clock } = this.deps;
    const known = new Set(this.deps.agents.list().map((a) => a.id));
    const unknown = (memberIds ?? []).filter((id) => !known.has(id));
    if (unknown.length > 0) throw new RwError('RW_ERR_NOT_FOUND', `no agent ${unknown.join(', ')}`);
    repo.saveGroup(group, clock.now());
    if (memberIds) repo.setGroupMembers(group.id, memberIds);
    this.deps.engine.reloadGroups();
    const view = this.listGroups().find((g) => g.id === group.id);
    if (!view) throw new RwError('RW_ERR_INTERNAL', `group ${group.id} vanished`);
    return view;
  }

  /**
   * The groups a server belongs to become exactly `groupIds` (S4: moving a server from its admin
   * screen); groups it joins or leaves are saved in one transaction. Unknown groups are the
   * caller's to refuse (they are skipped here). Answers the server's groups after the change.
   */
  setServerGroups(agentId: string, groupIds: readonly string[]): string[] {
    const wanted = new Set(groupIds);
    const changes = this.deps.engine.groups()
      .filter((g) => wanted.has(g.id) !== g.memberIds.includes(agentId))
      .map((g) => ({ id: g.id, memberIds: wanted.has(g.id) ? [...g.memberIds, agentId] : g.memberIds.filter((m) => m !== agentId) }));
    if (changes.length > 0) {
      this.deps.repo.setMembersOfGroups(changes);
      this.deps.engine.reloadGroups();
    }
    return this.deps.engine.groups().filter((g) => g.memberIds.includes(agentId)).map((g) => g.id);
  }

  deleteGroup(id: string): boolean {
    const deleted = this.deps.repo.deleteGroup(id);
    if (deleted) this.deps.engine.reloadGroups();
    return deleted;
  }

  // --- mutes (no SMS about a muted server; its alerts are still raised and shown) ---------------

  mute(agentId: string, minutes: number, by: string): Mute {
    const untilMs = this.deps.clock.now() + minutes * 60_000;
    this.deps.mutes.set(agentId, untilMs, by);
    this.deps.logger.info('server muted', { agentId, minutes, by });
    return { agentId, hostname: this.deps.engine.hostnameOf(agentId), untilMs, by };
  }

  unmute(agentId: string): boolean {
    return this.deps.mutes.clear(agentId);
  }

  listMutes(): Mute[] {
    return this.deps.mutes.active(this.deps.clock.now()).map((m) => ({ ...m, hostname: this.deps.engine.hostnameOf(m.agentId) }));
  }
}
