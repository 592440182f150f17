// Pure logic of the walls (S9) and the schematic view (S21): where a wall is in the page's
// address, the grid that fills the screen with a wall's panels, which server and series each
// panel shows, the editor's panels (servers × families), and the schematic's racks, unit rows and
// group sections. No DOM, no fetch: tested without a browser.
import type { Group } from '../../contract/alerts-api.js';
import type { Family } from '../../contract/families.js';
import type { Placement, Rack, SchematicLayout, Wall, WallFamily, WallPanel, WallRange } from '../../contract/walls-api.js';
import { WALL_FAMILIES } from '../../contract/walls-limits.js';
import type { AgentRow } from './agents-store.js';
import { isChartedInterface } from './metric-fields.js';

// --- the address ------------------------------------------------------------------------------------

/** What the hash says of walls: `#view=walls&wall=<name>` shows one, `&edit=1` edits it, `&new=1` makes one. */
export interface WallAddress {
  wall: string | null;
  edit: boolean;
  create: boolean;
}

export function wallAddressFromHash(hash: string): WallAddress {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const wall = p.get('wall');
  return { wall: wall === null || wall.trim() === '' ? null : wall, edit: p.get('edit') === '1', create: p.get('new') === '1' };
}

/** The hash of the walls view at `a` (the view parameter set, everything else of the hash dropped). */
export function hashOfWall(a: Partial<WallAddress>): string {
  const p = new URLSearchParams({ view: 'walls' });
  if (a.wall) p.set('wall', a.wall);
  if (a.edit) p.set('edit', '1');
  if (a.create) p.set('new', '1');
  return `#${p.toString().replace(/\+/g, '%20')}`;
}

/** The address a TV opens: the wall alone, no navigation. */
export function kioskUrlOf(base: string, wallName: string): string {
  return `${base}?kiosk=1${hashOfWall({ wall: wallName })}`;
}

// --- the grid ---------------------------------------------------------------------------------------

/** A chart is easiest read about 1.6 times as wide as tall. */
const PANEL_ASPECT = 1.6;

/**
 * Columns and rows for `n` panels in a w×h box: the layout whose panels are the largest at the
 * readable aspect (a panel's width and height both count, whichever runs out first), or the
 * wall's own column count.
 */
export function gridFor(n: number, w: number, h: number, fixedColumns: number | null = null): { columns: number; rows: number } {
  if (n <= 0) return { columns: 1, rows: 1 };
  if (fixedColumns !== null) return { columns: Math.min(fixedColumns, n), rows: Math.ceil(n / Math.min(fixedColumns, n)) };
  let best = { columns: 1, rows: n, size: -1 };
  for (let c = 1; c <= n; c++) {
    const rows = Math.ceil(n / c);
    const size = Math.min(w / c / PANEL_ASPECT, h / rows);
    if (size > best.size + 1e-9) best = { columns: c, rows, size };
  }
  return { columns: best.columns, rows: best.rows };
}

// --- panels -----------------------------------------------------------------------------------------

export const WALL_RANGE_S: Record<Exclude<WallRange, 'live'>, number> = {
  '1h': 3600, '1d': 86_400, '1w': 7 * 86_400, '1m': 30 * 86_400, '1y': 365 * 86_400,
};

/** The server a panel names: host names are compared as DNS compares them, without letter case. */
export function rowOfHost<R extends AgentRow>(rows: readonly R[], host: string): R | undefined {
  const h = host.toLowerCase();
  return rows.find((r) => r.hostname.toLowerCase() === h);
}

/** Which stored series a wall family reads: a keyed one needs its key from the server's latest figures. */
export function seriesOfPanel(family: WallFamily): Family {
  switch (family) {
    case 'cpu':
      return 'cpu';
    case 'memory':
      return 'memory';
    case 'disk':
      return 'fs';
    case 'network':
      return 'net';
    case 'load':
      return 'load';
  }
}

/** The key of a keyed panel: the fullest filesystem, or the busiest interface (not loopback); null while unknown. */
export function panelKey(family: WallFamily, row: AgentRow | undefined): string | null {
  if (family === 'disk') return row?.diskMount ?? null;
  if (family !== 'network') return null;
  let best: [string, number] | null = null;
  for (const [name, [rx, tx]] of Object.entries(row?.netByIface ?? {})) {
    if (isChartedInterface(name) && (best === null || rx + tx > best[1])) best = [name, rx + tx];
  }
  return best?.[0] ?? null;
}

/** The editor's panels: every chosen server with every chosen family, server by server. */
export function panelsOf(hosts: readonly string[], families: readonly WallFamily[]): WallPanel[] {
  const ordered = WALL_FAMILIES.filter((f) => families.includes(f));
  return hosts.flatMap((host) => ordered.map((family) => ({ host, family })));
}

/** The editor's choice read back from a wall: its servers in order and its families. */
export function choiceOf(panels: readonly WallPanel[]): { hosts: string[]; families: WallFamily[] } {
  return {
    hosts: [...new Set(panels.map((p) => p.host))],
    families: WALL_FAMILIES.filter((f) => panels.some((p) => p.family === f)),
  };
}

/** The host names of a group's members, as a wall names them. */
export function hostsOfGroup(group: Group | undefined, rows: readonly AgentRow[]): string[] {
  const ids = new Set(group?.memberIds ?? []);
  return rows.filter((r) => ids.has(r.id)).map((r) => r.hostname);
}

// --- the schematic ----------------------------------------------------------------------------------

export interface RackSlot {
  /** the lowest unit this slot covers */
  unit: number;
  height: number;
  /** the server standing there, or null: an empty unit */
  agentId: string | null;
}

/** A rack's rows from the top down: each server once over its height, each empty unit on its own. */
export function rackSlots(rack: Rack, placements: readonly Placement[]): RackSlot[] {
  const mine = placements.filter((p) => p.rack === rack.name);
  const byTop = new Map(mine.map((p) => [p.unit + p.height - 1, p]));
  const out: RackSlot[] = [];
  for (let u = rack.units; u >= 1; ) {
    const p = byTop.get(u);
    if (p && p.unit >= 1) {
      out.push({ unit: p.unit, height: p.height, agentId: p.agentId });
      u = p.unit - 1;
    } else {
      out.push({ unit: u, height: 1, agentId: null });
      u -= 1;
    }
  }
  return out;
}

/** Servers not in a rack, drawn by group (a server in two groups in both); the rest under `null`. */
export function unrackedByGroup<R extends AgentRow>(rows: readonly R[], layout: SchematicLayout, groups: readonly Group[]): { group: Group | null; rows: R[] }[] {
  const racked = new Set(layout.placements.map((p) => p.agentId));
  const free = rows.filter((r) => !racked.has(r.id));
  const sections = groups
    .map((g) => ({ group: g, rows: free.filter((r) => g.memberIds.includes(r.id)) }))
    .filter((s) => s.rows.length > 0);
  const grouped = new Set(groups.flatMap((g) => g.memberIds));
  const rest = free.filter((r) => !grouped.has(r.id));
  return rest.length > 0 ? [...sections, { group: null, rows: rest }] : sections;
}

/** The layout with one server moved (to a rack and unit), or taken out of the racks (rack null). */
export function placeServer(layout: SchematicLayout, agentId: string, rack: string | null, unit: number, height = 1): SchematicLayout {
  const others = layout.placements.filter((p) => p.agentId !== agentId);
  return { ...layout, placements: rack === null ? others : [...others, { agentId, rack, unit, height }] };
}

/** The lowest unit of `rack` where a server of `height` units fits, leaving `agentId` itself out; 1 when the rack is full. */
export function firstFreeUnit(layout: SchematicLayout, rack: string, height: number, agentId: string): number {
  const units = layout.racks.find((r) => r.name === rack)?.units ?? 1;
  const taken = new Set(layout.placements.filter((p) => p.rack === rack && p.agentId !== agentId).flatMap((p) => Array.from({ length: p.height }, (_, i) => p.unit + i)));
  for (let u = 1; u + height - 1 <= units; u++) {
    if (Array.from({ length: height }, (_, i) => u + i).every((x) => !taken.has(x))) return u;
  }
  return 1;
}

/** The layout without a rack (its servers go back to their groups). */
export function removeRack(layout: SchematicLayout, name: string): SchematicLayout {
  return { racks: layout.racks.filter((r) => r.name !== name), placements: layout.placements.filter((p) => p.rack !== name) };
}

/**
 * Dependency edges between servers (S21, B10: "a failing switch and everything behind it"): from
 * each dependant to each parent that is a server on the map, a server's own dependencies and
 * those of its groups ("every member depends on …") alike, each pair once. Parents that are
 * checks have no tile and draw no line. Sorted, so the drawing is stable.
 */
export function schematicEdges(
  deps: { servers: Readonly<Record<string, readonly string[]>>; groups: Readonly<Record<string, readonly string[]>> } | null,
  shown: ReadonlySet<string>,
  groups: readonly Group[],
): { from: string; to: string }[] {
  if (!deps) return [];
  const pairs = new Set<string>();
  const add = (from: string, parents: readonly string[]): void => {
    if (!shown.has(from)) return;
    for (const to of parents) if (to !== from && shown.has(to)) pairs.add(`${from}\n${to}`);
  };
  for (const [id, parents] of Object.entries(deps.servers)) add(id, parents);
  for (const g of groups) {
    const parents = deps.groups[g.id];
    if (parents) for (const m of g.memberIds) add(m, parents);
  }
  return [...pairs].sort().map((p) => {
    const [from = '', to = ''] = p.split('\n');
    return { from, to };
  });
}

/** A saved wall by name (letter case aside, as addresses are typed) or id. */
export function findWall(walls: readonly Wall[] | null, name: string): Wall | undefined {
  const n = name.toLowerCase();
  return walls?.find((w) => w.name.toLowerCase() === n || w.id === name);
}
