// Merging top tables (S11): intervals' Space-Saving summaries merged into a bounded table keep
// every true count between count − error and count, and on a Zipf-like mix the merged top 10 is
// the exact top 10.
import t from 'tap';
import { SpaceSaving } from '../../../core/weblog/space-saving.js';
import { WEBLOG_LIMITS } from '../../../contract/weblog.js';
import { EMPTY_TOP, exactTable, intervalTable, mergeTop, type TopTable } from '../../../appliance/weblog/top-merge.js';
import { bucketStart } from '../../../appliance/weblog/weblog-traffic.js';

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** Key i drawn with weight 1 / (i + 1): a Zipf-like mix of `keys` keys. */
function zipf(rand: () => number, keys: number): () => string {
  const weights = Array.from({ length: keys }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  return () => {
    let r = rand() * total;
    for (let i = 0; i < keys; i++) {
      r -= weights[i] ?? 0;
      if (r <= 0) return `/page/${i}`;
    }
    return `/page/${keys - 1}`;
  };
}

void t.test('lists shorter than the agent sends hold every key: merged counts are exact', (t) => {
  let table: TopTable = EMPTY_TOP;
  table = mergeTop(table, intervalTable([{ key: '/a', count: 5, error: 0 }, { key: '/b', count: 2, error: 0 }], WEBLOG_LIMITS.topK), 100);
  table = mergeTop(table, intervalTable([{ key: '/b', count: 4, error: 0 }, { key: '/c', count: 1, error: 0 }], WEBLOG_LIMITS.topK), 100);
  t.same(table, { floor: 0, entries: [{ key: '/b', count: 6, error: 0 }, { key: '/a', count: 5, error: 0 }, { key: '/c', count: 1, error: 0 }] });
  t.end();
});

void t.test('a full list: a key it leaves out may have had its smallest count, so others gain it as error', (t) => {
  const full = Array.from({ length: 3 }, (_, i) => ({ key: `/k${i}`, count: 10 - i, error: 0 }));
  const merged = mergeTop({ entries: [{ key: '/old', count: 4, error: 0 }], floor: 0 }, intervalTable(full, 3), 100);
  t.same(merged.entries.find((e) => e.key === '/old'), { key: '/old', count: 12, error: 8 }, '/old may have had up to 8 in the interval');
  t.equal(merged.floor, 8, 'an unlisted key: up to 0 + 8');
  t.end();
});

void t.test('the keep bound: dropped counts raise the floor', (t) => {
  const merged = mergeTop(exactTable({ 200: 50, 404: 7, 500: 3 }), EMPTY_TOP, 2);
  t.same(merged.entries.map((e) => e.key), ['200', '404']);
  t.equal(merged.floor, 3);
  t.end();
});

void t.test('200 intervals of a Zipf mix, each summarised by the agent\'s sketch: bounds hold and the top 10 is exact', (t) => {
  const rand = random(42);
  const draw = zipf(rand, 5000);
  const exact = new Map<string, number>();
  let merged: TopTable = EMPTY_TOP;
  for (let interval = 0; interval < 200; interval++) {
    const sketch = new SpaceSaving(WEBLOG_LIMITS.sketchCapacity);
    for (let line = 0; line < 500; line++) {
      const key = draw();
      sketch.offer(key);
      exact.set(key, (exact.get(key) ?? 0) + 1);
    }
    merged = mergeTop(merged, intervalTable(sketch.top(WEBLOG_LIMITS.topK), WEBLOG_LIMITS.topK), 100);
  }
  t.equal(merged.entries.length, 100, 'bounded');
  for (const e of merged.entries) {
    const truth = exact.get(e.key) ?? 0;
    if (!(e.count - e.error <= truth && truth <= e.count)) t.fail(`${e.key}: ${truth} outside [${e.count - e.error}, ${e.count}]`);
  }
  const listed = new Set(merged.entries.map((e) => e.key));
  for (const [key, n] of exact) if (!listed.has(key) && n > merged.floor) t.fail(`${key}: ${n} above the floor ${merged.floor} but not listed`);
  const exactTop = [...exact].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k]) => k);
  t.same(merged.entries.slice(0, 10).map((e) => e.key), exactTop, 'the top 10 in order');
  t.end();
});

void t.test('buckets: hours and days align to UTC, weeks start on Monday', (t) => {
  const t0 = Date.UTC(2026, 11, 5, 23, 19, 10) / 1000; // a Saturday
  t.equal(bucketStart('hour', t0), Date.UTC(2026, 11, 5, 23) / 1000);
  t.equal(bucketStart('day', t0), Date.UTC(2026, 11, 5) / 1000);
  t.equal(new Date(bucketStart('week', t0) * 1000).toISOString(), '2026-11-30T00:00:00.000Z');
  t.end();
});
