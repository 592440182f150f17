// HTTP API types of the process and user history (S18; docs/api.md `GET /agents/:id/top-history`):
// the agents' top processes and top users (`x.top` snapshots) and the count of their current
// visitors (`x.visitors`, S15), kept per minute on the appliance. No runtime dependency beyond
// constants, so the browser bundle can import it.

export const TOP_HISTORY_BY = ['cpu', 'memory'] as const;
export type TopHistoryBy = (typeof TOP_HISTORY_BY)[number];

/** The stated bounds of the history (docs/bounds.md "Process and user history"). */
export const TOP_HISTORY_LIMITS = {
  /** one row per agent and minute: the snapshots of a minute are averaged into it */
  stepS: 60,
  /** processes kept per list (CPU, memory) and users per row, the highest means of the minute */
  perList: 10,
  /** rows older than this are pruned (hourly) */
  retentionS: 7 * 86_400,
  /** rows kept per agent at most, the newest: a week of minutes */
  maxRowsPerAgent: 7 * 1440,
  /** lines (processes, users) in one answer */
  maxLines: 20,
  defaultLines: 8,
  /** time points in one answer */
  maxPoints: 2000,
  defaultPoints: 720,
  /** a `process` or `user` filter */
  maxNameChars: 256,
} as const;

/** One line of a chart: a process (its name and account) or a user; null = no row for that time. */
export interface TopHistoryLine {
  /** the process's name (comm); absent on a user's line */
  name?: string;
  user: string;
  values: (number | null)[];
}

/**
 * GET /api/v1/agents/:id/top-history?from=&to=&by=cpu|memory&lines=&points=&process=&user=
 * Columnar like the series: `t` holds each point's start (unix s); every line has one value per
 * point, the mean over the minutes in it (0 in a minute the line was not among the top ones, null
 * in a point with no minute stored); the points end at the newest minute stored.
 */
export interface TopHistoryResponse {
  agentId: string;
  by: TopHistoryBy;
  from: number;
  to: number;
  /** seconds per point (a multiple of TOP_HISTORY_LIMITS.stepS) */
  stepS: number;
  t: number[];
  /** by cpu: % of one CPU (above 100 for a multi-threaded process); by memory: % of RAM */
  processes: TopHistoryLine[];
  /** by cpu: % of one CPU, summed over the account's processes; by memory: resident bytes, summed */
  users: TopHistoryLine[];
  /** client connections to the server's listening ports (S15) and distinct client addresses */
  visitors: { connections: (number | null)[]; addresses: (number | null)[] };
}
