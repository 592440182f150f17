// The shapes of alerting that cross the wire (S7, S8, S12, D4): rules, alerts, contacts, groups,
// the modem's status and the SMS segment preview. The appliance stores and serves them, the web UI
// and the tests read them; the pure alerting modules compute with them. Plain data, no I/O.
import { FAMILIES, type Family, type Unit } from './families.js';
import { type TextEncoding } from './sms-text/segmenter.js';
import { type AgentStatus } from './agent-status.js';
import type { CheckState } from './checks.js';
import type { CheckType } from './checks-api.js';

/** Severity grades, mildest first (S7). The order is the order of "worse". */
export const SEVERITIES = ['info', 'warning', 'critical', 'disaster'] as const;

export type Severity = (typeof SEVERITIES)[number];

export type Comparison = '>' | '>=' | '<' | '<=';

export const COMPARISONS: readonly Comparison[] = ['>', '>=', '<', '<='];

/** Thresholds per grade; a rule defines at least one. */
export type SeverityLevels = Partial<Record<Severity, number>>;

/**
 * Metrics computed from the fields of one sample. A small fixed set instead of an expression
 * language: each is what an operator means by the name, and each is cheap.
 */
export const DERIVED_METRICS = {
  /** 100 − idle: every non-idle share (user, system, iowait, steal, …). */
  cpu_busy_pct: { family: 'cpu', unit: '%' },
  /** used / total (the agent's used = total − MemAvailable). */
  memory_used_pct: { family: 'memory', unit: '%' },
  /** swap_used / swap_total; a server without swap yields no value (no alert, not 0 %). */
  swap_used_pct: { family: 'memory', unit: '%' },
  /** used / (used + avail), as df(1) prints Use%: root's reserved blocks count as full. */
  fs_used_pct: { family: 'fs', unit: '%' },
  /** inodes_used / inodes; filesystems without an inode count (btrfs) yield no value. */
  fs_inodes_used_pct: { family: 'fs', unit: '%' },
  /** load1 / CPU cores (from the agent's inventory); no value until the inventory is known. */
  load1_per_core: { family: 'load', unit: '' },
} as const satisfies Record<string, { family: Family; unit: Unit }>;

export type DerivedMetricName = keyof typeof DERIVED_METRICS;

/**
 * B9: the metrics a "departs from its usual pattern" rule may watch, each with the family whose
 * RRD files carry rrdtool's Holt-Winters archives (appliance/store/rrd-layout.ts) and the data
 * source the forecast is read from (cpu busy = 100 − idle, memory used % = used ÷ total).
 */
export const BASELINE_METRICS = {
  cpu_busy_pct: { family: 'cpu', field: 'idle' },
  memory_used_pct: { family: 'memory', field: 'used' },
} as const satisfies Partial<Record<DerivedMetricName, { family: Family; field: string }>>;

export type BaselineMetricName = keyof typeof BASELINE_METRICS;

export const BASELINE_METRIC_NAMES = Object.keys(BASELINE_METRICS) as BaselineMetricName[];

/** B9's bounds (docs/bounds.md): the learning period, and how far a baseline rule's levels (in deviations) may reach. */
export const BASELINE_LIMITS = { minLearningS: 86_400, maxLearningS: 31 * 86_400, maxDeviations: 100 } as const;

/** The families whose files get the Holt-Winters archives (B9). */
export const BASELINE_FAMILIES: readonly Family[] = [...new Set(Object.values(BASELINE_METRICS).map((m) => m.family))];

export const DERIVED_METRIC_NAMES = Object.keys(DERIVED_METRICS) as DerivedMetricName[];

/**
 * What a rule watches. `key` selects one series of a keyed family (a mount point, an interface);
 * absent or '*' means every key, each evaluated (and alerted) on its own.
 */
export type RuleMetric =
  | { kind: 'field'; family: Family; field: string; key?: string }
  | { kind: 'derived'; name: DerivedMetricName; key?: string }
  /** The agent is offline (MQTT last will) or sent nothing for `missedIntervals` intervals. */
  | { kind: 'agent_silent'; missedIntervals: number }
  /**
   * A service check's state (S5, S6, S16): `checkId` one check or '*' every check. The alert's
   * grade comes from the state through `severities` (absent: CHECK_SEVERITIES_MAPPED, WARNING →
   * warning and CRITICAL → critical, UNKNOWN no alert); a state it does not name raises none. Such
   * a rule has no `levels` and compares with '>='.
   */
  | { kind: 'check_state'; checkId: string; severities?: CheckStateSeverities }
  /** A check's perfdata value `label` (S5, S6), compared like a field against the rule's levels. */
  | { kind: 'check_perf'; checkId: string; label: string }
  /**
   * B9: the metric departs from its usual pattern for this time of day: the value compared is
   * (observed − predicted) ÷ predicted deviation, both from rrdtool's Holt-Winters archives, so
   * the rule's `levels` are in deviations ('>' levels above the band, '<' negative levels below).
   * No alert during `learningS` after a series' first data (at least one season).
   */
  | { kind: 'baseline'; name: BaselineMetricName; learningS?: number };

/** The grade of each non-OK check state; a state absent here raises no alert. */
export type CheckStateSeverities = Partial<Record<Exclude<CheckState, 'ok'>, Severity>>;

/** A check_state rule's grades unless it names others: UNKNOWN (the check could not tell) raises none. */
export const CHECK_SEVERITIES_MAPPED: CheckStateSeverities = { warning: 'warning', critical: 'critical' };

export const EVERY_KEY = '*';

/** Rules on checks: a check's result feeds them (not samples, not silence). */
export function isCheckMetric(metric: AlertMetric): metric is Extract<RuleMetric, { kind: 'check_state' | 'check_perf' }> {
  return metric.kind === 'check_state' || metric.kind === 'check_perf';
}

/**
 * Hysteresis: how far back a value must come before a grade lets go. `delta` applies to every
 * grade (recover at threshold − delta for '>' rules, threshold + delta for '<' rules);
 * `levels` names the recovery value per grade (a grade not named there uses `delta`, default 0).
 */
export interface Recovery {
  delta?: number;
  levels?: SeverityLevels;
}

export type RuleScope = { kind: 'all' } | { kind: 'agent'; agentId: string } | { kind: 'group'; groupId: string };

export interface Rule {
  id: string;
  name: string;
  metric: RuleMetric;
  comparison: Comparison;
  levels: SeverityLevels;
  recovery?: Recovery;
  /** The condition must hold this long (sample time) before a grade fires: "for at least N s". */
  forS: number;
  scope: RuleScope;
  enabled: boolean;
  /** Shipped with the appliance (may still be edited or disabled, like any rule). */
  builtin?: boolean;
}

/**
 * What an alert is about: a rule's metric, or an event of the appliance itself: `lockout`, repeated
 * failed sign-ins (or enrollment tokens, or agent secrets) locked an address or account (SEC);
* `fault`, the appliance cannot store or serve what it should: a full or read-only disk, a hung
 * rrdcached, a damaged database (RES); `series_quota`, an agent's samples were refused because
 * they would exceed its quota of RRD files (RES); `pool_skew`, a member of a load-balancer pool takes
 * a share of its traffic away from its expected one, or errors far more than the others (B6).
 */
export type AlertMetric = RuleMetric | { kind: 'lockout' } | { kind: 'fault' } | { kind: 'series_quota' } | { kind: 'pool_skew' };

/** The appliance itself, as the "server" of its own alerts (SEC lockouts). */
export const APPLIANCE_AGENT_ID = 'appliance';

/** The unit of the value a rule compares (for messages and the rule screen). */
export function metricUnit(metric: AlertMetric): Unit {
  switch (metric.kind) {
    case 'lockout':
    case 'fault':
    case 'series_quota':
    case 'pool_skew':
      return '';
    case 'field': {
      const fields: Record<string, Unit> = FAMILIES[metric.family].fields;
      return fields[metric.field] ?? '';
    }
    case 'derived':
      return DERIVED_METRICS[metric.name].unit;
    // deviations: the alert's cause carries the observed value and the band in the metric's unit
    case 'baseline':
    case 'agent_silent':
    case 'check_state':
    case 'check_perf':
      // a perfdatum's own unit is in the alert's cause (AlertCause.check.unit)
      return '';
  }
}

export type AlertState = 'pending' | 'firing' | 'acknowledged' | 'resolved';

export interface ProcessRef {
  name: string;
  pid: number;
  user?: string;
  /** share of CPU or memory, % */
  pct: number;
}

/**
 * Why the server is in trouble, captured when the alert fires (S7): the fullest filesystem (from
 * the `fs` family) and the top CPU and memory processes (from the agent's `top` snapshot, see
 * cause.ts). Each part is optional: absent when the agent has not sent that data (no filesystem
 * yet, the `top` collector switched off).
 */
export interface AlertCause {
  fullestFs?: { mount: string; usedPct: number };
  topCpuProcess?: ProcessRef;
  topMemProcess?: ProcessRef;
  /** for agent-silent alerts */
  silence?: { reason: SilenceReason; lastSeenMs: number | null };
  /** for lockout alerts: what was guessed, which throttle keys were locked (`addr:…`, `user:…`), until when */
  lockout?: { kind: string; keys: string[]; address: string | null; untilMs: number };
  /** for fault alerts (RES): what is wrong with the appliance, in a few words and in a sentence */
  fault?: { cause: string; detail: string };
  /** for series-quota alerts: the agent's quota and files, and a refused series (`fs-_data.1s`) */
  seriesQuota?: { maxFiles: number; files: number; example: string };
  /** for pool-skew alerts (B6): the pool, the member's log source, and why it is flagged, in the appliance's words */
  poolSkew?: { poolId: string; pool: string; sourceId: string; reason: string };
  /**
   * for alerts of rules on checks: the check and its run that fired (or last changed the grade
   * of) the alert: its state, its output line, and for a perfdata rule the value's unit
   */
  check?: { checkId: string; name: string; type: CheckType; state: CheckState; output: string; unit?: string };
  /** for baseline rules (B9): what was observed against the band rrdtool's forecast expected, in the metric's unit */
  baseline?: BaselineCause;
}

/** B9: observed vs expected, when the alert fired or changed grade. */
export interface BaselineCause {
  observed: number;
  /** rrdtool's HWPREDICT for that time */
  expected: number;
  /** the band: expected ∓ the rule's deviations × DEVPREDICT */
  low: number;
  high: number;
  unit: Unit;
}

export interface Alert {
  /** small integer, so that an SMS reply `ACK 123` is easy to type */
  id: number;
  ruleId: string;
  ruleName: string;
  agentId: string;
  /** host name when the alert started (messages show it) */
  agentName: string;
  key?: string;
  metric: AlertMetric;
  unit: Unit;
  comparison: Comparison;
  severity: Severity;
  state: AlertState;
  /** the value that started, fired or escalated it */
  value: number | null;
  /** the threshold of `severity` */
  threshold: number;
  cause: AlertCause;
  /** appliance times, unix ms */
  startedAt: number;
  firedAt?: number;
  ackedAt?: number;
  ackedBy?: string;
  resolvedAt?: number;
  resolution?: ResolveReason;
  /** the value when it resolved (null when resolved for lack of data) */
  resolvedValue?: number | null;
  /**
   * B10, B11: the alert opened while its server was in a maintenance window or behind a parent
   * that was down: shown, never texted (nor escalated) while this is set. Cleared when the window
   * ends or the parent has been back for the settle time; the alert is texted then if still firing.
   */
  quiet?: AlertQuiet;
  /** B10: how many servers depend on this alert's server or check (set when it fires; the SMS says it) */
  dependants?: number;
}

/** Why an alert is not texted (B10, B11). */
export type AlertQuiet =
  | { kind: 'maintenance'; windowId: string; reason: string; author: string; untilMs: number | null }
  | { kind: 'dependency'; parentId: string; parentName: string };

export type AlertEventKind = 'pending' | 'fired' | 'escalated' | 'deescalated' | 'acknowledged' | 'resolved' | 'cancelled';

/** 'check-removed': the check the alert was about was deleted (like 'rule-withdrawn', for checks) */
export type ResolveReason = 'recovered' | 'no-data' | 'rule-withdrawn' | 'agent-removed' | 'check-removed';

export type SilenceReason = 'offline' | 'no-data';

export interface StoredAlertEvent {
  id: number;
  alertId: number;
  kind: AlertEventKind;
  at: number;
  severity: Severity;
  state: AlertState;
  fromSeverity?: Severity;
  by?: string;
}

/** 'ok' or the worst grade of the alerts that are firing or acknowledged. */
export type HealthLevel = 'ok' | Severity;

export const HEALTH_LEVELS: readonly HealthLevel[] = ['ok', ...SEVERITIES];

export interface ServerHealth {
  agentId: string;
  hostname: string;
  status: AgentStatus;
  level: HealthLevel;
  /** alerts firing (not yet acknowledged) */
  firing: number;
  acknowledged: number;
  pending: number;
}

export interface Group {
  id: string;
  name: string;
  memberIds: string[];
}

export interface GroupHealth {
  groupId: string;
  name: string;
  /** the worst member's level ('ok' for an empty group) */
  level: HealthLevel;
  /** the worst member's connection status ('unknown' for an empty group) */
  status: AgentStatus;
  members: number;
  /** members per level */
  byLevel: Record<HealthLevel, number>;
  offline: number;
}

/** A weekly window in the appliance's time zone. `end` before `start` runs past midnight into
 * the next day; "00:00"–"24:00" is the whole day. */
export interface WeeklyWindow {
  /** 0 = Sunday … 6 = Saturday: the days the window starts on */
  days: number[];
  /** "HH:MM" */
  start: string;
  /** "HH:MM", "24:00" allowed */
  end: string;
}

export interface Contact {
  id: string;
  name: string;
  /** E.164: "+821012345678" */
  phone: string;
  language: Language;
  /** the grades this contact is told about */
  severities: Severity[];
  /** when this contact may be told about new alerts; empty = always */
  schedule: WeeklyWindow[];
  /** 0 = told first; 1 = told when level 0 has not acknowledged in time; … */
  escalationLevel: number;
  enabled: boolean;
}

export type MessageKind = AlertMessageKind | 'digest';

export type Language = 'ko' | 'en';

export const LANGUAGES: readonly Language[] = ['ko', 'en'];

/** Messages about one alert. 'escalation' = not acknowledged in time, sent to the next contacts;
 * 'escalated' = the alert's grade got worse. */
export type AlertMessageKind = 'fired' | 'escalated' | 'escalation' | 'acknowledged' | 'resolved';

export interface SegmentPreview {
  encoding: TextEncoding;
  parts: number;
  /** septets (GSM 7-bit) or UTF-16 units (UCS2) of the whole text */
  units: number;
  /** what still fits in the last part before another part is needed */
  charsLeft: number;
}

export interface RulePreview {
  kind: AlertMessageKind;
  text: string;
  segments: SegmentPreview;
}

// Parsers for the response and URC lines the driver reads (pure, no I/O): signal quality,
// registration, operator, SIM state, storage listings and new-message indications.
// Each cites the TS 27.007 / 27.005 clause that defines the line.

export type RegistrationState = 'unknown' | 'not-registered' | 'home' | 'searching' | 'denied' | 'roaming';

export type SimState = 'unknown' | 'ready' | 'pin-required' | 'puk-required' | 'absent' | 'error';

export interface Signal {
  /** AT+CSQ <rssi>: 0–31, or null for 99 (not known). */
  readonly csq: number | null;
  /** ≈ −113 + 2·rssi dBm (TS 27.007 §8.5); null when unknown. */
  readonly dbm: number | null;
}

export type ModemState =
  /** The port path does not resolve (unplugged, re-enumerating) or cannot be opened. */
  | 'absent'
  /** Port open; running the init sequence. */
  | 'initializing'
  /** Initialised, SIM ready and registered: sendSms works. */
  | 'ready'
  /** The SIM wants a PIN and none is configured. */
  | 'pin-required'
  /** The configured PIN was rejected once (never retried), or the SIM wants its PUK. */
  | 'pin-failed'
  /** Initialised but not registered (or no SIM): sendSms waits for registration. */
  | 'no-network'
  /** A step of the reset ladder is running (ESC + AT, reopen, AT+CFUN=1,1, back-off). */
  | 'resetting';

export interface ModemStatus {
  readonly state: ModemState;
  readonly signal: Signal;
  readonly registration: RegistrationState;
  /** Operator name from AT+COPS?, null when unknown or not registered. */
  readonly operator: string | null;
  readonly sim: SimState;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: number } | null;
  /** Messages sent (every part accepted with +CMGS) and failed since start. */
  readonly sentCount: number;
  readonly failedCount: number;
  readonly receivedCount: number;
  /** Times the reset ladder ran a step. */
  readonly resetCount: number;
  /** The configured path (maybe a by-id symlink) and what it resolved to at the last open. */
  readonly path: string;
  readonly device: string | null;
  /** Clock time of the last change. */
  readonly since: number;
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

export function healthRank(level: HealthLevel): number {
  return level === 'ok' ? -1 : severityRank(level);
}
