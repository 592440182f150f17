// Maintenance windows (B11) and server dependencies (B10): the API's shapes
// (docs/api.md "Maintenance windows", "Dependencies") and their bounds (docs/bounds.md).

/** What a window covers: every server, a group's members, or one server. */
export type MaintenanceScope = { kind: 'all' } | { kind: 'group'; groupId: string } | { kind: 'agent'; agentId: string };

/**
 * When a window is open, in the appliance's time zone (`--timezone`):
 * - `once`: from `startsAt` to `endsAt` (unix ms);
 * - `weekly`: on `days` (0 = Sunday … 6 = Saturday) from `start` to `end` ("HH:MM" local time;
 *   an end at or before the start ends the next day), so "Sunday 01:00–05:00" stays 01:00–05:00
 *   on the wall clock across a daylight-saving change;
 * - `cron`: opens at each time a five-field cron rule names ("0 2 * * 0") and lasts
 *   `durationMinutes`.
 */
export type MaintenanceSchedule =
  | { kind: 'once'; startsAt: number; endsAt: number }
  | { kind: 'weekly'; days: number[]; start: string; end: string }
  | { kind: 'cron'; cron: string; durationMinutes: number };

/** The body of POST /maintenance and PUT /maintenance/:id. */
export interface MaintenanceInput {
  scope: MaintenanceScope;
  schedule: MaintenanceSchedule;
  reason: string;
}

/** One opening of a window, unix ms. */
export interface MaintenanceSpan {
  startsAt: number;
  endsAt: number;
}

export interface MaintenanceWindow extends MaintenanceInput {
  id: string;
  /** the signed-in user who created or last changed it */
  author: string;
  createdAt: number;
  updatedAt: number;
  /** the opening in progress now, if any */
  current: MaintenanceSpan | null;
  /** the next opening after now (after the current one), if any */
  next: MaintenanceSpan | null;
}

/** GET /maintenance (?agentId= narrows to the windows covering that server and adds its current and next span). */
export interface MaintenanceListResponse {
  windows: MaintenanceWindow[];
  /** the appliance's IANA time zone (`--timezone`), in which weekly hours and cron rules are read */
  timeZone: string;
  /** with ?agentId=: the server's window open now (the one that ends last) and its next one */
  server?: {
    agentId: string;
    current: (MaintenanceSpan & { windowId: string }) | null;
    next: (MaintenanceSpan & { windowId: string }) | null;
    /** with ?from=&to= (unix ms) too: every opening over the server in that range, oldest first (a chart's bands) */
    spans?: (MaintenanceSpan & { windowId: string })[];
  };
}

export const MAINTENANCE_LIMITS = {
  /** windows kept in all */
  windows: 500,
  reasonChars: 200,
  cronChars: 100,
  /** the longest opening: a week (a longer one is a mute, or a removed server) */
  maxDurationMinutes: 7 * 24 * 60,
  /** a one-off window may be planned this far ahead */
  maxAheadMs: 366 * 24 * 3600_000,
  /** GET /maintenance?agentId=&from=&to=: the longest range asked for (a chart's longest, a year, and some) */
  spansRangeMs: 400 * 24 * 3600_000,
  /** … and the most openings answered for it (a cron rule every minute would otherwise be half a million) */
  spansPerRange: 2_000,
} as const;

/** GET /dependencies: what each server and group depends on (agent or check ids). */
export interface DependenciesResponse {
  servers: Record<string, string[]>;
  groups: Record<string, string[]>;
  /** the settle time after a parent recovers before its dependants still down are texted, ms */
  settleMs: number;
}

export const DEPENDENCY_LIMITS = {
  /** parents per server or group */
  parentsPerOwner: 20,
  /** the longest chain of dependencies followed (a deeper one is refused like a cycle) */
  maxDepth: 16,
} as const;
