// The counter-to-rate tracker shared by the cpu and net collectors.
import t from 'tap';
import { perSecond, RateTracker } from '../../agent/rate-tracker.js';

void t.test('the first reading of a series yields nothing; the second yields deltas and elapsed time', (t) => {
  const tracker = new RateTracker<'bytes' | 'packets'>();
  t.equal(tracker.update('eth0', 1000, { bytes: 100, packets: 1 }), null);
  const delta = tracker.update('eth0', 3000, { bytes: 2100, packets: 5 });
  t.same(delta, { elapsedMs: 2000, deltas: { bytes: 2000, packets: 4 } });
  if (!delta) throw new Error('expected a delta');
  t.same(perSecond(delta), { bytes: 1000, packets: 2 });
  t.end();
});

void t.test('a counter that went backwards (wrap or reset) skips that point and becomes the new baseline', (t) => {
  const tracker = new RateTracker<'bytes' | 'packets'>();
  tracker.update('eth0', 0, { bytes: 4_294_967_000, packets: 10 });
  t.equal(tracker.update('eth0', 1000, { bytes: 200, packets: 12 }), null, '32-bit wrap: no made-up rate');
  t.same(tracker.update('eth0', 2000, { bytes: 700, packets: 15 }), { elapsedMs: 1000, deltas: { bytes: 500, packets: 3 } },
    'rates resume from the reading after the wrap');
  t.equal(tracker.update('eth0', 3000, { bytes: 0, packets: 0 }), null, 'reset to zero (interface re-created)');
  t.end();
});

void t.test('time that did not advance yields nothing rather than an infinite rate', (t) => {
  const tracker = new RateTracker<'n'>();
  tracker.update('x', 5000, { n: 1 });
  t.equal(tracker.update('x', 5000, { n: 2 }), null);
  t.equal(tracker.update('x', 4000, { n: 3 }), null);
  t.end();
});

void t.test('series are independent, and vanished ones are forgotten', (t) => {
  const tracker = new RateTracker<'n'>();
  tracker.update('a', 0, { n: 0 });
  tracker.update('b', 0, { n: 0 });
  t.same(tracker.update('a', 1000, { n: 10 })?.deltas, { n: 10 });
  tracker.retainOnly(new Set(['a']));
  t.equal(tracker.size, 1);
  t.equal(tracker.update('b', 2000, { n: 99 }), null, 'a series that came back starts over');
  t.end();
});
