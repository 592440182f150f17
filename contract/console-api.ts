// The console's local API (D5): what `rackwatch-console` asks the appliance over the unix socket
// in the data dir's run/ directory. One JSON request per line, one JSON answer per line, in order.
// The socket's file mode is the permission (the console's user only), so requests carry no secret;
// every change made through it is audited with the actor "console" (SEC).
import type { Alert } from './alerting.js';
import type { ModemResponse, OutboxEntry } from './alerts-api.js';
import type { AgentSummary, HealthResponse } from './api.js';
import type { ErrorCode } from './errors.js';
import type { PairStatus } from './pair.js';

/** the socket's name under `<dataDir>/run/` */
export const CONSOLE_SOCKET_NAME = 'console.sock';
/** RES: a request line longer than this is refused (RW_ERR_BAD_REQUEST) and the connection closed */
export const MAX_CONSOLE_REQUEST_BYTES = 16 * 1024;
/** RES: a test SMS text longer than this (characters) is refused, as over HTTP */
export const MAX_CONSOLE_SMS_CHARS = 1_000;

export interface ConsoleStatus {
  health: HealthResponse;
  agents: AgentSummary[];
  /** open alerts (pending, firing, acknowledged), newest first */
  alerts: Alert[];
  /** the appliance's clock, unix ms */
  nowMs: number;
  /** S13, B4: its standby pair as GET /api/v1/pair answers it (role null: a lone appliance) */
  pair: PairStatus;
}

export interface ConsoleModem {
  modem: ModemResponse;
  /** messages not yet sent or delivered (queued, sending) */
  queue: OutboxEntry[];
}

/** Each operation's arguments and answer. */
export interface ConsoleOps {
  status: { args: Record<string, never>; result: ConsoleStatus };
  alerts: { args: Record<string, never>; result: Alert[] };
  /** `user`: the console's login name; the alert is recorded as acknowledged by "<user>@console" */
  ack: { args: { alertId: number; user: string }; result: Alert };
  modem: { args: Record<string, never>; result: ConsoleModem };
  'sms-test': { args: { to: string; text: string }; result: OutboxEntry };
  /** a new random password for the named account, shown once */
  'password-reset': { args: { username: string }; result: { username: string; password: string } };
  /** the first admin's one-time setup code, or null when an admin exists */
  'setup-code': { args: Record<string, never>; result: { code: string | null } };
  /** S13, B4: the standby made the primary, as POST /api/v1/pair/promote does; refused unless this appliance is a standby */
  'pair-promote': { args: { user: string }; result: PairStatus };
}

export type ConsoleOp = keyof ConsoleOps;
export const CONSOLE_OPS: readonly ConsoleOp[] = ['status', 'alerts', 'ack', 'modem', 'sms-test', 'password-reset', 'setup-code', 'pair-promote'];

export interface ConsoleRequest<K extends ConsoleOp = ConsoleOp> {
  id: number;
  op: K;
  args: ConsoleOps[K]['args'];
}

export type ConsoleAnswer =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: ErrorCode; message: string } };
