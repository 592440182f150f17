// HTTP API types of alerting, contacts, groups, the SMS outbox and the modem (S7, S8,
// S12, D4; docs/api.md "Alerting API"). The appliance returns them, the web UI and the tests read
// them. Type-only imports: the domain shapes (Rule, Alert, Contact, …) are those of the pure
// alerting modules, so a rule or an alert looks the same in SQLite, in the API and in the UI,
// and this module adds no runtime code (zod-free, safe for the browser bundle).
//
// Conventions: times are unix ms; ids in paths are URL-encoded; a body that fails validation is
// answered 400 with a ValidationErrorBody listing every problem as "path: message".
import type { AgentStatus } from './agent-status.js';
import type { Alert, AlertCause, AlertEventKind, AlertState, ProcessRef } from './alerting.js';
import type { ResolveReason, SilenceReason } from './alerting.js';
import type { StoredAlertEvent } from './alerting.js';
import type { Group, GroupHealth, HealthLevel, ServerHealth } from './alerting.js';
import type { AlertMessageKind, Contact, MessageKind, WeeklyWindow } from './alerting.js';
import type { Rule, RuleMetric, AlertMetric, RuleScope, Severity, SeverityLevels, Recovery, Comparison, DerivedMetricName } from './alerting.js';
import type { Language, RulePreview, SegmentPreview } from './alerting.js';
import type { RegistrationState, Signal, SimState } from './alerting.js';
import type { ModemState, ModemStatus } from './alerting.js';

export type {
  Alert, AlertCause, ProcessRef, ResolveReason, SilenceReason, DerivedMetricName, AlertEventKind, AlertState, StoredAlertEvent, Group, GroupHealth, HealthLevel, ServerHealth, Contact, MessageKind,
  WeeklyWindow, Rule, RuleMetric, AlertMetric, RuleScope, Severity, SeverityLevels, Recovery, Comparison, Language, RulePreview,
  SegmentPreview, ModemState, ModemStatus,
};

/** 400 answer of a create/update whose body has problems (code RW_ERR_VALIDATION). */
export interface ValidationErrorBody {
  error: { code: 'RW_ERR_VALIDATION'; message: string; problems: string[] };
}

// --- rules (S7) --------------------------------------------------------------------------------
// GET    /api/v1/rules                     → Rule[]  (built-in defaults first)
// POST   /api/v1/rules          RuleInput  → 201 Rule (id generated from the name when absent; 409 when taken)
// GET    /api/v1/rules/:id                 → Rule
// PUT    /api/v1/rules/:id      RuleInput  → Rule (the path id wins over a body id)
// DELETE /api/v1/rules/:id                 → 204 (open alerts of the rule resolve as 'rule-withdrawn' at the next sweep)
// GET    /api/v1/rules/:id/preview?lang=ko|en&agent=<agentId>  → RulePreviewResponse
// POST   /api/v1/rules/preview?lang=ko|en  RuleInput (unsaved) → RulePreviewResponse

/** A rule as the admin screen sends it: `id` optional on create, `builtin` ignored. */
export type RuleInput = Omit<Rule, 'id' | 'builtin'> & { id?: string };

export interface RulePreviewResponse {
  ruleId: string;
  language: Language;
  /** the host name the preview uses (the longest one monitored, or the chosen agent's) */
  agentName: string;
  /** fired / escalated / escalation / resolved texts, each with its SMS segment count */
  messages: RulePreview[];
  /** the worst case among `messages` (what the rule screen shows next to the rule) */
  maxParts: number;
}

// --- groups and the server list (S8) -------------------------------------------------------------
// GET    /api/v1/groups                          → GroupView[] (each with its worst status)
// POST   /api/v1/groups          GroupInput      → 201 GroupView
// GET    /api/v1/groups/:id                      → GroupDetail
// PUT    /api/v1/groups/:id      GroupInput      → GroupView (memberIds replaced when present)
// DELETE /api/v1/groups/:id                      → 204
// PUT    /api/v1/groups/:id/members  { memberIds: string[] } → GroupView
// POST   /api/v1/groups/:id/members/:agentId     → GroupView (add one)
// DELETE /api/v1/groups/:id/members/:agentId     → GroupView (remove one)
// GET    /api/v1/servers?status=&severity=&minSeverity=&group=&q=  → ServerHealth[] worst first
//   status: online|offline|unknown, severity: ok|info|warning|critical|disaster (both repeatable or
//   comma-separated), minSeverity: that level or worse, group: a group id, q: host name contains.

export interface GroupInput {
  id?: string;
  name: string;
  memberIds?: string[];
}

export interface GroupView extends Group {
  health: GroupHealth;
}

export interface GroupDetail extends GroupView {
  /** the members' rows, worst first */
  servers: ServerHealth[];
}

export interface ServerListQuery {
  status?: AgentStatus[];
  severity?: HealthLevel[];
  minSeverity?: HealthLevel;
  group?: string;
  q?: string;
}

// --- mutes (SMS `MUTE <server> <minutes>`, or the UI) ---------------------------------------------
// GET    /api/v1/mutes                                   → Mute[] (active ones)
// POST   /api/v1/servers/:id/mute  { minutes: number }   → 201 Mute
// DELETE /api/v1/servers/:id/mute                        → 204

/** While a server is muted its alerts are still raised, stored and shown, but no SMS is sent about them. */
export interface Mute {
  agentId: string;
  hostname: string;
  untilMs: number;
  /** 'api' or the contact id that sent MUTE */
  by: string;
}

// --- contacts (S12) --------------------------------------------------------------------------------
// GET    /api/v1/contacts                 → Contact[]
// POST   /api/v1/contacts   ContactInput  → 201 Contact (phone normalised to E.164: "010-1234-5678" → "+821012345678")
// GET    /api/v1/contacts/:id             → Contact
// PUT    /api/v1/contacts/:id ContactInput → Contact
// DELETE /api/v1/contacts/:id             → 204

export type ContactInput = Omit<Contact, 'id' | 'schedule' | 'escalationLevel' | 'enabled'> & {
  id?: string;
  /** default [] = always */
  schedule?: WeeklyWindow[];
  /** default 0 */
  escalationLevel?: number;
  /** default true */
  enabled?: boolean;
};

// --- alerts (S7) -------------------------------------------------------------------------------------
// GET  /api/v1/alerts?state=&agent=&limit=&before=  → AlertListResponse, newest first
//   state: open (= pending, firing, acknowledged) | pending | firing | acknowledged | resolved,
//   repeatable or comma-separated; default: every state. before: an alert id, to page on.
// GET  /api/v1/alerts/:id                           → AlertDetail
// POST /api/v1/alerts/:id/ack   AckRequest          → AlertDetail; 409 RW_ERR_CONFLICT when it is
//   pending, already acknowledged or resolved

export type AlertStateFilter = AlertState | 'open';

export interface AlertListResponse {
  alerts: Alert[];
  /** pass as `before` for the next page; null on the last page */
  nextBefore: number | null;
}

export interface AlertDetail {
  alert: Alert;
  /** every state or grade change, oldest first */
  history: StoredAlertEvent[];
  /** the SMS sent (or queued, or failed) about this alert */
  notifications: OutboxEntry[];
}

export interface AckRequest {
  /** ignored: the acknowledgement is recorded under the signed-in user's name */
  by?: string;
}

// --- SMS outbox (S12: sent, failed and retried messages are visible) ----------------------------------
// GET  /api/v1/sms/outbox?state=&limit=&before=  → OutboxEntry[] newest first
// POST /api/v1/sms/test   TestSmsRequest          → 202 OutboxEntry (queued; 503 RW_ERR_MODEM_DISABLED with --modem none)

/**
 * queued → sending → sent → delivered | failed; a retryable failure goes back to queued with a
 * later `nextAttemptAt`. 'sent' means every part was accepted by the network (+CMGS); 'delivered'
 * that every part's status report said so.
 */
export type OutboxState = 'queued' | 'sending' | 'sent' | 'delivered' | 'failed';

/** 'restart': the appliance is back after an unplanned restart (D1) */
export type OutboxKind = MessageKind | 'test' | 'reply' | 'restart';

export interface OutboxPart {
  /** TP-MR the modem assigned (wraps at 255) */
  mr: number;
  delivery: 'pending' | 'delivered' | 'failed';
}

export interface OutboxEntry {
  id: number;
  to: string;
  /** the contact it was for; null for a test message or a reply to an unregistered number */
  contactId: string | null;
  kind: OutboxKind;
  text: string;
  alertIds: number[];
  /** refused as a duplicate when queued again */
  dedupeKey: string;
  state: OutboxState;
  attempts: number;
  createdAt: number;
  updatedAt: number;
  /** when a queued message is due (later than now while backing off) */
  nextAttemptAt: number | null;
  sentAt: number | null;
  deliveredAt: number | null;
  concatRef: number | null;
  parts: OutboxPart[];
  lastError: { code: string; message: string; class: string | null } | null;
}

/**
 * GET /api/v1/sms/held: SMS the per-contact rate limit (S12, `--sms-rate-limit` per 15 minutes)
 * holds back. They are not in the outbox yet: when the window has room, everything held for a
 * contact goes out as ONE digest (nothing is dropped).
 */
export interface HeldSms {
  contactId: string;
  /** the contact's name and phone (null when the contact was deleted meanwhile) */
  contactName: string | null;
  to: string | null;
  kind: AlertMessageKind;
  alertId: number;
  ruleName: string;
  agentName: string;
  severity: Severity;
  /** when it was held (unix ms) */
  heldAt: number;
  /** when the digest that carries it is due (unix ms; a past time: at the next policy pass) */
  digestAt: number;
}

export interface HeldSmsResponse {
  /** contacts with held messages */
  contacts: number;
  messages: HeldSms[];
}

export interface TestSmsRequest {
  /** E.164, or a national number (normalised like a contact's phone) */
  to: string;
  text: string;
}

export interface SmsCounters {
  queued: number;
  sending: number;
  sent: number;
  delivered: number;
  failed: number;
  /** retries scheduled since start */
  retries: number;
}

// --- the modem (D4) -----------------------------------------------------------------------------------
// GET /api/v1/modem → ModemResponse

export type ModemMode = 'none' | 'device' | 'sim';

export interface ModemResponse {
  mode: ModemMode;
  /** the driver's snapshot; null with --modem none */
  status: ModemStatus | null;
  sms: SmsCounters;
  /** the last message that failed for good (permanent or fatal error), for the alarm banner */
  alarm: { code: string; message: string; at: number } | null;
}

/** The `modem` and `sms` sections of GET /api/v1/health. */
export interface ModemHealth {
  state: ModemState | 'disabled';
  signal: Signal | null;
  registration: RegistrationState | null;
  operator: string | null;
  sim: SimState | null;
  lastError: { code: string; message: string; at: number } | null;
}

export interface SmsHealth {
  queued: number;
  sent: number;
  failed: number;
  alarm: { code: string; message: string; at: number } | null;
}

// --- live stream (GET /api/v1/stream; contract/api.ts StreamEvents) -------------------------------------

/** `alert`: an alert changed (fired, escalated, acknowledged, resolved, …). */
export interface AlertStreamEvent {
  kind: AlertEventKind;
  alert: Alert;
  at: number;
}

/** `sms`: an outbox entry changed state. */
export type SmsStreamEvent = OutboxEntry;

/** `modem`: the driver's status changed. */
export type ModemStreamEvent = ModemStatus;

// --- simulator-only test hooks (registered only with --modem sim) ---------------------------------------
// GET  /api/v1/modem/sim-log               → SimLogResponse (also appended to <data-dir>/modem-sim.log, JSON lines)
// POST /api/v1/modem/sim-deliver { from, text }  → 202 (an incoming SMS, as the network would deliver it)
// POST /api/v1/modem/sim-fault   SimFaultRequest → 202

export interface SimLogSubmit {
  at: number;
  to: string;
  text: string;
  encoding: string;
  mr: number;
  udl: number;
  concat?: { ref: number; total: number; seq: number };
}

export interface SimLogResponse {
  commands: { at: number; line: string }[];
  submits: SimLogSubmit[];
  /** parts joined per message, as a handset shows them */
  messages: { to: string; text: string; encoding: string; parts: number; complete: boolean }[];
}

export type SimFaultRequest =
  | { kind: 'slowSend'; ms: number; nth?: number; times?: number }
  | { kind: 'cmsOnCmgs'; code: number; nth?: number; times?: number }
  | { kind: 'cmsEvery'; code: number; every: number }
  | { kind: 'clear' };

/** One line of <data-dir>/modem-sim.log. */
export type SimLogLine =
  | { type: 'command'; at: number; line: string; boot: number }
  | ({ type: 'submit'; boot: number } & SimLogSubmit);

/**
 * S12's noise report (`GET /alerts/noise?from=&to=`): how much the alerts cost in SMS and
 * attention over a range, and what the quiet alerts (B10, B11) saved.
 */
export interface NoiseReport {
  fromMs: number;
  toMs: number;
  /** the appliance's time zone, in which `day` is counted */
  timeZone: string;
  /** SMS queued per contact and day (every kind: alerts, digests, replies); `name` null unless the caller may read contacts */
  smsPerContactDay: { contactId: string; name: string | null; day: string; sms: number }[];
  /** alerts that fired in the range, per rule, most first */
  alertsPerRule: { ruleId: string; ruleName: string; fired: number; cancelled: number }[];
  /** most alerts that fired and resolved within NOISE_LIMITS.flapS, per rule and per server */
  flappiestRules: NoiseFlapRow[];
  flappiestServers: NoiseFlapRow[];
  /**
   * Alerts kept quiet that were never texted (fired in the range and resolved while quiet, or
   * still quiet), per reason; `smsSaved` counts the SMS one contact would have had for them (the
   * fired one, and the recovery's for those that resolved).
   */
  saved: { dependency: NoiseSaved; maintenance: NoiseSaved };
}

export interface NoiseFlapRow {
  id: string;
  name: string;
  /** alerts that fired and resolved within NOISE_LIMITS.flapS */
  flaps: number;
  fired: number;
}

export interface NoiseSaved {
  alerts: number;
  smsSaved: number;
}

/** The noise report's bounds (docs/bounds.md). */
export const NOISE_LIMITS = {
  /** the longest range a report covers */
  maxRangeMs: 92 * 86_400_000,
  /** the range when none is given: the last week */
  defaultRangeMs: 7 * 86_400_000,
  /** an alert resolved this soon after it fired is a flap */
  flapS: 900,
  /** rows of each "flappiest" list */
  topN: 10,
} as const;
