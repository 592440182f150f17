// Alerting in SQLite (migration 2): rules, server groups and their members, contacts, alerts
// with their event history, and the notification policy's state. Thin on purpose: it stores and
// returns the plain objects of the pure modules; validation happens before (validateRule,
// validateContact), decisions elsewhere. Rules and alert snapshots are JSON, the columns that
// are queried (state, agent, times) are real columns.
import { isDeepStrictEqual } from 'node:util';
import type { Db } from '../db/database.js';
import type { DefaultRuleUpgrade } from './rules/rule-types.js';
import { seriesOf, type AlertEvent } from './rules/alert-lifecycle.js';
import { type Alert, type AlertEventKind, type AlertState } from '../../contract/alerting.js';
import type { Group } from '../../contract/alerting.js';
import type { PolicyState } from './policy/notification-policy.js';
import type { Contact, WeeklyWindow } from '../../contract/alerting.js';
import { seriesKey } from './rules/rule-evaluator.js';
import type { Rule, Severity } from '../../contract/alerting.js';
import type { Language } from '../../contract/alerting.js';
import { type StoredAlertEvent } from '../../contract/alerting.js';

export interface AlertHistoryQuery {
  agentId?: string;
  /** started at or after (unix ms) */
  sinceMs?: number;
  /** started before (unix ms) */
  untilMs?: number;
  states?: readonly AlertState[];
  /** newest first; default 100, at most 1000 */
  limit?: number;
  /** page on: alerts with a smaller id */
  beforeId?: number;
  /** true: only alerts that fired; false: only those cancelled before firing; absent: both */
  fired?: boolean;
}

interface ContactRow {
  id: string;
  name: string;
  phone: string;
  language: string;
  severities: string;
  schedule: string;
  escalation_level: number;
  enabled: number;
}

interface EventRow {
  id: number;
  alert_id: number;
  kind: string;
  at: number;
  severity: string;
  state: string;
  from_severity: string | null;
  by: string | null;
}

const POLICY_STATE = 'notification-policy';
const DEFAULTS_SEEDED = 'default-rules-seeded';
/** S7: the shipped defaults an operator saved (edited), which later changes to the defaults leave alone */
const DEFAULTS_EDITED = 'default-rules-edited';

function contactFromRow(r: ContactRow): Contact {
  return {
    id: r.id,
    name: r.name,
    phone: r.phone,
    language: r.language as Language,
    severities: JSON.parse(r.severities) as Severity[],
    schedule: JSON.parse(r.schedule) as WeeklyWindow[],
    escalationLevel: r.escalation_level,
    enabled: r.enabled !== 0,
  };
}

function eventFromRow(r: EventRow): StoredAlertEvent {
  return {
    id: r.id,
    alertId: r.alert_id,
    kind: r.kind as AlertEventKind,
    at: r.at,
    severity: r.severity as Severity,
    state: r.state as AlertState,
    ...(r.from_severity !== null ? { fromSeverity: r.from_severity as Severity } : {}),
    ...(r.by !== null ? { by: r.by } : {}),
  };
}

const parseAlert = (r: { snapshot: string }): Alert => JSON.parse(r.snapshot) as Alert;

export class AlertRepository {
  constructor(private readonly db: Db) {}

  // --- rules -------------------------------------------------------------------------------------

  listRules(): Rule[] {
    return this.db
      .prepare<[], { definition: string }>('SELECT definition FROM alert_rules ORDER BY builtin DESC, id')
      .all()
      .map((r) => JSON.parse(r.definition) as Rule);
  }

  getRule(id: string): Rule | null {
    const r = this.db.prepare<[string], { definition: string }>('SELECT definition FROM alert_rules WHERE id = ?').get(id);
    return r ? (JSON.parse(r.definition) as Rule) : null;
  }

  /**
   * Inserts or replaces a rule (validate it first with validateRule): an operator's write. A
   * shipped default saved here is recorded as edited, so that no later change to the default
   * overwrites the operator's choice (upgradeDefaultRules).
   */
  saveRule(rule: Rule, nowMs: number): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO alert_rules (id, definition, builtin, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET definition = excluded.definition, builtin = excluded.builtin, updated_at = excluded.updated_at`,
        )
        .run(rule.id, JSON.stringify(rule), rule.builtin ? 1 : 0, nowMs);
      if (rule.builtin) {
        const edited = this.editedDefaults();
        if (!edited.has(rule.id)) this.setRuntimeValue(DEFAULTS_EDITED, JSON.stringify([...edited, rule.id]), nowMs);
      }
    })();
  }

  /** The ids of shipped defaults an operator saved since edits were recorded (S7). */
  editedDefaults(): Set<string> {
    const ledger = this.runtimeValue(DEFAULTS_EDITED);
    return new Set<string>(ledger === null ? [] : (JSON.parse(ledger) as string[]));
  }

  deleteRule(id: string): boolean {
    return this.db.prepare('DELETE FROM alert_rules WHERE id = ?').run(id).changes > 0;
  }

  /**
   * Stores each shipped rule the first time it ships only, so a default the operator deleted
   * stays deleted, and a default added by a later version (the CRITICAL-check rule, S5) reaches
   * an installation seeded before it: the ids ever seeded are kept, and only the others are
   * inserted. Returns how many were inserted.
   */
  seedDefaultRules(rules: readonly Rule[], nowMs: number): number {
    return this.db.transaction(() => {
      const ledger = this.runtimeValue(DEFAULTS_SEEDED);
      const seeded = new Set<string>(ledger === null ? [] : (JSON.parse(ledger) as string[]));
      const fresh = rules.filter((r) => !seeded.has(r.id));
      if (fresh.length === 0) return 0;
      const insert = this.db.prepare('INSERT OR IGNORE INTO alert_rules (id, definition, builtin, updated_at) VALUES (?, ?, 1, ?)');
      let inserted = 0;
      for (const rule of fresh) inserted += insert.run(rule.id, JSON.stringify(rule), nowMs).changes;
      this.setRuntimeValue(DEFAULTS_SEEDED, JSON.stringify([...seeded, ...fresh.map((r) => r.id)]), nowMs);
      return inserted;
    })();
  }

  /**
   * S7: a change to a shipped default reaches a stored copy the operator never edited: one not
   * saved since edits were recorded (editedDefaults) and still exactly as the earlier version
   * seeded it (`was`; a copy edited before edits were recorded differs from it, unless edited back
   * to it). Each such copy becomes the current default (`defaults`). Returns the ids replaced;
   * once replaced, a copy no longer equals `was`, so a second start changes nothing.
   */
  upgradeDefaultRules(defaults: readonly Rule[], upgrades: readonly DefaultRuleUpgrade[], nowMs: number): string[] {
    return this.db.transaction(() => {
      const edited = this.editedDefaults();
      const replaced: string[] = [];
      const update = this.db.prepare('UPDATE alert_rules SET definition = ?, updated_at = ? WHERE id = ? AND builtin = 1');
      for (const upgrade of upgrades) {
        const current = defaults.find((r) => r.id === upgrade.id);
        const stored = this.getRule(upgrade.id);
        if (!current || !stored || edited.has(upgrade.id) || !isDeepStrictEqual(stored, upgrade.was)) continue;
        if (update.run(JSON.stringify(current), nowMs, upgrade.id).changes > 0) replaced.push(upgrade.id);
      }
      return replaced;
    })();
  }

  // --- groups (S8) -------------------------------------------------------------------------------

  listGroups(): Group[] {
    const groups = this.db.prepare<[], { id: string; name: string }>('SELECT id, name FROM server_groups ORDER BY name').all();
    const members = this.db
      .prepare<[], { group_id: string; agent_id: string }>('SELECT group_id, agent_id FROM server_group_members ORDER BY agent_id')
      .all();
    const byGroup = new Map<string, string[]>();
    for (const m of members) {
      const list = byGroup.get(m.group_id) ?? [];
      list.push(m.agent_id);
      byGroup.set(m.group_id, list);
    }
    return groups.map((g) => ({ id: g.id, name: g.name, memberIds: byGroup.get(g.id) ?? [] }));
  }

  getGroup(id: string): Group | null {
    return this.listGroups().find((g) => g.id === id) ?? null;
  }

  /** Creates a group or renames it; members are set with setGroupMembers. */
  saveGroup(group: Pick<Group, 'id' | 'name'>, nowMs: number): void {
    this.db
      .prepare(
        `INSERT INTO server_groups (id, name, created_at) VALUES (?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name`,
      )
      .run(group.id, group.name, nowMs);
  }

  deleteGroup(id: string): boolean {
    return this.db.prepare('DELETE FROM server_groups WHERE id = ?').run(id).changes > 0;
  }

  /** Replaces a group's members (every id must be an enrolled agent: a foreign key). */
  setGroupMembers(groupId: string, agentIds: readonly string[]): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM server_group_members WHERE group_id = ?').run(groupId);
      const insert = this.db.prepare('INSERT OR IGNORE INTO server_group_members (group_id, agent_id) VALUES (?, ?)');
      for (const agentId of agentIds) insert.run(groupId, agentId);
    })();
  }

  /** Several groups' members at once, all or none (a server moved between groups, S4). */
  setMembersOfGroups(changes: readonly { id: string; memberIds: readonly string[] }[]): void {
    this.db.transaction(() => {
      for (const c of changes) this.setGroupMembers(c.id, c.memberIds);
    })();
  }

  /** agentId → its group ids: the evaluator's `groupsOf`. */
  groupsByAgent(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const rows = this.db
      .prepare<[], { group_id: string; agent_id: string }>('SELECT group_id, agent_id FROM server_group_members ORDER BY group_id')
      .all();
    for (const r of rows) {
      const list = out.get(r.agent_id) ?? [];
      list.push(r.group_id);
      out.set(r.agent_id, list);
    }
    return out;
  }

  // --- contacts ----------------------------------------------------------------------------------

  listContacts(): Contact[] {
    return this.db.prepare<[], ContactRow>('SELECT * FROM contacts ORDER BY escalation_level, name').all().map(contactFromRow);
  }

  getContact(id: string): Contact | null {
    const r = this.db.prepare<[string], ContactRow>('SELECT * FROM contacts WHERE id = ?').get(id);
    return r ? contactFromRow(r) : null;
  }

  /** Inserts or replaces a contact (validate it first with validateContact). */
  saveContact(contact: Contact): void {
    this.db
      .prepare(
        `INSERT INTO contacts (id, name, phone, language, severities, schedule, escalation_level, enabled)
         VALUES (@id, @name, @phone, @language, @severities, @schedule, @escalationLevel, @enabled)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, phone = excluded.phone, language = excluded.language,
           severities = excluded.severities, schedule = excluded.schedule,
           escalation_level = excluded.escalation_level, enabled = excluded.enabled`,
      )
      .run({
        id: contact.id,
        name: contact.name,
        phone: contact.phone,
        language: contact.language,
        severities: JSON.stringify(contact.severities),
        schedule: JSON.stringify(contact.schedule),
        escalationLevel: contact.escalationLevel,
        enabled: contact.enabled ? 1 : 0,
      });
  }

  deleteContact(id: string): boolean {
    return this.db.prepare('DELETE FROM contacts WHERE id = ?').run(id).changes > 0;
  }

  // --- alerts and history ------------------------------------------------------------------------

  /**
   * Stores the lifecycle's events in one transaction: each event's alert snapshot replaces the
   * alert's row, and the event is appended to its history.
   */
  recordEvents(events: readonly AlertEvent[]): void {
    if (events.length === 0) return;
    const upsert = this.db.prepare(
      `INSERT INTO alerts (id, rule_id, agent_id, series_key, severity, state, started_at, fired_at, acked_at, acked_by, resolved_at, snapshot)
       VALUES (@id, @ruleId, @agentId, @seriesKey, @severity, @state, @startedAt, @firedAt, @ackedAt, @ackedBy, @resolvedAt, @snapshot)
       ON CONFLICT(id) DO UPDATE SET severity = excluded.severity, state = excluded.state, fired_at = excluded.fired_at,
         acked_at = excluded.acked_at, acked_by = excluded.acked_by, resolved_at = excluded.resolved_at, snapshot = excluded.snapshot`,
    );
    const insertEvent = this.db.prepare(
      'INSERT INTO alert_events (alert_id, kind, at, severity, state, from_severity, by) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.db.transaction(() => {
      for (const e of events) {
        const a = e.alert;
        upsert.run({
          id: a.id,
          ruleId: a.ruleId,
          agentId: a.agentId,
          seriesKey: seriesKey(seriesOf(a)),
          severity: a.severity,
          state: a.state,
          startedAt: a.startedAt,
          firedAt: a.firedAt ?? null,
          ackedAt: a.ackedAt ?? null,
          ackedBy: a.ackedBy ?? null,
          resolvedAt: a.resolvedAt ?? null,
          snapshot: JSON.stringify(a),
        });
        insertEvent.run(a.id, e.kind, e.atMs, a.severity, a.state, e.fromSeverity ?? null, e.by ?? null);
      }
    })();
  }

  /** A change of an open alert that is no event of its lifecycle (B10, B11: its quiet mark ended): the snapshot only. */
  updateSnapshots(alerts: readonly Alert[]): void {
    const update = this.db.prepare('UPDATE alerts SET snapshot = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const a of alerts) update.run(JSON.stringify(a), a.id);
    })();
  }

  /** Alerts not yet resolved: restoreBook / seriesStatesFromAlerts after a restart. */
  openAlerts(): Alert[] {
    return this.db.prepare<[], { snapshot: string }>("SELECT snapshot FROM alerts WHERE state <> 'resolved' ORDER BY id").all().map(parseAlert);
  }

  getAlert(id: number): Alert | null {
    const r = this.db.prepare<[number], { snapshot: string }>('SELECT snapshot FROM alerts WHERE id = ?').get(id);
    return r ? parseAlert(r) : null;
  }

  /** The highest id ever handed out (0 when none): ids are never reused, even after pruning. */
  highestAlertId(): number {
    const fromAlerts = this.db.prepare<[], { n: number | null }>('SELECT max(id) AS n FROM alerts').get()?.n ?? 0;
    const pruned = Number(this.runtimeValue('highest-pruned-alert-id') ?? 0);
    return Math.max(fromAlerts, pruned);
  }

  /** Alerts newest first, for the history screen. */
  alertHistory(query: AlertHistoryQuery = {}): Alert[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.agentId !== undefined) {
      where.push('agent_id = ?');
      params.push(query.agentId);
    }
    if (query.sinceMs !== undefined) {
      where.push('started_at >= ?');
      params.push(query.sinceMs);
    }
    if (query.untilMs !== undefined) {
      where.push('started_at < ?');
      params.push(query.untilMs);
    }
    if (query.states && query.states.length > 0) {
      where.push(`state IN (${query.states.map(() => '?').join(', ')})`);
      params.push(...query.states);
    }
    if (query.fired !== undefined) where.push(query.fired ? 'fired_at IS NOT NULL' : 'fired_at IS NULL');
    if (query.beforeId !== undefined) {
      where.push('id < ?');
      params.push(query.beforeId);
    }
    const limit = Math.min(Math.max(1, Math.floor(query.limit ?? 100)), 1000);
    const sql = `SELECT snapshot FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`;
    return this.db.prepare<(string | number)[], { snapshot: string }>(sql).all(...params).map(parseAlert);
  }

  /** One alert's history, oldest first. */
  eventsOf(alertId: number): StoredAlertEvent[] {
    return this.db.prepare<[number], EventRow>('SELECT * FROM alert_events WHERE alert_id = ? ORDER BY id').all(alertId).map(eventFromRow);
  }

  /** Deletes resolved alerts (and their events) resolved before `ms`. Returns how many. */
  pruneResolvedBefore(ms: number, nowMs: number): number {
    return this.db.transaction(() => {
      this.setRuntimeValue('highest-pruned-alert-id', String(this.highestAlertId()), nowMs);
      return this.db.prepare("DELETE FROM alerts WHERE state = 'resolved' AND resolved_at < ?").run(ms).changes;
    })();
  }

  // --- notification policy state -----------------------------------------------------------------

  loadPolicyState(): PolicyState | null {
    const value = this.runtimeValue(POLICY_STATE);
    return value === null ? null : (JSON.parse(value) as PolicyState);
  }

  savePolicyState(state: PolicyState, nowMs: number): void {
    this.setRuntimeValue(POLICY_STATE, JSON.stringify(state), nowMs);
  }

  private runtimeValue(name: string): string | null {
    return this.db.prepare<[string], { value: string }>('SELECT value FROM alert_runtime WHERE name = ?').get(name)?.value ?? null;
  }

  private setRuntimeValue(name: string, value: string, nowMs: number): void {
    this.db
      .prepare(
        `INSERT INTO alert_runtime (name, value, updated_at) VALUES (?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      )
      .run(name, value, nowMs);
  }
}
