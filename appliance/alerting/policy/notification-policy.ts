// Notification policy (S12), pure: who hears about which alert event, and when.
// The time and the state come in, the messages and the next state go out; the caller queues
// the messages in the SMS outbox and saves the state (it must survive a restart).
//
// - One message per alert state change: fired, grade escalated, acknowledged, resolved.
//   Pending, cancelled (never fired) and de-escalated alerts send nothing.
// - A fired alert goes to the lowest escalation level that has an eligible contact (enabled,
//   takes the severity, inside a schedule window now). If nobody is eligible, it is offered
//   again on every later call until somebody is.
// - Not acknowledged within `escalateAfterMs`: the next level with an eligible contact is told
//   ('escalation'), then the next one after another `escalateAfterMs`, and so on.
// - Acknowledgements and recoveries go to every contact told about the alert, in or out of
//   schedule (somebody woken by the alarm wants to hear it is over); the acknowledger is skipped.
// - Rate limit per contact: at most `maxMessages` per sliding `windowMs`. Beyond it messages are
//   held; when the window has room again ONE digest summarises everything held.
//
// decide() must also be called with no events on a timer (every 15–30 s, or at nextDueAtMs):
// escalations and digests are due by time, not by events.
import type { AlertEvent } from '../rules/alert-lifecycle.js';
import type { Alert, AlertEventKind } from '../../../contract/alerting.js';
import { localTime, parseHhMm, type TimeZoneSpec } from './local-time.js';
import { isSeverity, severityRank } from '../../../contract/alerting.js';
import { type Severity } from '../../../contract/alerting.js';
import { alertMessage, digestMessage, type AlertMessageExtras } from './sms-templates.js';
import { LANGUAGES, type AlertMessageKind, type Language } from '../../../contract/alerting.js';
import { type Contact, type WeeklyWindow, type MessageKind } from '../../../contract/alerting.js';

export interface PolicyConfig {
  timeZone: TimeZoneSpec;
  rateLimit: {
    /** messages per contact per window */
    maxMessages: number;
    windowMs: number;
  };
  /** a firing alert not acknowledged this long is escalated to the next level */
  escalateAfterMs: number;
}

export const DEFAULT_POLICY_CONFIG: PolicyConfig = {
  timeZone: { iana: 'Asia/Seoul' },
  rateLimit: { maxMessages: 5, windowMs: 15 * 60_000 },
  escalateAfterMs: 15 * 60_000,
};

const E164 = /^\+[1-9]\d{1,14}$/;

export function isE164(phone: string): boolean {
  return E164.test(phone);
}

/**
 * A phone number as typed ("010-1234-5678", "+82 10 1234 5678", "0082…") in E.164, or null.
 * A national number (leading 0) takes `defaultCountryCode` (Korea, 82, by default).
 */
export function normalizePhone(raw: string, defaultCountryCode = '82'): string | null {
  const compact = raw.replace(/[\s\-().]/g, '');
  let e164: string;
  if (compact.startsWith('+')) e164 = compact;
  else if (compact.startsWith('00')) e164 = `+${compact.slice(2)}`;
  else if (compact.startsWith('0')) e164 = `+${defaultCountryCode}${compact.slice(1)}`;
  else return null;
  return isE164(e164) ? e164 : null;
}

/** Every problem of a contact as "path: message"; empty when it can be stored. */
export function validateContact(contact: Contact): string[] {
  const problems: string[] = [];
  if (!contact.id.trim()) problems.push('id: must not be empty');
  if (!contact.name.trim()) problems.push('name: must not be empty');
  if (!isE164(contact.phone)) problems.push(`phone: ${contact.phone} is not an E.164 number like +821012345678`);
  if (!LANGUAGES.includes(contact.language)) problems.push(`language: must be one of ${LANGUAGES.join(', ')}`);
  if (contact.severities.length === 0) problems.push('severities: choose at least one');
  for (const [i, s] of contact.severities.entries()) if (!isSeverity(s)) problems.push(`severities.${i}: ${String(s)} is not a severity`);
  if (!Number.isInteger(contact.escalationLevel) || contact.escalationLevel < 0) problems.push('escalationLevel: must be a whole number ≥ 0');
  for (const [i, w] of contact.schedule.entries()) {
    if (w.days.length === 0) problems.push(`schedule.${i}.days: choose at least one day`);
    for (const d of w.days) if (!Number.isInteger(d) || d < 0 || d > 6) problems.push(`schedule.${i}.days: ${d} is not 0 (Sunday) … 6 (Saturday)`);
    const start = parseHhMm(w.start);
    const end = parseHhMm(w.end);
    if (start === null || start >= 1440) problems.push(`schedule.${i}.start: ${w.start} is not HH:MM`);
    if (end === null) problems.push(`schedule.${i}.end: ${w.end} is not HH:MM`);
    if (start !== null && end !== null && start === end) problems.push(`schedule.${i}: start and end are equal`);
  }
  return problems;
}

/** Whether `ms` falls in one of the windows (an empty schedule is always on). */
export function inSchedule(schedule: readonly WeeklyWindow[], ms: number, zone: TimeZoneSpec): boolean {
  if (schedule.length === 0) return true;
  const t = localTime(ms, zone);
  const minute = t.hour * 60 + t.minute;
  const yesterday = (t.weekday + 6) % 7;
  return schedule.some((w) => {
    const start = parseHhMm(w.start);
    const end = parseHhMm(w.end);
    if (start === null || end === null) return false;
    if (start < end) return w.days.includes(t.weekday) && minute >= start && minute < end;
    return (w.days.includes(t.weekday) && minute >= start) || (w.days.includes(yesterday) && minute < end);
  });
}

// --- state (JSON-serialisable: the repository stores it as is) ---------------------------------

export interface HeldMessage {
  kind: AlertMessageKind;
  /** the alert as it was when the message was held */
  alert: Alert;
  atMs: number;
}

export interface ContactLedger {
  /** send times inside the current rate window */
  sentAtMs: number[];
  /** messages held back by the rate limit, oldest first */
  held: HeldMessage[];
}

export interface TrackedAlert {
  /** the latest snapshot of the alert */
  alert: Alert;
  /** contacts told about it (they get its acknowledgement and recovery) */
  notified: string[];
  /** the highest escalation level told so far, null when nobody was eligible yet */
  level: number | null;
  /** when to escalate to the next level unless acknowledged; null when nothing is left to do */
  nextEscalationAtMs: number | null;
}

export interface PolicyState {
  /** contactId → ledger */
  contacts: Record<string, ContactLedger>;
  /** alert id → tracking, while the alert is open */
  alerts: Record<string, TrackedAlert>;
}

export function emptyPolicyState(): PolicyState {
  return { contacts: {}, alerts: {} };
}

export interface OutgoingMessage {
  contactId: string;
  phone: string;
  language: Language;
  kind: MessageKind;
  alertIds: number[];
  text: string;
  /** stable per (alert, change, contact): the outbox can refuse a duplicate */
  dedupeKey: string;
}

export interface DecideInput {
  /** events since the last call, in order (may be empty: a timer call) */
  events: readonly AlertEvent[];
  contacts: readonly Contact[];
  state: PolicyState;
  nowMs: number;
  config: PolicyConfig;
}

export interface Decision {
  messages: OutgoingMessage[];
  state: PolicyState;
  /** false: the state says what the input's did (nothing to save) */
  changed: boolean;
}

interface Draft {
  contact: Contact;
  kind: AlertMessageKind;
  alert: Alert;
  extras: AlertMessageExtras;
  /** what makes this change distinct for dedupe (grade, level) */
  tag: string;
}

/** the events that change an alert's existing tracking (a 'fired' one starts it afresh) */
const CHANGES_TRACKED: ReadonlySet<AlertEventKind> = new Set(['escalated', 'deescalated', 'acknowledged']);

export function decide(input: DecideInput): Decision {
  const { nowMs, config } = input;
  // Copy on write, not a deep copy of the whole state: input.state is never changed, and a
  // tracked alert is copied only when this call changes it. With 10,000 alerts open (every
  // agent silent after an outage), structuredClone took ~100 ms of every call.
  const state: PolicyState = { contacts: {}, alerts: { ...input.state.alerts } };
  for (const [id, ledger] of Object.entries(input.state.contacts)) state.contacts[id] = { sentAtMs: [...ledger.sentAtMs], held: [...ledger.held] };
  let alertsChanged = false;
  const track = (id: string, tracked: TrackedAlert): TrackedAlert => {
    state.alerts[id] = tracked;
    alertsChanged = true;
    return tracked;
  };
  /** the tracked alert of this id, safe to change: a copy once the input's own is about to change */
  const own = (id: string): TrackedAlert | undefined => {
    const tracked = state.alerts[id];
    return tracked === undefined || tracked !== input.state.alerts[id] ? tracked : track(id, { ...tracked, notified: [...tracked.notified] });
  };
  const enabled = input.contacts.filter((c) => c.enabled);
  const byId = new Map(input.contacts.map((c) => [c.id, c]));
  const levels = [...new Set(enabled.map((c) => c.escalationLevel))].sort((a, b) => a - b);
  const drafts: Draft[] = [];

  const eligible = (c: Contact, severity: Severity): boolean =>
    c.severities.includes(severity) && inSchedule(c.schedule, nowMs, config.timeZone);
  const atLevel = (level: number, severity: Severity): Contact[] =>
    enabled.filter((c) => c.escalationLevel === level && eligible(c, severity));
  const draft = (contacts: Iterable<Contact>, kind: AlertMessageKind, alert: Alert, extras: Partial<AlertMessageExtras>, tag: string): void => {
    for (const contact of contacts) drafts.push({ contact, kind, alert, extras: { nowMs, ...extras }, tag });
  };
  const known = (ids: readonly string[], except?: string): Contact[] =>
    ids.flatMap((id) => {
      const c = byId.get(id);
      // `except` is whoever acknowledged: a contact by name (an SMS reply, or a web user of that name), id or number
      return c && c.enabled && c.id !== except && c.phone !== except && c.name !== except ? [c] : [];
    });

  /** Tells the first level that has somebody eligible; false when nobody is (then the tracking is left as it was). */
  const tellFirstLevel = (id: string, kind: AlertMessageKind): boolean => {
    const seen = state.alerts[id];
    if (!seen) return false;
    for (const level of levels) {
      const contacts = atLevel(level, seen.alert.severity);
      if (contacts.length === 0) continue;
      const tracked = own(id) as TrackedAlert;
      draft(contacts, kind, tracked.alert, {}, tracked.alert.severity);
      tracked.notified = contacts.map((c) => c.id);
      tracked.level = level;
      tracked.nextEscalationAtMs = levels.some((l) => l > level) ? nowMs + config.escalateAfterMs : null;
      return true;
    }
    return false;
  };

  // 1. digests first: what was held back goes out before anything new
  const digests: OutgoingMessage[] = [];
  for (const [contactId, ledger] of Object.entries(state.contacts)) {
    const contact = byId.get(contactId);
    if (!contact) {
      delete state.contacts[contactId];
      continue;
    }
    ledger.sentAtMs = ledger.sentAtMs.filter((t) => nowMs - t < config.rateLimit.windowMs);
    if (ledger.held.length === 0 || ledger.sentAtMs.length >= config.rateLimit.maxMessages) continue;
    const latest = new Map<number, Alert>();
    for (const h of ledger.held) latest.set(h.alert.id, h.alert);
    const alerts = [...latest.values()].sort(digestOrder);
    digests.push({
      contactId,
      phone: contact.phone,
      language: contact.language,
      kind: 'digest',
      alertIds: alerts.map((a) => a.id),
      text: digestMessage(ledger.held.length, alerts.map((alert) => ({ alert })), { language: contact.language, timeZone: config.timeZone }),
      dedupeKey: `digest:${contactId}:${nowMs}`,
    });
    ledger.sentAtMs.push(nowMs);
    ledger.held = [];
  }

  // 2. events
  for (const event of input.events) {
    const id = String(event.alert.id);
    const tracked = CHANGES_TRACKED.has(event.kind) ? own(id) : state.alerts[id];
    switch (event.kind) {
      case 'fired': {
        track(id, { alert: event.alert, notified: [], level: null, nextEscalationAtMs: null });
        tellFirstLevel(id, 'fired');
        break;
      }
      case 'escalated': {
        if (!tracked || tracked.notified.length === 0) {
          track(id, { alert: event.alert, notified: [], level: null, nextEscalationAtMs: null });
          tellFirstLevel(id, 'fired');
          break;
        }
        tracked.alert = event.alert;
        const told = new Set(tracked.notified);
        const reach = tracked.level ?? 0;
        const newly = enabled.filter((c) => !told.has(c.id) && c.escalationLevel <= reach && eligible(c, event.alert.severity));
        const recipients = [...known(tracked.notified), ...newly];
        tracked.notified = [...tracked.notified, ...newly.map((c) => c.id)];
        // a worse grade re-arms escalation (an acknowledgement was cleared by the lifecycle)
        if (tracked.nextEscalationAtMs === null && levels.some((l) => l > reach)) tracked.nextEscalationAtMs = nowMs + config.escalateAfterMs;
        draft(recipients, 'escalated', event.alert, event.fromSeverity ? { fromSeverity: event.fromSeverity } : {}, event.alert.severity);
        break;
      }
      case 'deescalated':
        if (tracked) tracked.alert = event.alert;
        break;
      case 'acknowledged':
        if (!tracked) break;
        tracked.alert = event.alert;
        tracked.nextEscalationAtMs = null;
        draft(known(tracked.notified, event.by), 'acknowledged', event.alert, {}, 'ack');
        break;
      case 'resolved':
        if (!tracked) break;
        draft(known(tracked.notified), 'resolved', event.alert, {}, 'ok');
        delete state.alerts[id];
        alertsChanged = true;
        break;
      case 'pending':
      case 'cancelled':
        break;
    }
  }

  // 3. time: alerts nobody could be told about yet, and escalation of unacknowledged ones
  for (const [id, seen] of Object.entries(state.alerts)) {
    if (seen.alert.state !== 'firing') continue;
    if (seen.notified.length === 0) {
      tellFirstLevel(id, 'fired');
      continue;
    }
    if (seen.nextEscalationAtMs === null || nowMs < seen.nextEscalationAtMs) continue;
    const tracked = own(id);
    if (!tracked) continue;
    const from = tracked.level ?? -1;
    const next = levels.filter((l) => l > from).map((l) => ({ level: l, contacts: atLevel(l, tracked.alert.severity) })).find((x) => x.contacts.length > 0);
    if (next) {
      const firedAt = tracked.alert.firedAt ?? tracked.alert.startedAt;
      draft(next.contacts, 'escalation', tracked.alert, { unackedForMs: nowMs - firedAt }, `L${next.level}`);
      tracked.notified = [...tracked.notified, ...next.contacts.map((c) => c.id).filter((cid) => !tracked.notified.includes(cid))];
      tracked.level = next.level;
    }
    // try again later while higher levels exist (their schedules may open)
    const reach = tracked.level ?? from;
    tracked.nextEscalationAtMs = levels.some((l) => l > reach) ? nowMs + config.escalateAfterMs : null;
  }

  // 4. the rate limit
  const messages: OutgoingMessage[] = [...digests];
  for (const d of drafts) {
    const ledger = (state.contacts[d.contact.id] ??= { sentAtMs: [], held: [] });
    ledger.sentAtMs = ledger.sentAtMs.filter((t) => nowMs - t < config.rateLimit.windowMs);
    if (ledger.held.length > 0 || ledger.sentAtMs.length >= config.rateLimit.maxMessages) {
      ledger.held.push({ kind: d.kind, alert: d.alert, atMs: nowMs });
      continue;
    }
    ledger.sentAtMs.push(nowMs);
    messages.push({
      contactId: d.contact.id,
      phone: d.contact.phone,
      language: d.contact.language,
      kind: d.kind,
      alertIds: [d.alert.id],
      text: alertMessage(d.kind, d.alert, { language: d.contact.language, timeZone: config.timeZone }, d.extras),
      dedupeKey: `alert:${d.alert.id}:${d.kind}:${d.tag}:${d.contact.id}`,
    });
  }
  return { messages, state, changed: alertsChanged || ledgersChanged(input.state.contacts, state.contacts) };
}

/** The contacts' ledgers are few and small: compared whole rather than tracked at every change. */
function ledgersChanged(before: PolicyState['contacts'], after: PolicyState['contacts']): boolean {
  const ids = Object.keys(after);
  if (ids.length !== Object.keys(before).length) return true;
  const same = <T>(a: readonly T[], b: readonly T[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
  return ids.some((id) => {
    const b = before[id];
    const a = after[id];
    return !b || !a || !same(b.sentAtMs, a.sentAtMs) || !same(b.held, a.held);
  });
}

/** When one contact's held messages go out as a digest: once enough of the window's sends aged out. */
function digestDueAtMs(ledger: ContactLedger, config: PolicyConfig): number {
  const inWindow = [...ledger.sentAtMs].sort((a, b) => a - b);
  const freeing = inWindow[inWindow.length - config.rateLimit.maxMessages];
  return freeing === undefined ? 0 : freeing + config.rateLimit.windowMs;
}

/**
 * The messages the rate limit holds back (S12), per contact, with when their digest is due: they
 * are in no outbox until then, so this is the only place an operator can see them. Nothing held
 * is dropped: everything held goes out in that one digest.
 */
export function heldByContact(state: PolicyState, config: PolicyConfig): { contactId: string; held: HeldMessage[]; digestAtMs: number }[] {
  return Object.entries(state.contacts)
    .filter(([, ledger]) => ledger.held.length > 0)
    .map(([contactId, ledger]) => ({ contactId, held: [...ledger.held], digestAtMs: digestDueAtMs(ledger, config) }));
}

/**
 * The earliest time a timer call of decide() has something to do (an escalation or a digest),
 * or null when nothing is scheduled. Alerts nobody could be told about yet are not included:
 * they wait for a schedule window, so keep a periodic call too.
 */
export function nextDueAtMs(state: PolicyState, config: PolicyConfig): number | null {
  let due: number | null = null;
  const consider = (t: number): void => {
    if (due === null || t < due) due = t;
  };
  for (const tracked of Object.values(state.alerts)) {
    if (tracked.alert.state === 'firing' && tracked.nextEscalationAtMs !== null) consider(tracked.nextEscalationAtMs);
  }
  for (const ledger of Object.values(state.contacts)) {
    if (ledger.held.length > 0) consider(digestDueAtMs(ledger, config));
  }
  return due;
}

/** Digest order: open alerts before resolved ones, worst grade first, then oldest first. */
export function digestOrder(a: Alert, b: Alert): number {
  const resolved = (x: Alert): number => (x.state === 'resolved' ? 1 : 0);
  return resolved(a) - resolved(b) || severityRank(b.severity) - severityRank(a.severity) || a.id - b.id;
}
