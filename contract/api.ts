// HTTP API types (docs/api.md): the appliance returns them, the web UI and the tests read
// them. A change here is a change of the public API.
import type { CheckStreamEvent } from './checks-api.js';
import type { WeblogInterval } from './weblog.js';
import type { Family, Sample } from './metrics.js';
import type { Inventory } from './inventory.js';
import type { AlertStreamEvent, ModemHealth, ModemStreamEvent, SmsHealth, SmsStreamEvent } from './alerts-api.js';
import type { AgentSnapshot } from './fleet-api.js';
import { type AgentStatus } from './agent-status.js';
import type { Severity } from './alerting.js';
import type { FileJobStreamEvent } from './files-api.js';

export const API_PREFIX = '/api/v1';

/** A server's display name (S4, PATCH /servers/:id): at most this many characters (docs/bounds.md). */
export const DISPLAY_NAME_MAX_CHARS = 64;

export interface EnrollRequest {
  token: string;
  hostname: string;
}
export interface EnrollResponse {
  agentId: string;
  secret: string;
  /** `port`: plain MQTT (0 when it is off); `tlsPort` and `pin`: MQTT over TLS and the key it presents (SEC) */
  mqtt: { port: number; tlsPort?: number; pin?: string };
}

/** Latest values of one series: family + optional key → field → value, at time t (unix s). */
export interface LatestSeries {
  family: Family;
  key?: string;
  t: number;
  values: Record<string, number | null>;
}

export interface AgentSummary {
  id: string;
  hostname: string;
  status: AgentStatus;
  /** unix ms of the last message, or null when none yet */
  lastSeen: number | null;
  interval: number | null;
  /** the server's address, when an operator gave one (pre-registration, S4) */
  address?: string;
  /** pre-registered by an operator, and no agent has enrolled under its name yet (S3) */
  awaitingAgent?: boolean;
  /** an operator's name for the server (S4: PATCH /servers/:id), shown in place of the host name, which stays the agent's */
  displayName?: string;
  /** only in an `agent` stream event: the server was removed (S4) */
  removed?: boolean;
}

/**
 * `GET /agents?latest=1` (S9): each server's latest values besides its summary, for the server
 * list's columns in one request instead of a detail a server; given only while the appliance holds
 * at most this many servers (beyond, the list's columns are left to the live stream).
 */
export const AGENT_LIST_LATEST_MAX = 200;

export interface AgentWithLatest extends AgentSummary {
  /** with `?latest=1`, at most AGENT_LIST_LATEST_MAX servers: the latest values of every series */
  latest?: LatestSeries[];
}

export interface AgentDetail extends AgentSummary {
  createdAt: number;
  inventory: Inventory | null;
  latest: LatestSeries[];
  /** the latest routes, top processes and current visitors (null until the agent sent one); always in the API's answer */
  snapshot?: AgentSnapshot | null;
}

export interface SeriesResponse {
  agentId: string;
  family: Family;
  key?: string;
  /** seconds between points of the archive that answered (after downsampling to `points`) */
  step: number;
  /** field names, in the order of `data` columns 1…n */
  fields: string[];
  /** columnar: data[0] = unix seconds, data[i] = values of fields[i-1] (null = unknown) */
  data: [number[], ...(number | null)[][]];
  /** with `band=1` (B9): the baseline band of a cpu or memory series whose file has rrdtool's Holt-Winters archives; null when it has none */
  band?: SeriesBand | null;
}

/** B9: rrdtool's forecast ± `deviations` of its deviation, in the metric's unit (CPU busy %, memory used %). */
export interface SeriesBand {
  metric: 'cpu_busy_pct' | 'memory_used_pct';
  unit: '%';
  deviations: number;
  /** columnar: unix seconds, expected, low, high */
  data: [number[], number[], number[], number[]];
}

/** Counts of refusals by bound (docs/bounds.md); each name says which bound. */
export interface BoundRefusals {
  /** MQTT connections closed at a packet header over 4 KiB before authentication (or a malformed length) */
  mqttPacketTooLargePreAuth: number;
  /** MQTT connections of an authenticated agent closed at a packet header over the publish limit */
  mqttPacketTooLarge: number;
  /** MQTT connections closed because their address had too many open */
  mqttConnectionsPerAddress: number;
  /** MQTT connections closed because no CONNECT came in time */
  mqttConnectTimeouts: number;
  /** samples refused because they would have made a new series beyond the agent's quota */
  seriesQuotaSamples: number;
  /** HTTP 413: a body over its limit */
  httpBodyTooLarge: number;
  /** HTTP 431: request line and headers over their limit */
  httpHeadersTooLarge: number;
  /** HTTP 408: headers or the request not in time */
  httpTimeouts: number;
  /** HTTP connections closed as they arrived, beyond the cap */
  httpConnectionsDropped: number;
}

/** GET /api/v1/health without signing in: only whether the appliance is well. */
export type PublicHealthResponse = Pick<HealthResponse, 'status' | 'uptimeS' | 'causes' | 'plannedRestart'>;

/** Why the appliance is degraded (RES): each one also raises a critical alert on the appliance itself. */
export type FaultCause = 'disk-full' | 'read-only' | 'io-error' | 'rrdcached-not-answering' | 'database-integrity' | 'lost-commits';

export interface ApplianceFault {
  cause: FaultCause;
  /** ms since the epoch */
  since: number;
  /** a sentence for a person: what failed, where */
  detail: string;
}

/**
 * What said whether the clock is synchronised (D1): chrony (`chronyc tracking`), systemd
 * (`timedatectl`'s NTPSynchronized, the kernel's view), the last known time (the system clock was
 * behind it at start and nothing has said it is synchronised since), or nothing.
 */
export type ClockSyncSource = 'chrony' | 'timedatectl' | 'last-known-time' | 'none';

/** The appliance's clock (D1: the board has no real-time clock). Not a cause of 'degraded'. */
export interface ClockHealth {
  /** false: event times may be off, the UI and the console show it; null: nothing on the machine says */
  synchronised: boolean | null;
  source: ClockSyncSource;
  /** ms since the epoch: the last time the appliance stored before this start (null: none) */
  lastKnownMs: number | null;
  /** the system clock was behind lastKnownMs at start: event times were held at lastKnownMs until it passed */
  behindAtStart: boolean;
  /** ms since the epoch: the time the appliance gives events now (never below lastKnownMs) */
  nowMs: number;
}

export interface HealthResponse {
  status: 'ok' | 'degraded';
  uptimeS: number;
  /** why `status` is 'degraded' (empty when ok, or when only the broker or the database query failed) */
  causes: string[];
  /** the faults behind `causes`, with their time and detail (RES) */
  faults: ApplianceFault[];
  /** the appliance process (process.memoryUsage()): resident, and the JavaScript heap within it */
  memory: { rssBytes: number; heapUsedBytes: number; heapTotalBytes: number; externalBytes: number };
  broker: { ok: boolean; clients: number };
  /** answering: false while a PING has waited past its bound (RES) */
  rrdcached: { ok: boolean; answering?: boolean; restarts: number; pid: number | null };
  database: { ok: boolean };
  counters: {
    messagesIn: number;
    badPayloads: number;
    rrdUpdates: number;
    rrdUpdateErrors: number;
    /** publishes currently held back (acknowledgement withheld) by backpressure */
    ingestBacklog: number;
    /** metrics publishes refused unacknowledged because nothing could be stored (RES: disk full, read-only) */
    ingestRefused: number;
    /** writes of timers and event handlers that failed on a storage fault (RES), all places together */
    writeFailures: number;
  };
  /** inputs refused for exceeding their bound since start (RES, docs/bounds.md), by bound */
  refusals: BoundRefusals;
  storage: {
    dataDir: string;
    freeBytes: number;
    bytesPerServer: number;
    serversEnrolled: number;
    /** how many servers the RRD store can hold in total (enrolled included) */
    serverCapacity: number;
    retention: string;
  };
  /** the GSM modem (D4): `state: 'disabled'` with --modem none */
  modem: ModemHealth;
  /** the SMS outbox (S12) */
  sms: SmsHealth;
  /** the clock (D1) */
  clock: ClockHealth;
  /** B4: the self-watch conditions that hold now, pending (within their rule's hold time) or firing */
  selfWatch: SelfWatchCondition[];
  /** B4: a planned restart or update announced and not over yet, else null (public: sentinels read it) */
  plannedRestart: PlannedRestart | null;
}

/** B4: a condition of a built-in self-watch rule (appliance/alerting/rules/self-watch-rules.ts) that holds now. */
export interface SelfWatchCondition {
  /** the rule's id ('self-rrdcached-restarts' …): the UI names it by id */
  rule: string;
  severity: Severity;
  /** ms since the epoch: when the condition began */
  since: number;
  /** true once it held for the rule's hold time: its alert is open */
  firing: boolean;
  /** the short text of the alert and its SMS ("rrdcached restarted 4 times in 10 min") */
  problem: string;
  /** a sentence with the figures behind it */
  detail: string;
}

/**
 * B4: a planned restart or update announced from the UI, the console or the update service: the
 * appliance going away until `untilMs` is expected. Kept in the data dir, so that it is still
 * known after the restart it announced; over at `untilMs`, or when withdrawn.
 */
export interface PlannedRestart {
  /** ms since the epoch */
  announcedAt: number;
  untilMs: number;
  reason: string;
  /** who announced it: a user name, 'console' or 'update' */
  by: string;
}

/**
 * A stored batch on the live stream: the samples as the agent published them (D3, contract/
 * metrics.ts), without the snapshot. The appliance relays the agent's own JSON when it can, so
 * key order and spacing are the agent's.
 */
export interface StreamBatch {
  v: 1;
  i: number;
  s: Sample[];
}

/** Server-Sent Events on /api/v1/stream: `event:` name → `data:` JSON. */
export interface StreamEvents {
  sample: { agentId: string; batch: StreamBatch };
  status: { agentId: string; status: AgentStatus; at: number };
  agent: AgentSummary;
  /** an alert changed (contract/alerts-api.ts) */
  alert: AlertStreamEvent;
  /** an SMS outbox entry changed state */
  sms: SmsStreamEvent;
  /** the modem's status changed */
  modem: ModemStreamEvent;
  /** a service check ran or changed state (contract/checks-api.ts) */
  check: CheckStreamEvent;
  /** a web log source's interval arrived (S11, contract/weblog.ts): as the agent sent it */
  weblog: { agentId: string; interval: WeblogInterval };
  /** one server's state of a fleet file job changed (S17, contract/files-api.ts); only for `files:deploy` */
  'file-job': FileJobStreamEvent;
}
export type StreamEventName = keyof StreamEvents;

export interface ApiError {
  error: { code: string; message: string };
}
