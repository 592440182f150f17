// Heavy hitters in bounded memory (S11): the Space-Saving algorithm (Metwally, Agrawal, El Abbadi,
// "Efficient computation of frequent and top-k elements in data streams", ICDT 2005). At most
// `capacity` keys are counted; a new key arriving when the table is full takes the place of the
// least counted one and inherits its count as its possible error. Error bound: after N offers,
// every reported count overestimates the true count by at most `error` ≤ N / capacity, and every
// key whose true count exceeds N / capacity is in the table. The table is an indexed min-heap, so
// an offer costs O(log capacity) and the replaced key is always the minimum.

export interface HeavyHitter {
  key: string;
  /** an upper bound of the true count */
  count: number;
  /** count − error is a lower bound of the true count */
  error: number;
}

interface Slot {
  key: string;
  count: number;
  error: number;
  /** position in the heap */
  at: number;
}

export class SpaceSaving {
  private slots = new Map<string, Slot>();
  private readonly heap: Slot[] = [];
  /** every offer's weight summed (the N of the error bound) */
  total = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  }

  offer(key: string, weight = 1): void {
    this.total += weight;
    const slot = this.slots.get(key);
    if (slot) {
      slot.count += weight;
      this.down(slot.at);
      return;
    }
    if (this.heap.length < this.capacity) {
      const fresh: Slot = { key, count: weight, error: 0, at: this.heap.length };
      this.heap.push(fresh);
      this.slots.set(key, fresh);
      this.up(fresh.at);
      return;
    }
    const min = this.heap[0]!;
    this.slots.delete(min.key);
    min.key = key;
    min.error = min.count;
    min.count += weight;
    this.slots.set(key, min);
    this.down(0);
  }

  /** the error bound of this table now: N / capacity */
  get maxError(): number {
    return this.total / this.capacity;
  }

  get size(): number {
    return this.heap.length;
  }

  /** the `k` most counted keys, most first (ties by key, for a stable answer) */
  top(k: number): HeavyHitter[] {
    return [...this.heap]
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, k)
      .map(({ key, count, error }) => ({ key, count, error }));
  }

  /**
   * Builds the key index anew (the same keys). For a caller about to offer many new keys: each
   * replaces a key in the index, and V8 rehashes a Map's table in the generation the table is in,
   * so the index of a long-lived table churns the old generation; a new one churns the young
   * (the web-log agent's RSS, docs/benchmarks.md).
   */
  reindex(): void {
    const slots = new Map<string, Slot>();
    for (const slot of this.heap) slots.set(slot.key, slot);
    this.slots = slots;
  }

  clear(): void {
    this.slots = new Map();
    this.heap.length = 0;
    this.total = 0;
  }

  private up(i: number): void {
    const h = this.heap;
    const slot = h[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent]!;
      if (p.count <= slot.count) break;
      h[i] = p;
      p.at = i;
      i = parent;
    }
    h[i] = slot;
    slot.at = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const slot = h[i]!;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && h[right]!.count < h[left]!.count ? right : left;
      const c = h[child]!;
      if (c.count >= slot.count) break;
      h[i] = c;
      c.at = i;
      i = child;
    }
    h[i] = slot;
    slot.at = i;
  }
}
