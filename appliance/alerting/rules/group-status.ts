// Server and group status (S8), pure: a server's health is its worst active alert; a group's is
// its worst member's; the server list filters by connection status and by severity.
import type { AgentSummary } from '../../../contract/api.js';
import type { AgentStatus } from '../../../contract/agent-status.js';
import type { Alert } from '../../../contract/alerting.js';

import { HEALTH_LEVELS, type HealthLevel, type ServerHealth, type Group, type GroupHealth } from '../../../contract/alerting.js';
import { healthRank } from '../../../contract/alerting.js';

export function worseLevel(a: HealthLevel, b: HealthLevel): HealthLevel {
  return healthRank(b) > healthRank(a) ? b : a;
}

/** offline is worse than unknown, which is worse than online */
const STATUS_RANK: Record<AgentStatus, number> = { online: 0, unknown: 1, offline: 2 };

export function worseStatus(a: AgentStatus, b: AgentStatus): AgentStatus {
  return STATUS_RANK[b] > STATUS_RANK[a] ? b : a;
}

/** One row per agent, from the registry's list and the open alerts. */
export function serverHealth(agents: readonly Pick<AgentSummary, 'id' | 'hostname' | 'status'>[], openAlerts: readonly Alert[]): ServerHealth[] {
  const rows = new Map<string, ServerHealth>();
  for (const agent of agents) {
    rows.set(agent.id, { agentId: agent.id, hostname: agent.hostname, status: agent.status, level: 'ok', firing: 0, acknowledged: 0, pending: 0 });
  }
  for (const alert of openAlerts) {
    const row = rows.get(alert.agentId);
    if (!row) continue;
    switch (alert.state) {
      case 'pending':
        row.pending++;
        break;
      case 'firing':
        row.firing++;
        row.level = worseLevel(row.level, alert.severity);
        break;
      case 'acknowledged':
        row.acknowledged++;
        row.level = worseLevel(row.level, alert.severity);
        break;
      case 'resolved':
        break;
    }
  }
  return [...rows.values()];
}

export function groupHealth(group: Group, servers: readonly ServerHealth[]): GroupHealth {
  const members = new Set(group.memberIds);
  const byLevel = Object.fromEntries(HEALTH_LEVELS.map((l) => [l, 0])) as Record<HealthLevel, number>;
  let level: HealthLevel = 'ok';
  let status: AgentStatus | null = null;
  let count = 0;
  let offline = 0;
  for (const server of servers) {
    if (!members.has(server.agentId)) continue;
    count++;
    byLevel[server.level]++;
    level = worseLevel(level, server.level);
    status = status === null ? server.status : worseStatus(status, server.status);
    if (server.status === 'offline') offline++;
  }
  return { groupId: group.id, name: group.name, level, status: status ?? 'unknown', members: count, byLevel, offline };
}

export interface ServerFilter {
  /** keep servers whose connection status is one of these */
  statuses?: readonly AgentStatus[];
  /** keep servers whose level is one of these */
  levels?: readonly HealthLevel[];
  /** keep servers at this level or worse */
  minLevel?: HealthLevel;
  /** keep members of this group only */
  group?: Pick<Group, 'memberIds'>;
  /** keep servers whose host name contains this (case-insensitive) */
  text?: string;
}

/** The server list's filter (S8). An empty filter keeps everything. */
export function filterServers(servers: readonly ServerHealth[], filter: ServerFilter): ServerHealth[] {
  const members = filter.group ? new Set(filter.group.memberIds) : null;
  const text = filter.text?.trim().toLowerCase() ?? '';
  return servers.filter(
    (s) =>
      (!filter.statuses || filter.statuses.includes(s.status)) &&
      (!filter.levels || filter.levels.includes(s.level)) &&
      (filter.minLevel === undefined || healthRank(s.level) >= healthRank(filter.minLevel)) &&
      (!members || members.has(s.agentId)) &&
      (!text || s.hostname.toLowerCase().includes(text)),
  );
}

/** Worst first, then offline first, then by host name: the order an operator triages in. */
export function sortWorstFirst(servers: readonly ServerHealth[]): ServerHealth[] {
  return [...servers].sort(
    (a, b) =>
      healthRank(b.level) - healthRank(a.level) ||
      STATUS_RANK[b.status] - STATUS_RANK[a.status] ||
      a.hostname.localeCompare(b.hostname),
  );
}
