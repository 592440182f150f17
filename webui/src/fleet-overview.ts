// Pure logic of the fleet overview (S8, S9): each server's worst open alert, its groups, the
// table's sorting and filters, the tile wall's colour and the kiosk's pages. No DOM, no fetch:
// tested without a browser.
import type { AgentStatus } from '../../contract/agent-status.js';
import type { Alert, Group, HealthLevel } from '../../contract/alerts-api.js';
import { healthRank } from '../../contract/alerting.js';
import type { AgentRow } from './agents-store.js';
import { namesMatch, serverLabel } from './server-label.js';

export interface OverviewRow extends AgentRow {
  /** the worst firing or acknowledged alert's severity, 'ok' without one (as GET /servers) */
  level: HealthLevel;
  /** names of the groups the server is in, A to Z */
  groups: readonly string[];
}

/** The worst level per server of the open alerts: firing and acknowledged ones count, pending ones not yet. */
export function worstLevels(openAlerts: readonly Alert[]): Map<string, HealthLevel> {
  const out = new Map<string, HealthLevel>();
  for (const a of openAlerts) {
    if (a.state !== 'firing' && a.state !== 'acknowledged') continue;
    const was = out.get(a.agentId) ?? 'ok';
    if (healthRank(a.severity) > healthRank(was)) out.set(a.agentId, a.severity);
  }
  return out;
}

export function overviewRows(agents: readonly AgentRow[], openAlerts: readonly Alert[], groups: readonly Group[]): OverviewRow[] {
  const levels = worstLevels(openAlerts);
  const groupNames = new Map<string, string[]>();
  for (const g of groups) for (const id of g.memberIds) groupNames.set(id, [...(groupNames.get(id) ?? []), g.name]);
  return agents.map((a) => ({ ...a, level: levels.get(a.id) ?? 'ok', groups: (groupNames.get(a.id) ?? []).sort((x, y) => x.localeCompare(y)) }));
}

export const SORT_KEYS = ['host', 'group', 'status', 'cpu', 'mem', 'disk', 'netIn', 'netOut', 'load'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface OverviewSort {
  key: SortKey;
  descending: boolean;
}

/** Figures and the status read best worst or largest first; names A to Z. */
export function nextOverviewSort(current: OverviewSort, key: SortKey): OverviewSort {
  return current.key === key ? { key, descending: !current.descending } : { key, descending: key !== 'host' && key !== 'group' };
}

/** offline is worse than unknown, which is worse than online */
const STATUS_RANK: Record<AgentStatus, number> = { online: 0, unknown: 1, offline: 2 };

/** How bad a server looks: its worst alert first, then its connection. */
export function badness(r: Pick<OverviewRow, 'level' | 'status'>): number {
  return healthRank(r.level) * 10 + STATUS_RANK[r.status];
}

function sortValue(r: OverviewRow, key: SortKey): number | string | null {
  switch (key) {
    case 'host':
      return serverLabel(r);
    case 'group':
      return r.groups[0] ?? null;
    case 'status':
      return badness(r);
    case 'cpu':
      return r.cpuPct;
    case 'mem':
      return r.memPct;
    case 'disk':
      return r.diskPct ?? null;
    case 'netIn':
      return r.netInBps ?? null;
    case 'netOut':
      return r.netOutBps ?? null;
    case 'load':
      return r.load1 ?? null;
  }
}

/** Sorted by `sort`; servers without the figure last either way, ties by host name. */
export function sortOverview(rows: readonly OverviewRow[], sort: OverviewSort): OverviewRow[] {
  const byHost = (a: OverviewRow, b: OverviewRow): number => serverLabel(a).localeCompare(serverLabel(b), undefined, { numeric: true }) || a.id.localeCompare(b.id);
  return [...rows].sort((a, b) => {
    const va = sortValue(a, sort.key);
    const vb = sortValue(b, sort.key);
    if (va === null || vb === null) return va === vb ? byHost(a, b) : va === null ? 1 : -1;
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb), undefined, { numeric: true });
    return (sort.descending ? -c : c) || byHost(a, b);
  });
}

export interface OverviewFilter {
  status: 'all' | AgentStatus;
  /** 'all', or servers whose worst alert is exactly this level */
  level: 'all' | HealthLevel;
  /** 'all', or a group's id */
  group: string;
  text: string;
}

export const NO_FILTER: OverviewFilter = { status: 'all', level: 'all', group: 'all', text: '' };

export function filterOverview(rows: readonly OverviewRow[], f: OverviewFilter, groups: readonly Group[]): OverviewRow[] {
  const members = f.group === 'all' ? null : new Set(groups.find((g) => g.id === f.group)?.memberIds ?? []);
  const needle = f.text.trim().toLowerCase();
  return rows.filter(
    (r) =>
      (f.status === 'all' || r.status === f.status) &&
      (f.level === 'all' || r.level === f.level) &&
      (members === null || members.has(r.id)) &&
      (needle === '' || namesMatch(r, needle) || (r.address ?? '').toLowerCase().includes(needle) || r.groups.some((g) => g.toLowerCase().includes(needle))),
  );
}

/** A tile's colour: a silent server is offline whatever its alerts say; else its worst alert. */
export function tileTone(r: Pick<OverviewRow, 'level' | 'status'>): 'offline' | 'unknown' | HealthLevel {
  if (r.status === 'offline') return 'offline';
  if (r.level !== 'ok') return r.level;
  return r.status === 'unknown' ? 'unknown' : 'ok';
}

/** The kiosk's pages: one per group with members, else one of every server. */
export function kioskPages(groups: readonly Group[]): { id: string; name: string | null; memberIds: ReadonlySet<string> | null }[] {
  const pages = groups.filter((g) => g.memberIds.length > 0).map((g) => ({ id: g.id, name: g.name, memberIds: new Set(g.memberIds) }));
  return pages.length > 0 ? pages : [{ id: 'all', name: null, memberIds: null }];
}

/** Points of an SVG polyline for a 0–100 % series in a w×h box (newest at the right). */
export function sparklinePoints(values: readonly number[], w: number, h: number): string {
  if (values.length < 2) return '';
  const step = w / (values.length - 1);
  return values.map((v, i) => `${(i * step).toFixed(1)},${(h - (Math.min(100, Math.max(0, v)) / 100) * h).toFixed(1)}`).join(' ');
}
