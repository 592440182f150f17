// Visitor history (S15), pure: turns an agent's successive snapshots of current client
// connections into per-address records (first seen, last seen, connections, local ports) and
// gathers them until they are written. A snapshot lists connections as they are at one moment,
// so a connection is counted when its (remote, remotePort, localPort) was not in the agent's
// previous snapshot: a long-lived connection counts once, and a connection that opened and
// closed between two snapshots is not seen at all (the visitors collector's interval is the
// resolution). No I/O.
import type { Snapshot } from '../../contract/metrics.js';

export type VisitorEntry = NonNullable<Snapshot['visitors']>[number];

/** Local ports kept per record: a scanner touching every port must not grow a row without bound. */
export const MAX_PORTS_PER_VISITOR = 32;

export interface VisitorUpdate {
  agentId: string;
  remote: string;
  /** unix s */
  firstSeen: number;
  /** unix s */
  lastSeen: number;
  /** connections not seen before, to add to the stored count */
  connections: number;
  localPorts: Set<number>;
}

function connectionKey(v: VisitorEntry): string {
  return `${v.remote}\0${v.remotePort}\0${v.localPort}`;
}

/** `into` with `ports` added, at most MAX_PORTS_PER_VISITOR of them (the lowest are kept); use the returned set. */
export function mergePorts(into: Set<number>, ports: Iterable<number>): Set<number> {
  for (const p of ports) into.add(p);
  if (into.size <= MAX_PORTS_PER_VISITOR) return into;
  return new Set([...into].sort((a, b) => a - b).slice(0, MAX_PORTS_PER_VISITOR));
}

/**
 * The previous snapshot of every agent and the updates not yet written. One instance per
 * process: after a restart, the first snapshot of each agent counts its open connections again.
 */
export class VisitorTracker {
  /** per agent: the connections of its latest snapshot */
  private readonly previous = new Map<string, { t: number; keys: Set<string> }>();
  /** `${agentId}\0${remote}` → update waiting to be written */
  private pending = new Map<string, VisitorUpdate>();

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Takes one snapshot's visitor list, taken at unix second `t`. */
  observe(agentId: string, t: number, visitors: readonly VisitorEntry[]): void {
    const prev = this.previous.get(agentId);
    // a snapshot older than the one held (a re-sent batch) adds times, never connections twice
    const older = prev !== undefined && t < prev.t;
    const keys = new Set<string>();
    for (const v of visitors) {
      const key = connectionKey(v);
      if (keys.has(key)) continue;
      keys.add(key);
      const isNew = !older && !(prev?.keys.has(key) ?? false);
      const pendingKey = `${agentId}\0${v.remote}`;
      const u = this.pending.get(pendingKey);
      if (u) {
        u.firstSeen = Math.min(u.firstSeen, t);
        u.lastSeen = Math.max(u.lastSeen, t);
        if (isNew) u.connections++;
        u.localPorts = mergePorts(u.localPorts, [v.localPort]);
      } else {
        this.pending.set(pendingKey, { agentId, remote: v.remote, firstSeen: t, lastSeen: t, connections: isNew ? 1 : 0, localPorts: new Set([v.localPort]) });
      }
    }
    if (!older) this.previous.set(agentId, { t, keys });
  }

  /** The updates gathered since the last call, for one batched write. */
  drain(): VisitorUpdate[] {
    const out = [...this.pending.values()];
    this.pending = new Map();
    return out;
  }

  /** Puts updates back after a failed write, merged with anything gathered meanwhile. */
  restore(updates: readonly VisitorUpdate[]): void {
    for (const u of updates) {
      const key = `${u.agentId}\0${u.remote}`;
      const now = this.pending.get(key);
      if (!now) {
        this.pending.set(key, u);
        continue;
      }
      now.firstSeen = Math.min(now.firstSeen, u.firstSeen);
      now.lastSeen = Math.max(now.lastSeen, u.lastSeen);
      now.connections += u.connections;
      now.localPorts = mergePorts(now.localPorts, u.localPorts);
    }
  }

  /** A removed server: nothing of it is kept or written any more. */
  forget(agentId: string): void {
    this.previous.delete(agentId);
    for (const [key, u] of this.pending) if (u.agentId === agentId) this.pending.delete(key);
  }
}
