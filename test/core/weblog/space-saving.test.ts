// Space-Saving fed in batches (S11; core/weblog/space-saving.ts, SpaceSaving.merge, the way the
// agent counts a log): whatever the batches, every key's true count lies between count − error
// and count, no error exceeds N / capacity, every key counted more than N / capacity times is in
// the table, and the top keys of a skewed stream come out in their true order.
import t from 'tap';
import { prng } from '../../../core/seeded-random.js';
import { SpaceSaving } from '../../../core/weblog/space-saving.js';
import { zipf } from '../../../scripts/weblog-generator.js';

void t.test('batches of a skewed stream: bounds hold after every batch, the top 10 is exact', (t) => {
  const capacity = 100;
  const table = new SpaceSaving(capacity);
  const rand = prng(7);
  // a few heavy keys and a long tail
  const rank = zipf(20_000, 1, rand);
  const draw = (): string => `/page/${rank()}`;
  const exact = new Map<string, number>();
  let n = 0;
  let violations = 0;
  for (let batch = 0; batch < 60; batch++) {
    // batches of very different sizes, as slices of a log are
    const size = 1 + Math.floor(rand() * 3000);
    const counts = new Map<string, number>();
    for (let i = 0; i < size; i++) {
      const key = draw();
      counts.set(key, (counts.get(key) ?? 0) + 1);
      exact.set(key, (exact.get(key) ?? 0) + 1);
    }
    n += size;
    table.merge([...counts.keys()], [...counts.values()], counts.size);
    const listed = new Map(table.top(capacity).map((e) => [e.key, e]));
    for (const [key, truth] of exact) {
      const e = listed.get(key);
      if (e) {
        if (!(e.count - e.error <= truth && truth <= e.count && e.error <= n / capacity)) violations++;
      } else if (truth > n / capacity) {
        violations++;
      }
    }
  }
  t.equal(violations, 0, 'every key within its bounds, every key above N / capacity listed, after every batch');
  t.equal(table.total, n);
  t.equal(table.size, capacity, 'never more than its capacity');
  const trueTop = [...exact].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([key]) => key);
  t.same(table.top(10).map((e) => e.key), trueTop, 'the top 10 in order');
  t.end();
});

void t.test('a batch that fits keeps exact counts; single offers and batches mix', (t) => {
  const table = new SpaceSaving(3);
  table.merge(['/a', '/b'], [5, 2], 2);
  table.offer('/a');
  t.same(table.top(3), [{ key: '/a', count: 6, error: 0 }, { key: '/b', count: 2, error: 0 }]);
  // two new keys for one free place: the larger one stays, the other is dropped with count 1
  table.merge(['/c', '/d'], [4, 1], 2);
  t.same(table.top(3).map((e) => [e.key, e.count, e.error]), [['/a', 6, 0], ['/c', 4, 0], ['/b', 2, 0]]);
  // a key seen again after it was dropped: its count may include the dropped key's 1
  table.offer('/d', 2);
  const d = table.top(3).find((e) => e.key === '/d');
  t.same(d, { key: '/d', count: 3, error: 1 }, 'enters at the largest count dropped (1) plus its own');
  t.end();
});
