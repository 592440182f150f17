// The process and user history's answer (S18), pure: stored minutes → chart lines. The range is
// cut into at most `points` equal steps (whole minutes); a point is the mean of the minutes in it,
// a line's value in a minute that did not list it is 0 (it was not among the top ones), a point
// with no minute at all is null (no data: a gap). The `lines` lines with the highest sum over the
// range are kept, highest first. The answer ends at the newest minute stored.
import { TOP_HISTORY_LIMITS, type TopHistoryBy, type TopHistoryLine, type TopHistoryResponse } from '../../contract/top-history-api.js';
import type { StoredMinute } from './top-history-repository.js';

export interface TopHistoryQuery {
  by: TopHistoryBy;
  from: number;
  to: number;
  points: number;
  lines: number;
  /** only processes of this name (every account) */
  process?: string;
  /** only this user's line, and only processes of this account */
  user?: string;
}

interface Accumulator {
  name?: string;
  user: string;
  /** per point: sum over its minutes */
  sums: number[];
  total: number;
}

const KEY_SEPARATOR = '\0';

export function topHistorySeries(agentId: string, minutes: readonly StoredMinute[], q: TopHistoryQuery): TopHistoryResponse {
  const minute = TOP_HISTORY_LIMITS.stepS;
  const start = q.from - (q.from % minute);
  const span = Math.max(minute, q.to - start);
  const stepS = Math.ceil(span / q.points / minute) * minute;
  const count = Math.ceil(span / stepS);
  const t = Array.from({ length: count }, (_, i) => start + i * stepS);
  const rowsIn = new Array<number>(count).fill(0);
  const visitorRows = new Array<number>(count).fill(0);
  const connections = new Array<number>(count).fill(0);
  const addresses = new Array<number>(count).fill(0);
  const processes = new Map<string, Accumulator>();
  const users = new Map<string, Accumulator>();
  const add = (lines: Map<string, Accumulator>, key: string, line: Omit<Accumulator, 'sums' | 'total'>, at: number, value: number): void => {
    let acc = lines.get(key);
    if (!acc) {
      acc = { ...line, sums: new Array<number>(count).fill(0), total: 0 };
      lines.set(key, acc);
    }
    acc.sums[at] = (acc.sums[at] ?? 0) + value;
    acc.total += value;
  };

  for (const { t: rowT, data } of minutes) {
    const at = Math.floor((rowT - start) / stepS);
    if (at < 0 || at >= count) continue;
    rowsIn[at] = (rowsIn[at] ?? 0) + 1;
    const list = q.by === 'cpu' ? data.c : data.m;
    for (const [name, user, value] of list ?? []) {
      if (q.process !== undefined && name !== q.process) continue;
      if (q.user !== undefined && user !== q.user) continue;
      add(processes, `${name}${KEY_SEPARATOR}${user}`, { name, user }, at, value);
    }
    for (const [user, cpu, memory] of data.u ?? []) {
      if (q.user !== undefined && user !== q.user) continue;
      add(users, user, { user }, at, q.by === 'cpu' ? cpu : memory);
    }
    if (data.v) {
      visitorRows[at] = (visitorRows[at] ?? 0) + 1;
      connections[at] = (connections[at] ?? 0) + data.v[0];
      addresses[at] = (addresses[at] ?? 0) + data.v[1];
    }
  }

  const mean = (sums: readonly number[], rows: readonly number[], digits: number): (number | null)[] =>
    sums.map((sum, i) => {
      const n = rows[i] ?? 0;
      return n === 0 ? null : Number((sum / n).toFixed(digits));
    });
  // points after the newest minute stored are left out (the minute in progress, the rest of the
  // range): a chart's legend shows its newest point, which must be a value, not a gap
  let kept = count;
  while (kept > 0 && (rowsIn[kept - 1] ?? 0) === 0) kept--;
  const cut = <T>(list: T[]): T[] => list.slice(0, kept);
  const digits = q.by === 'memory' ? 0 : 2;
  const toLines = (lines: Map<string, Accumulator>, lineDigits: number): TopHistoryLine[] =>
    [...lines.values()]
      .sort((a, b) => b.total - a.total || `${a.name ?? ''}${a.user}`.localeCompare(`${b.name ?? ''}${b.user}`))
      .slice(0, q.lines)
      .map((acc) => ({ ...(acc.name !== undefined ? { name: acc.name } : {}), user: acc.user, values: cut(mean(acc.sums, rowsIn, lineDigits)) }));

  return {
    agentId, by: q.by, from: q.from, to: q.to, stepS, t: cut(t),
    // processes' memory is a % of RAM (2 decimals); users' memory is bytes (whole)
    processes: toLines(processes, 2),
    users: toLines(users, digits),
    visitors: { connections: cut(mean(connections, visitorRows, 2)), addresses: cut(mean(addresses, visitorRows, 2)) },
  };
}
