// Per-account totals of the top-processes collector's pass over /proc (S18, the report's
// "특정 프로세스 및 사용자 추적분석": tracking processes and users): CPU % and resident memory
// summed by effective uid in the same loop that ranks the processes, so knowing the top users
// costs no second reading of /proc. Kernel threads are left out (they work for no account).
// Memory is the sum of resident sets, as `ps` would add it up: pages shared between processes of
// one user count once per process.
import type { Snapshot } from '../../contract/metrics.js';

export type TopUser = NonNullable<NonNullable<Snapshot['top']>['users']>[number];

/** Users listed per list (by CPU, by memory); a snapshot lists their union, at most twice this. */
export const TOP_USERS = 5;

const round2 = (value: number): number => Math.round(value * 100) / 100;

export class UserTotals {
  readonly #cpuPct = new Map<number, number>();
  readonly #rssBytes = new Map<number, number>();

  /** Starts a new pass. */
  clear(): void {
    this.#cpuPct.clear();
    this.#rssBytes.clear();
  }

  /** One process: `cpuPct` of one CPU since the last pass (0 when unknown), `rssBytes` resident now. */
  add(uid: number, cpuPct: number, rssBytes: number): void {
    if (uid < 0) return;
    if (cpuPct > 0) this.#cpuPct.set(uid, (this.#cpuPct.get(uid) ?? 0) + cpuPct);
    if (rssBytes > 0) this.#rssBytes.set(uid, (this.#rssBytes.get(uid) ?? 0) + rssBytes);
  }

  /**
   * The `count` users using the most CPU and the `count` using the most memory (one entry each,
   * with both figures), most CPU first; `nameOf` turns a uid into the account name.
   */
  top(nameOf: (uid: number) => string, count = TOP_USERS): TopUser[] {
    const highest = (m: Map<number, number>): number[] =>
      [...m.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, count).map(([uid]) => uid);
    const uids = new Set([...highest(this.#cpuPct), ...highest(this.#rssBytes)]);
    return [...uids]
      .map((uid) => ({ user: nameOf(uid).slice(0, 64), cpu: round2(this.#cpuPct.get(uid) ?? 0), memory: Math.round(this.#rssBytes.get(uid) ?? 0) }))
      // ties by name in code-unit order: localeCompare would load ICU's collation data into the
      // agent (~3 MB of RSS, docs/benchmarks.md "The agent's footprint") to order two account names
      .sort((a, b) => b.cpu - a.cpu || b.memory - a.memory || (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
  }
}
