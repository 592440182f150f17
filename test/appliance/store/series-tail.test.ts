// A long range's not-yet-consolidated end (S10): which tail is read again from a finer archive,
// and how the two parts are joined and share the points.
import t from 'tap';
import { joinTail, tailStart, TAIL_SPAN_S } from '../../../appliance/store/series-tail.js';
import type { FetchRow } from '../../../appliance/store/rrdcached-client.js';

const row = (t: number, v: number | null): FetchRow => ({ t, values: [v] });
const keepAll = (rows: readonly FetchRow[]): FetchRow[] => [...rows];

void t.test('a year of hour rows whose newest rows are unknown reads its tail again', (t) => {
  const to = 10_000_000;
  const from = to - 365 * 86_400;
  const hours = [row(to - 7200, null), row(to - 3600, null), row(to, null)];
  t.equal(tailStart({ step: 3600, rows: hours }, from, to), to - TAIL_SPAN_S, 'nothing known: the last day');
  const known = [row(to - 7200, 5), row(to - 3600, null), row(to, null)];
  t.equal(tailStart({ step: 3600, rows: known }, from, to), to - 7200, 'after the last known row');
  t.equal(tailStart({ step: 3600, rows: [row(to - 3600, 5), row(to, null)] }, from, to), null, 'a row behind is as recent as the archive gets');
  t.equal(tailStart({ step: 60, rows: hours }, from, to), null, 'fine archives are left alone');
  t.equal(tailStart({ step: 3600, rows: hours }, to - 3600, to), null, 'a range within the tail: nothing finer to read');
  t.end();
});

void t.test('the parts are joined at the cut and share the points by time', (t) => {
  const coarse = [row(100, 1), row(200, 2), row(300, null)];
  const tail = [row(150, 9), row(210, 3), row(250, null), row(290, 4)];
  t.same(joinTail(coarse, tail, 200, 0, 300, 100, keepAll).map((r) => [r.t, r.values[0]]), [[100, 1], [200, 2], [210, 3], [290, 4]],
    'coarse up to the cut, known tail rows after it');
  t.same(joinTail(coarse, [], 200, 0, 300, 100, keepAll).map((r) => r.t), [100, 200, 300], 'no tail: the coarse answer as it was');
  const asked: number[] = [];
  joinTail(coarse, tail, 200, -1_000_000, 300, 600, (rows, n) => { asked.push(n); return [...rows]; });
  t.same(asked, [598, 2], 'a tail of a sliver of the range still gets two points');
  t.end();
});
