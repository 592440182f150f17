// The process and user history (S18), pure: an agent's snapshots of one minute (`x.top` every
// few seconds, `x.visitors` every 30 s) are averaged into one row for that minute, so the history
// holds one row per agent and minute however often the agent samples. Within a minute, a process
// is "name (user)": the top lists name pids, and a pid is gone at the next restart, while a name
// stays meaningful for a week; several pids of one name and account in one list add up. A
// process absent from a snapshot's list counts as 0 in the mean: it was not among the top ones.
// Only the TOP_HISTORY_LIMITS.perList highest means of each list are kept. No I/O.
import type { Snapshot } from '../../contract/metrics.js';
import { TOP_HISTORY_LIMITS } from '../../contract/top-history-api.js';

/** What one row keeps (stored as JSON, short keys: a week of minutes per agent). */
export interface TopMinuteData {
  /** processes by CPU: [name, user, mean % of one CPU] */
  c?: [string, string, number][];
  /** processes by memory: [name, user, mean % of RAM] */
  m?: [string, string, number][];
  /** users: [user, mean CPU % (summed over the account), mean resident bytes] */
  u?: [string, number, number][];
  /** visitors: [mean current connections, mean distinct client addresses] */
  v?: [number, number];
}

export interface TopMinuteRow {
  agentId: string;
  /** the minute's start, unix s */
  t: number;
  data: TopMinuteData;
}

type Sums = Map<string, number>;

interface OpenMinute {
  t: number;
  topSnapshots: number;
  cpu: Sums;
  memory: Sums;
  usersSnapshots: number;
  userCpu: Sums;
  userMemory: Sums;
  visitorSnapshots: number;
  connections: number;
  addresses: number;
  /** changed since it was last handed out for writing */
  dirty: boolean;
  /** appliance ms of its latest snapshot: a minute no agent adds to any more is let go */
  touchedMs: number;
}

const KEY_SEPARATOR = '\0';

function addTo(sums: Sums, key: string, value: number): void {
  sums.set(key, (sums.get(key) ?? 0) + value);
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** The `perList` highest means, highest first (ties by key, so a row is the same however built). */
function highest(sums: Sums, count: number): [string, number][] {
  return [...sums.entries()]
    .map(([key, sum]): [string, number] => [key, sum / count])
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, TOP_HISTORY_LIMITS.perList);
}

function processList(sums: Sums, count: number): [string, string, number][] {
  return highest(sums, count).map(([key, mean]) => {
    const [name = '', user = ''] = key.split(KEY_SEPARATOR);
    return [name, user, round(mean, 2)];
  });
}

export function minuteData(m: OpenMinute): TopMinuteData {
  const data: TopMinuteData = {};
  if (m.topSnapshots > 0) {
    data.c = processList(m.cpu, m.topSnapshots);
    data.m = processList(m.memory, m.topSnapshots);
  }
  if (m.usersSnapshots > 0) {
    // the users of the minute: the highest by mean CPU, then by mean memory, each once
    const byCpu = highest(m.userCpu, m.usersSnapshots).map(([user]) => user);
    const byMemory = highest(m.userMemory, m.usersSnapshots).map(([user]) => user);
    const chosen = [...new Set([...byCpu, ...byMemory])].slice(0, TOP_HISTORY_LIMITS.perList);
    data.u = chosen.map((user) => [user, round((m.userCpu.get(user) ?? 0) / m.usersSnapshots, 2), Math.round((m.userMemory.get(user) ?? 0) / m.usersSnapshots)]);
  }
  if (m.visitorSnapshots > 0) data.v = [round(m.connections / m.visitorSnapshots, 2), round(m.addresses / m.visitorSnapshots, 2)];
  return data;
}

const minuteOf = (t: number): number => t - (t % TOP_HISTORY_LIMITS.stepS);

/**
 * The open minute of every agent. A snapshot of another minute closes the open one (handed out
 * for writing) and opens its own; a snapshot of an older minute (a batch the agent re-sends from
 * its disk queue) does the same: its row replaces any stored row of that minute.
 */
export class TopMinutes {
  private readonly open = new Map<string, OpenMinute>();
  private closed: TopMinuteRow[] = [];

  /** rows waiting: closed minutes and open minutes changed since the last drain */
  get pendingCount(): number {
    let n = this.closed.length;
    for (const m of this.open.values()) if (m.dirty) n++;
    return n;
  }

  observe(agentId: string, snapshot: Snapshot, nowMs: number): void {
    const { top, visitors } = snapshot;
    if (!top && !visitors) return;
    const t = minuteOf(snapshot.t);
    let m = this.open.get(agentId);
    if (m && m.t !== t) {
      if (m.dirty) this.closed.push({ agentId, t: m.t, data: minuteData(m) });
      m = undefined;
    }
    if (!m) {
      m = {
        t, topSnapshots: 0, cpu: new Map(), memory: new Map(), usersSnapshots: 0, userCpu: new Map(), userMemory: new Map(),
        visitorSnapshots: 0, connections: 0, addresses: 0, dirty: false, touchedMs: nowMs,
      };
      this.open.set(agentId, m);
    }
    m.dirty = true;
    m.touchedMs = nowMs;
    if (top) {
      m.topSnapshots++;
      for (const p of top.cpu) addTo(m.cpu, `${p.name}${KEY_SEPARATOR}${p.user}`, p.value);
      for (const p of top.memory) addTo(m.memory, `${p.name}${KEY_SEPARATOR}${p.user}`, p.value);
      if (top.users) {
        m.usersSnapshots++;
        for (const u of top.users) {
          addTo(m.userCpu, u.user, u.cpu);
          addTo(m.userMemory, u.user, u.memory);
        }
      }
    }
    if (visitors) {
      m.visitorSnapshots++;
      m.connections += visitors.length;
      m.addresses += new Set(visitors.map((v) => v.remote)).size;
    }
  }

  /**
   * The rows to write: every closed minute and the open ones as they are so far (written again,
   * replacing, once more of their minute arrives). Open minutes untouched for `idleMs` are let go.
   */
  drain(nowMs: number, idleMs: number): TopMinuteRow[] {
    const out = this.closed;
    this.closed = [];
    for (const [agentId, m] of this.open) {
      if (m.dirty) {
        out.push({ agentId, t: m.t, data: minuteData(m) });
        m.dirty = false;
      } else if (nowMs - m.touchedMs >= idleMs) {
        this.open.delete(agentId);
      }
    }
    return out;
  }

  /** Rows whose write failed: written at the next drain (a newer row of the same minute wins). */
  restore(rows: readonly TopMinuteRow[]): void {
    this.closed = [...rows, ...this.closed];
  }

  forget(agentId: string): void {
    this.open.delete(agentId);
    this.closed = this.closed.filter((r) => r.agentId !== agentId);
  }
}
