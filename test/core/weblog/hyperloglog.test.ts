// Distinct visitors (S11; core/weblog/hyperloglog.ts): the agent adds a batch's new visitors at once
// (addMany, from one copy of their characters); the registers, and so every estimate, must be
// those of adding each visitor alone, whatever the values: long ones, other scripts, lone surrogates.
import t from 'tap';
import { HyperLogLog } from '../../../core/weblog/hyperloglog.js';

void t.test('a batch added at once estimates as each value added alone', (t) => {
  const values = Array.from({ length: 30_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  values.push('x'.repeat(9000), 'ünïcødé 訪問者', '\ud800 lone surrogate', '', 'y'.repeat(8192), '203.0.113.9');
  const one = new HyperLogLog();
  const many = new HyperLogLog();
  let from = 0;
  // batches of several sizes, the last values among them
  for (const size of [1, 7, 4096, 5000, 20_000, values.length]) {
    const to = Math.min(values.length, from + size);
    for (let i = from; i < to; i++) one.add(values[i]!);
    const batch = values.slice(from, to);
    // only the first `n` of the array are added
    many.addMany([...batch, 'not added'], batch.length);
    t.equal(many.estimate(), one.estimate(), `after ${to} values`);
    from = to;
  }
  t.ok(one.estimate() > 25_000 && one.estimate() < 35_000, `an estimate near 30,000 distinct (${one.estimate()})`);
  t.end();
});
