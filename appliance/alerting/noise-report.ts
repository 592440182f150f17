// S12's noise report: what the alerts of a range cost and what quieting them saved, read from the
// history SQLite keeps anyway (alerts with their snapshots, the SMS outbox). An alert that resolved
// while quiet (B10, B11) keeps its `quiet` mark in its snapshot, since it was never texted; one
// that was released lost it and was texted, so it saved nothing.
import type { Db } from '../db/database.js';
import { NOISE_LIMITS, type NoiseFlapRow, type NoiseReport, type NoiseSaved } from '../../contract/alerts-api.js';

export interface NoiseQuery {
  fromMs: number;
  toMs: number;
  timeZone: string;
  /** whether contact names may be shown (contacts:read); otherwise only their ids' counts */
  withContactNames: boolean;
}

interface AlertRow {
  rule_id: string;
  agent_id: string;
  fired_at: number | null;
  resolved_at: number | null;
  state: string;
  rule_name: string | null;
  agent_name: string | null;
  quiet_kind: string | null;
}

interface SmsRow {
  contact_id: string;
  created_at: number;
  name: string | null;
}

/** "2026-12-05" in the appliance's time zone. */
function dayOf(ms: number, format: Intl.DateTimeFormat): string {
  return format.format(new Date(ms));
}

function topFlaps(rows: Map<string, NoiseFlapRow>): NoiseFlapRow[] {
  return [...rows.values()]
    .filter((r) => r.flaps > 0)
    .sort((a, b) => b.flaps - a.flaps || b.fired - a.fired || a.id.localeCompare(b.id))
    .slice(0, NOISE_LIMITS.topN);
}

function count(into: Map<string, NoiseFlapRow>, id: string, name: string, flap: boolean): void {
  const row = into.get(id) ?? { id, name, flaps: 0, fired: 0 };
  row.fired++;
  if (flap) row.flaps++;
  into.set(id, row);
}

export function noiseReport(db: Db, q: NoiseQuery): NoiseReport {
  // en-CA writes dates as YYYY-MM-DD
  const format = new Intl.DateTimeFormat('en-CA', { timeZone: q.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });

  const sms = db
    .prepare(
      `SELECT o.contact_id, o.created_at, c.name FROM sms_outbox o LEFT JOIN contacts c ON c.id = o.contact_id
       WHERE o.contact_id IS NOT NULL AND o.created_at >= ? AND o.created_at < ?`,
    )
    .all(q.fromMs, q.toMs) as SmsRow[];
  const perDay = new Map<string, NoiseReport['smsPerContactDay'][number]>();
  for (const r of sms) {
    const day = dayOf(r.created_at, format);
    const key = `${r.contact_id}\u0000${day}`;
    const row = perDay.get(key) ?? { contactId: r.contact_id, name: q.withContactNames ? r.name : null, day, sms: 0 };
    row.sms++;
    perDay.set(key, row);
  }

  // alerts that began in the range: those that fired and those cancelled before firing
  const alerts = db
    .prepare(
      `SELECT rule_id, agent_id, fired_at, resolved_at, state,
              json_extract(snapshot, '$.ruleName') AS rule_name, json_extract(snapshot, '$.agentName') AS agent_name,
              json_extract(snapshot, '$.quiet.kind') AS quiet_kind
       FROM alerts WHERE started_at >= ? AND started_at < ?`,
    )
    .all(q.fromMs, q.toMs) as AlertRow[];
  const perRule = new Map<string, NoiseReport['alertsPerRule'][number]>();
  const flapRules = new Map<string, NoiseFlapRow>();
  const flapServers = new Map<string, NoiseFlapRow>();
  const saved: Record<'dependency' | 'maintenance', NoiseSaved> = { dependency: { alerts: 0, smsSaved: 0 }, maintenance: { alerts: 0, smsSaved: 0 } };
  for (const a of alerts) {
    const ruleName = a.rule_name ?? a.rule_id;
    const rule = perRule.get(a.rule_id) ?? { ruleId: a.rule_id, ruleName, fired: 0, cancelled: 0 };
    perRule.set(a.rule_id, rule);
    if (a.fired_at === null) {
      rule.cancelled++;
      continue;
    }
    rule.fired++;
    const flap = a.resolved_at !== null && a.resolved_at - a.fired_at <= NOISE_LIMITS.flapS * 1000;
    count(flapRules, a.rule_id, ruleName, flap);
    count(flapServers, a.agent_id, a.agent_name ?? a.agent_id, flap);
    if (a.quiet_kind === 'dependency' || a.quiet_kind === 'maintenance') {
      const s = saved[a.quiet_kind];
      s.alerts++;
      // the fired SMS, and the recovery's when it resolved (nobody was told, so neither went)
      s.smsSaved += a.state === 'resolved' ? 2 : 1;
    }
  }

  return {
    fromMs: q.fromMs,
    toMs: q.toMs,
    timeZone: q.timeZone,
    smsPerContactDay: [...perDay.values()].sort((a, b) => a.day.localeCompare(b.day) || b.sms - a.sms || a.contactId.localeCompare(b.contactId)),
    alertsPerRule: [...perRule.values()].sort((a, b) => b.fired - a.fired || b.cancelled - a.cancelled || a.ruleId.localeCompare(b.ruleId)),
    flappiestRules: topFlaps(flapRules),
    flappiestServers: topFlaps(flapServers),
    saved,
  };
}
