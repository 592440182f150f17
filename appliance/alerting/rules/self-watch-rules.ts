// B4, S13: the appliance's built-in rules about itself (its self-watch). The appliance is the
// "server" of these alerts: the reserved pseudo-agent APPLIANCE_AGENT_ID, named "rackwatch" in
// texts, as for its faults and lockouts. Each rule has a fixed severity and a hold time: the
// condition must last that long before the alert fires (a modem that re-registers within a minute
// texts nobody). They go through the same engine, outbox and modem as every other alert; the
// conditions are judged by appliance/health/self-watch.ts. Their ids are stable: the UI names them
// in Korean and English by id (webui/src/builtin-rule-names.ts).
import type { Severity } from '../../../contract/alerting.js';

export type SelfWatchRuleId =
  | 'self-rrdcached'
  | 'self-rrdcached-restarts'
  | 'self-data-partition'
  | 'self-database-write'
  | 'self-event-loop'
  | 'self-clock'
  | 'self-modem'
  | 'self-ingest-backlog'
  | 'self-remote-write-dropped'
  | 'self-two-primaries';

export interface SelfWatchRule {
  id: SelfWatchRuleId;
  /** English, as stored on the alert (the UI translates by id) */
  name: string;
  severity: Severity;
  /** the condition holds this long before the alert fires; 0: at once */
  holdMs: number;
}

const MINUTE = 60_000;

/** rrdcached restarted more than this many times within RRDCACHED_RESTART_WINDOW_MS */
export const RRDCACHED_RESTARTS_MAX = 3;
export const RRDCACHED_RESTART_WINDOW_MS = 10 * MINUTE;
/** the data partition is nearly full below this fraction of its size free */
export const DATA_PARTITION_FREE_MIN = 0.1;
/** one turn of the event loop took longer than this */
export const EVENT_LOOP_LAG_MAX_MS = 1_000;
/** a modem with a signal below this (AT+CSQ rssi; 9 ≈ −95 dBm, "marginal") may not get an SMS out */
export const MODEM_CSQ_MIN = 9;
/** publishes held back: a backlog that stays above this and grows for the hold time is ingest falling behind */
export const INGEST_BACKLOG_FLOOR = 100;
/** a failed SQLite write keeps its alert open until none has failed for this long */
export const DATABASE_WRITE_HOLD_MS = 5 * MINUTE;
/**
 * S13: two primaries in a pair last this long before the alert: the one promoted earlier gives way
 * within a poll or two (≤ 5 s each, plus a 3 s request), so only a pair where neither does is told.
 */
export const TWO_PRIMARIES_HOLD_MS = 20_000;
/** samples dropped at the remote-write queue's bound (S19) keep the alert open until none was dropped for this long */
export const REMOTE_WRITE_DROP_HOLD_MS = 10 * MINUTE;

export const SELF_WATCH_RULES: readonly SelfWatchRule[] = [
  { id: 'self-rrdcached', name: 'Appliance: rrdcached down', severity: 'critical', holdMs: 30_000 },
  { id: 'self-rrdcached-restarts', name: 'Appliance: rrdcached keeps restarting', severity: 'critical', holdMs: 0 },
  { id: 'self-data-partition', name: 'Appliance: data partition nearly full or over budget', severity: 'warning', holdMs: MINUTE },
  { id: 'self-database-write', name: 'Appliance: a database write failed', severity: 'critical', holdMs: 0 },
  { id: 'self-event-loop', name: 'Appliance: event loop lagging', severity: 'warning', holdMs: 0 },
  { id: 'self-clock', name: 'Appliance: clock not synchronised', severity: 'warning', holdMs: 10 * MINUTE },
  { id: 'self-modem', name: 'Appliance: modem cannot send SMS', severity: 'critical', holdMs: 5 * MINUTE },
  { id: 'self-ingest-backlog', name: 'Appliance: ingest backlog growing', severity: 'warning', holdMs: 5 * MINUTE },
  { id: 'self-remote-write-dropped', name: 'Appliance: remote-write queue full, oldest samples dropped', severity: 'warning', holdMs: 0 },
  { id: 'self-two-primaries', name: 'Appliance: two primaries in the standby pair', severity: 'critical', holdMs: TWO_PRIMARIES_HOLD_MS },
];

const BY_ID = new Map<string, SelfWatchRule>(SELF_WATCH_RULES.map((r) => [r.id, r]));

export function selfWatchRule(id: string): SelfWatchRule | undefined {
  return BY_ID.get(id);
}
