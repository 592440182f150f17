// Heavy hitters in bounded memory (S11): the Space-Saving algorithm (Metwally, Agrawal, El Abbadi,
// "Efficient computation of frequent and top-k elements in data streams", ICDT 2005). At most
// `capacity` keys are counted; a new key arriving when the table is full takes the place of a
// least counted one and inherits a count no key outside the table can exceed as its possible
// error. Error bound: after N offers, every reported count overestimates the true count by at most
// `error` ≤ N / capacity, and every key whose true count exceeds N / capacity is in the table.
//
// Offered in batches (`merge`: a batch's distinct keys with their exact counts), the way the
// agent counts a log (agent/weblog/weblog-aggregator.ts): the batch's new keys enter with
// `floor + count` (error `floor`), then the table keeps the `capacity` largest counts and drops
// the rest, once a batch. `floor` is the largest count ever dropped: every key outside the table
// was dropped with a count (an upper bound of its true count) at most `floor`, or never seen.
// Dropped counts are never more than the least one kept, and the kept counts sum to at most N,
// so `floor` ≤ N / capacity. A batch costs one index lookup a key and one native sort of the
// counts, where a min-heap cost an eviction (an index delete and insert and a walk down the heap)
// for nearly every key of a visitor's long tail, in V8's interpreter (the agent's CPU, B6,
// docs/benchmarks.md).

export interface HeavyHitter {
  key: string;
  /** an upper bound of the true count */
  count: number;
  /** count − error is a lower bound of the true count */
  error: number;
}

export class SpaceSaving {
  /** key → its slot in keys / counts / errors */
  private index = new Map<string, number>();
  private readonly keys: string[] = [];
  /**
   * Uint32Arrays, not Float64Arrays: V8's interpreter (the agent's, --no-opt) reads a Float64Array's
   * element into a new heap number each time, a few for each key of a merge. Counts are whole
   * numbers: an interval's lines, far below 2^32
   */
  private readonly counts: Uint32Array;
  private readonly errors: Uint32Array;
  /** the largest count dropped so far: no key outside the table has a true count above it */
  private floor = 0;
  /** a merge's new keys and their weights, and every candidate count (reused) */
  private readonly freshKeys: string[] = [];
  private freshWeights = new Uint32Array(0);
  private sorted = new Uint32Array(0);
  private readonly one: string[] = [''];
  private readonly oneWeight = new Uint32Array(1);
  /** every offer's weight summed (the N of the error bound) */
  total = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.counts = new Uint32Array(capacity);
    this.errors = new Uint32Array(capacity);
  }

  offer(key: string, weight = 1): void {
    this.one[0] = key;
    this.oneWeight[0] = weight;
    this.merge(this.one, this.oneWeight, 1);
  }

  /**
   * Counts the first `n` of `keys` (distinct) with `weights` (whole numbers), then keeps the
   * `capacity` most counted. `onNew` sees the keys that were not in the table, all at once (the
   * first `count` of `fresh`, which it must not keep): a caller counting distinct keys needs no
   * others, the table's own keys were new to it once since the last `clear`.
   */
  merge(keys: readonly string[], weights: ArrayLike<number>, n: number, onNew: ((fresh: readonly string[], count: number) => void) | null = null): void {
    const fresh = this.freshKeys;
    if (this.freshWeights.length < n) this.freshWeights = new Uint32Array(Math.max(n, 2 * this.freshWeights.length));
    const freshWeights = this.freshWeights;
    let nf = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      this.total += w;
      const key = keys[i]!;
      const at = this.index.get(key);
      if (at !== undefined) {
        this.counts[at]! += w;
      } else {
        fresh[nf] = key;
        freshWeights[nf] = w;
        nf++;
      }
    }
    if (onNew !== null && nf > 0) onNew(fresh, nf);
    const size = this.keys.length;
    if (size + nf <= this.capacity) {
      for (let i = 0; i < nf; i++) this.place(size + i, fresh[i]!, this.floor + freshWeights[i]!, this.floor);
      fresh.length = 0;
      return;
    }
    this.keepLargest(size, nf);
    fresh.length = 0;
  }

  /** The table's `size` keys and the merge's `nf` new ones cut to the `capacity` largest counts. */
  private keepLargest(size: number, nf: number): void {
    const { counts, errors, keys, freshKeys, freshWeights, floor } = this;
    const candidates = size + nf;
    if (this.sorted.length < candidates) this.sorted = new Uint32Array(Math.max(candidates, 2 * this.sorted.length));
    const all = this.sorted.subarray(0, candidates);
    all.set(counts.subarray(0, size));
    for (let i = 0; i < nf; i++) all[size + i] = floor + freshWeights[i]!;
    all.sort(); // native, ascending
    const threshold = all[candidates - this.capacity]!;
    // the keys above the threshold all stay; of those at it, the table's own first (fewer changes)
    let ties = this.capacity;
    for (let i = candidates - 1; i >= 0 && all[i]! > threshold; i--) ties--;
    let dropped = floor;
    let kept = 0;
    for (let i = 0; i < size; i++) {
      const c = counts[i]!;
      if (c > threshold || (c === threshold && ties > 0)) {
        if (c === threshold) ties--;
        keys[kept] = keys[i]!;
        counts[kept] = c;
        errors[kept] = errors[i]!;
        kept++;
      } else if (c > dropped) {
        dropped = c;
      }
    }
    for (let i = 0; i < nf; i++) {
      const c = floor + freshWeights[i]!;
      if (c > threshold || (c === threshold && ties > 0)) {
        if (c === threshold) ties--;
        keys[kept] = freshKeys[i]!;
        counts[kept] = c;
        errors[kept] = floor;
        kept++;
      } else if (c > dropped) {
        dropped = c;
      }
    }
    keys.length = kept;
    this.floor = dropped;
    // a new index each cut, not deletes and inserts into the old one: V8 grows a Map's table in
    // the generation the old table is in, so a long-lived index would churn the old generation
    // (the web-log agent's RSS, docs/benchmarks.md)
    const index = new Map<string, number>();
    for (let i = 0; i < kept; i++) index.set(keys[i]!, i);
    this.index = index;
  }

  private place(at: number, key: string, count: number, error: number): void {
    this.keys[at] = key;
    this.counts[at] = count;
    this.errors[at] = error;
    this.index.set(key, at);
  }

  /** the error bound of this table now: N / capacity */
  get maxError(): number {
    return this.total / this.capacity;
  }

  get size(): number {
    return this.keys.length;
  }

  /** the `k` most counted keys, most first (ties by key, for a stable answer) */
  top(k: number): HeavyHitter[] {
    return this.keys
      .map((key, i) => ({ key, count: this.counts[i]!, error: this.errors[i]! }))
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, k);
  }

  clear(): void {
    this.index = new Map();
    this.keys.length = 0;
    this.floor = 0;
    this.total = 0;
  }
}
