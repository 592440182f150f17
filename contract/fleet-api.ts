// HTTP API types of the fleet features (docs/api.md): visitor history (S15),
// collector schedules (S2), pre-registered servers (S3, S4) and the agent's latest snapshot.
// The appliance returns them, the web UI and the tests read them. No runtime code, so the
// browser bundle can import it.
import type { AgentConfig, CollectorSetting } from './agent-config.js';
import type { CollectorName } from './families.js';
import type { Snapshot } from './metrics.js';

// --- visitors (S15) ------------------------------------------------------------------------------

/** One client address that connected to one server's listening ports. Times are unix seconds. */
export interface VisitorRecord {
  agentId: string;
  hostname: string;
  /** the client's IP address */
  remote: string;
  /** unix s of the first snapshot that showed a connection from it */
  firstSeen: number;
  /** unix s of the latest snapshot that showed a connection from it */
  lastSeen: number;
  /** connections counted: a (remote, remotePort, localPort) not in the previous snapshot counts once */
  connections: number;
  /** local (server) ports it connected to, ascending */
  localPorts: number[];
}

export const VISITOR_SORT_KEYS = ['lastSeen', 'firstSeen', 'connections', 'remote', 'hostname'] as const;
export type VisitorSortKey = (typeof VISITOR_SORT_KEYS)[number];

/** GET /api/v1/visitors?agent=&from=&to=&q=&sort=&limit= */
export interface VisitorQuery {
  agent?: string;
  /** unix s: records active at or after it */
  from?: number;
  /** unix s: records active at or before it */
  to?: number;
  /** a substring of the address or the host name */
  q?: string;
  /** a VisitorSortKey, "-" in front for descending; default "-lastSeen" */
  sort?: string;
  /** default 200, at most 5000 */
  limit?: number;
}

export interface VisitorListResponse {
  /** records matching the filter (all of them, not only those returned) */
  total: number;
  visitors: VisitorRecord[];
}

// --- the agent's latest snapshot (S1 routes, top processes; S15 current visitors) -----------------

/** The latest of each snapshot part an agent sent (each part with the time it was taken, unix s). */
export interface AgentSnapshot {
  routes?: { t: number; entries: NonNullable<Snapshot['routes']> };
  top?: { t: number } & NonNullable<Snapshot['top']>;
  visitors?: { t: number; entries: NonNullable<Snapshot['visitors']> };
}

// --- collector schedules (S2) --------------------------------------------------------------------

/** What an operator may override per agent: any collector's switch or interval, the queue bounds. */
export interface AgentConfigOverrides {
  collectors?: Partial<Record<CollectorName, Partial<CollectorSetting>>>;
  queue?: Partial<AgentConfig['queue']>;
}

/** GET and PUT /api/v1/config/defaults. PUT takes `{collectors?, queue?}` (missing settings: built-in defaults). */
export interface ConfigDefaultsResponse {
  /** false until an operator saved defaults: until then agents without overrides run on their own flags */
  configured: boolean;
  revision: number;
  collectors: Record<CollectorName, CollectorSetting>;
  queue: AgentConfig['queue'];
}

/** GET and PUT /api/v1/agents/:id/config. PUT takes AgentConfigOverrides (`{}` clears them). */
export interface AgentConfigResponse {
  agentId: string;
  overrides: AgentConfigOverrides;
  /** the complete configuration: defaults with the overrides applied */
  effective: AgentConfig;
  /** true when `effective` is published (retained) on rw/v1/<id>/config */
  published: boolean;
  /**
   * What the agent reported it runs (its inventory, S2): before a configuration is published it
   * runs on its own flags, so this can differ from `effective`; null until an agent that reports
   * it has sent its inventory
   */
  running: Partial<Record<CollectorName, CollectorSetting>> | null;
}

// --- pre-registered servers (S3, S4) -------------------------------------------------------------

/** POST /api/v1/servers: a server the operator expects; the agent that enrolls with this host name takes it. */
export interface PreRegisterRequest {
  name: string;
  /** IP address or DNS name of the server */
  address: string;
}
