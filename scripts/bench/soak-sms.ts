// S7, S12: every SMS a soak's contact was sent, with the alert and rule behind it, judged noise or
// not by the criterion of docs/alerting.md ("How noise was judged"). The soak's own test SMS are
// its traffic, not alerting's, and are left out. The judgement is a pure function of what the
// appliance recorded (its outbox and alerts) and of when the soak started the appliance, so a run's
// table can be checked by hand against the same rules.
import type { Alert } from '../../contract/alerting.js';
import type { OutboxEntry } from '../../contract/alerts-api.js';

/** An alert fired and resolved again within this, unacknowledged, is over before anyone could act. */
export const SELF_RESOLVED_MS = 120_000;
/** An agent-silent alert firing within this of an appliance start is the appliance's restart. */
export const AFTER_START_MS = 180_000;
/** More fired SMS than this for one rule on one server within an hour is a flap. */
export const FLAP_FIRED_PER_HOUR = 3;

export interface SmsRecord {
  outboxId: number;
  createdAt: number;
  kind: string;
  state: string;
  text: string;
  /** whether the modem simulator's log has it */
  reachedModem: boolean;
  alerts: AlertBrief[];
}

export type AlertBrief = Pick<Alert, 'id' | 'agentId' | 'ruleId' | 'ruleName' | 'agentName' | 'severity' | 'startedAt' | 'firedAt' | 'ackedAt' | 'resolvedAt' | 'resolution'>;

export function briefAlert(a: Alert): AlertBrief {
  return {
    id: a.id, agentId: a.agentId, ruleId: a.ruleId, ruleName: a.ruleName, agentName: a.agentName, severity: a.severity,
    startedAt: a.startedAt, firedAt: a.firedAt, ackedAt: a.ackedAt, resolvedAt: a.resolvedAt, resolution: a.resolution,
  };
}

export interface Judged extends SmsRecord {
  noise: boolean;
  why: string;
}

export interface SoakTimeline {
  /** unix ms at which each appliance instance was spawned (the first included) */
  applianceStarts: number[];
  /** unix ms at which each instance was ready (same order) */
  applianceReady: number[];
  /** each chaos action with the unix ms it began */
  chaos: { at: number; what: string }[];
}

/** A fault the chaos loop injects is over within this (rrdcached stopped 30 s, the disk full 20–40 s). */
export const CHAOS_EFFECT_MS = 120_000;
/** The server name of the appliance's own alerts (faults, self-watch). */
const APPLIANCE_AGENT = 'appliance';

/** The chaos action this appliance alert answers, or null when none began shortly before it fired. */
function injectedBefore(firedAt: number, t: SoakTimeline): { at: number; what: string } | null {
  const before = t.chaos.filter((c) => c.at <= firedAt && firedAt - c.at < CHAOS_EFFECT_MS + 300_000);
  return before[before.length - 1] ?? null;
}

function firedFlapped(alert: AlertBrief, all: readonly AlertBrief[]): boolean {
  if (alert.firedAt === undefined) return false;
  const firedAt = alert.firedAt;
  const same = all.filter((a) => a.ruleId === alert.ruleId && a.agentName === alert.agentName && a.firedAt !== undefined && a.firedAt <= firedAt && a.firedAt > firedAt - 3_600_000);
  return new Set(same.map((a) => a.id)).size > FLAP_FIRED_PER_HOUR;
}

/** Why this alert's SMS is noise, or null when a person would want it. */
function alertNoise(a: AlertBrief, all: readonly AlertBrief[], t: SoakTimeline): string | null {
  if (a.agentId === APPLIANCE_AGENT && a.firedAt !== undefined) {
    // the appliance's own fault: real once per injected fault, noise when nothing was injected
    // or when it fires again for the same injection (it flapped)
    const firedAt = a.firedAt;
    const cause = injectedBefore(firedAt, t);
    if (!cause) return 'appliance alert with no fault injected in the 7 minutes before it';
    const earlier = all.some((b) => b.id !== a.id && b.ruleId === a.ruleId && b.agentId === APPLIANCE_AGENT && b.firedAt !== undefined && b.firedAt >= cause.at && b.firedAt < firedAt);
    return earlier ? `flap: fired again for the same injected fault (${cause.what})` : null;
  }
  if (a.ruleId === 'default-agent-silent' && a.firedAt !== undefined) {
    const firedAt = a.firedAt;
    const fill = t.chaos.find((c) => c.what === 'fill disk' && firedAt >= c.at && firedAt - c.at < CHAOS_EFFECT_MS);
    if (fill) return `appliance artefact: silent ${((firedAt - fill.at) / 1000).toFixed(0)} s after the appliance's disk was filled (it closed the agents' connections)`;
  }
  if (a.ruleId === 'default-agent-silent' && a.firedAt !== undefined) {
    // from the kill (the agents lose the broker) to AFTER_START_MS after the next instance is ready
    const firedAt = a.firedAt;
    const i = t.applianceStarts.findIndex((spawned, n) => n > 0 && firedAt >= spawned - 60_000 && firedAt < (t.applianceReady[n] ?? Infinity) + AFTER_START_MS);
    if (i > 0) return `appliance artefact: silent while the appliance restarted (ready at +${(((t.applianceReady[i] ?? 0) - (t.applianceStarts[0] ?? 0)) / 1000).toFixed(0)} s)`;
  }
  if (firedFlapped(a, all)) return `flap: more than ${FLAP_FIRED_PER_HOUR} alerts of this rule on this server within an hour`;
  if (a.firedAt !== undefined && a.resolvedAt !== undefined && a.ackedAt === undefined && a.resolvedAt - a.firedAt < SELF_RESOLVED_MS) {
    return `resolved on its own ${((a.resolvedAt - a.firedAt) / 1000).toFixed(0)} s after firing`;
  }
  return null;
}

/** The appliance instance (index into `applianceStarts`) that was running at `atMs`. */
function instanceAt(atMs: number, t: SoakTimeline): number {
  let i = 0;
  while (i + 1 < t.applianceStarts.length && (t.applianceStarts[i + 1] ?? Infinity) <= atMs) i++;
  return i;
}

/** A digest's alerts with the state word it gives each ("#1940 CRIT …; #1941 OK …": sms-templates.ts). */
function digestStates(text: string): Map<number, string> {
  return new Map([...text.matchAll(/#(\d+) (\S+)/g)].map((m) => [Number(m[1]), m[2] ?? '']));
}

export function judgeSms(records: readonly SmsRecord[], t: SoakTimeline): Judged[] {
  const allAlerts = records.flatMap((r) => r.alerts);
  const seen = new Set<string>();
  return records.map((r) => {
    if (r.kind === 'restart') {
      // several restart messages from one instance (one crash) would be duplicates; each crash's
      // own is news, though two crashes' texts may read the same ("down 2 min")
      const instance = instanceAt(r.createdAt, t);
      const dup = seen.has(`restart:${instance}`);
      seen.add(`restart:${instance}`);
      if (dup) return { ...r, noise: true, why: 'duplicate of a restart SMS already sent' };
    }
    if (r.kind === 'restart') return { ...r, noise: false, why: 'the appliance restarted without a clean stop (a crash): the operator should know' };
    if (r.alerts.length === 0) return { ...r, noise: false, why: 'no alert behind it' };
    const reasons = r.alerts.map((a) => alertNoise(a, allAlerts, t));
    // one SMS kind per alert is news once: a second "fired" for the same alert is a duplicate; a
    // digest's news is each alert's state as it lists it (CRIT, then OK later, is news twice)
    const listed = r.kind === 'digest' ? digestStates(r.text) : null;
    const keys = r.alerts.map((a) => `${r.kind}:${a.id}${listed?.has(a.id) ? `:${listed.get(a.id)}` : ''}`);
    const dup = keys.every((k) => seen.has(k));
    for (const k of keys) seen.add(k);
    if (dup) return { ...r, noise: true, why: 'duplicate of an SMS already sent for the same alert' };
    if (reasons.every((x) => x !== null)) return { ...r, noise: true, why: [...new Set(reasons)].slice(0, 2).join('; ') + (r.alerts.length > 1 ? ` (all ${r.alerts.length} alerts)` : '') };
    const real = r.alerts.filter((_, i) => reasons[i] === null);
    return { ...r, noise: false, why: `real: ${real.slice(0, 3).map((a) => `${a.ruleName} on ${a.agentName}`).join(', ')}${real.length > 3 ? ` and ${real.length - 3} more` : ''}` };
  });
}

export function formatJudged(judged: readonly Judged[], t0: number): string[] {
  const rows = judged.map((j) => {
    const rules = [...new Set(j.alerts.map((a) => a.ruleId))].join(',') || '-';
    const text = j.text.replace(/\s+/g, ' ').slice(0, 90);
    return `| +${((j.createdAt - t0) / 1000).toFixed(0)} s | ${j.kind} | ${rules} | ${text.replace(/\|/g, '/')} | ${j.noise ? 'noise' : 'not noise'}: ${j.why} |`;
  });
  const noise = judged.filter((j) => j.noise).length;
  return [
    `alert SMS (the soak's own test SMS left out): ${judged.length}, noise ${noise}, not noise ${judged.length - noise}; reached the modem ${judged.filter((j) => j.reachedModem).length}`,
    '| at | kind | rule | text | judged |',
    '|---|---|---|---|---|',
    ...rows,
  ];
}

/** The outbox's entries but the soak's test SMS, oldest first (paged: the outbox answers 500 at most). */
export function contactEntries(pages: readonly OutboxEntry[][]): OutboxEntry[] {
  return pages.flat().filter((e) => e.kind !== 'test').sort((a, b) => a.id - b.id);
}
