// Merging top-K tables (S11): each interval brings a Space-Saving summary per dimension (the
// agent's top entries, contract/weblog.ts), and the appliance merges them into hour, day and week
// tables of bounded size. The merge keeps Space-Saving's guarantees (Agarwal et al., "Mergeable
// Summaries", PODS 2012): a count is an upper bound of the key's true count, count − error a lower
// bound. A table carries its `floor`: the upper bound of any key it does not list (0 when it lists
// every key it was given). A key missing from one side may have had up to that side's floor, so
// it gains the floor on its count and on its error. Pure: no I/O.
import type { WeblogTopEntry } from '../../contract/weblog.js';

export interface TopTable {
  /** at most the keep bound, largest count first */
  entries: WeblogTopEntry[];
  /** upper bound of the count of any key not in `entries` */
  floor: number;
}

export const EMPTY_TOP: TopTable = { entries: [], floor: 0 };

/**
 * An interval's list as a table: when the agent sent a full list (`sentMax` entries) keys beyond
 * it may have had up to its smallest count; a shorter list held every key it counted.
 */
export function intervalTable(entries: readonly WeblogTopEntry[], sentMax: number): TopTable {
  const sorted = [...entries].sort(byCount);
  const floor = sorted.length >= sentMax ? (sorted[sorted.length - 1]?.count ?? 0) : 0;
  return { entries: sorted, floor };
}

/** `a` and `b` merged, the `keep` largest counts kept; the largest dropped count raises the floor. */
export function mergeTop(a: TopTable, b: TopTable, keep: number): TopTable {
  const merged = new Map<string, WeblogTopEntry>();
  for (const e of a.entries) merged.set(e.key, { key: e.key, count: e.count + b.floor, error: e.error + b.floor });
  for (const e of b.entries) {
    const had = merged.get(e.key);
    if (had) merged.set(e.key, { key: e.key, count: had.count - b.floor + e.count, error: had.error - b.floor + e.error });
    else merged.set(e.key, { key: e.key, count: e.count + a.floor, error: e.error + a.floor });
  }
  const all = [...merged.values()].sort(byCount);
  let floor = a.floor + b.floor;
  for (let i = keep; i < all.length; i++) floor = Math.max(floor, all[i]?.count ?? 0);
  return { entries: all.slice(0, keep), floor };
}

/** Largest count first; ties by key, so that a table reads the same every time. */
function byCount(x: WeblogTopEntry, y: WeblogTopEntry): number {
  return y.count - x.count || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0);
}

/** Exact counts (status codes) as a table: every key listed, no error. */
export function exactTable(counts: Readonly<Record<string, number>>): TopTable {
  return { entries: Object.entries(counts).map(([key, count]) => ({ key, count, error: 0 })).sort(byCount), floor: 0 };
}
