// S2 in storage: a collector whose interval changes writes a new RRD file (the step is part of
// the file), and the series API keeps the old history readable: the merge of the files' rows
// (pure, then against a real rrdcached).
import t from 'tap';
import type { Sample } from '../../../contract/metrics.js';
import { alignColumns, mergeSeriesParts, type SeriesPart } from '../../../appliance/store/series-merge.js';
import type { FetchRow } from '../../../appliance/store/rrdcached-client.js';
import { startStore } from './store-fixture.js';

/** a time well in the past, on a 5 s boundary, so rrdtool's "now" never matters */
const T0 = 1_700_000_000;

function rows(from: number, to: number, step: number, value: (t: number) => number | null): FetchRow[] {
  const out: FetchRow[] = [];
  for (let t = from; t <= to; t += step) out.push({ t, values: [value(t)] });
  return out;
}

function times(r: readonly FetchRow[]): number[] {
  return r.map((x) => x.t);
}

void t.test('merging the rows of several files of one series', (t) => {
  void t.test('one file comes back as it is, unknown rows included', (t) => {
    const only: SeriesPart = { step: 5, rows: rows(T0, T0 + 20, 5, (x) => (x === T0 + 10 ? null : x)) };
    t.same(mergeSeriesParts([only]), { step: 5, rows: only.rows });
    t.end();
  });

  void t.test('the old file answers before the change, the new one after it', (t) => {
    const old: SeriesPart = { step: 5, rows: rows(T0, T0 + 30, 5, (x) => (x <= T0 + 15 ? x : null)) };
    const fresh: SeriesPart = { step: 1, rows: rows(T0 - 4, T0 + 30, 1, (x) => (x > T0 + 15 ? -x : null)) };
    const m = mergeSeriesParts([old, fresh]);
    t.same(times(m.rows), [T0, T0 + 5, T0 + 10, T0 + 15, ...Array.from({ length: 15 }, (_, i) => T0 + 16 + i)]);
    t.ok(m.rows.every((r) => r.values[0] !== null), 'only rows with data');
    t.equal(m.rows[3]?.values[0], T0 + 15, 'the old file\'s last value');
    t.equal(m.rows[4]?.values[0], -(T0 + 16), 'the new file\'s first value');
    t.equal(m.step, 5, 'the coarsest step that contributed');
    t.end();
  });

  void t.test('a gap that no file covers stays a gap (unknown rows), and no time appears twice', (t) => {
    const old: SeriesPart = { step: 5, rows: rows(T0, T0 + 40, 5, (x) => (x <= T0 + 10 ? 1 : null)) };
    const fresh: SeriesPart = { step: 1, rows: rows(T0, T0 + 40, 1, (x) => (x > T0 + 30 ? 2 : null)) };
    const m = mergeSeriesParts([fresh, old]);
    const ts = times(m.rows);
    t.same(ts, [...ts].sort((a, b) => a - b), 'in time order');
    t.equal(new Set(ts).size, ts.length, 'no time twice');
    const gap = m.rows.filter((r) => r.t > T0 + 10 && r.t <= T0 + 30);
    t.ok(gap.length > 0 && gap.every((r) => r.values[0] === null), 'the gap between the files is unknown');
    t.end();
  });

  void t.test('an interval changed and changed back: each stretch from the file that has its data', (t) => {
    // 5 s until T0+20, 1 s from T0+21 to T0+30, 5 s again from T0+35
    const five: SeriesPart = { step: 5, rows: rows(T0, T0 + 50, 5, (x) => (x <= T0 + 20 || x >= T0 + 35 ? 5 : null)) };
    const one: SeriesPart = { step: 1, rows: rows(T0, T0 + 50, 1, (x) => (x > T0 + 20 && x <= T0 + 30 ? 1 : null)) };
    const m = mergeSeriesParts([five, one]);
    const data = m.rows.filter((r) => r.values[0] !== null);
    t.same(times(data.filter((r) => r.values[0] === 1)), Array.from({ length: 10 }, (_, i) => T0 + 21 + i));
    t.same(times(data.filter((r) => r.values[0] === 5)), [T0, T0 + 5, T0 + 10, T0 + 15, T0 + 20, T0 + 35, T0 + 40, T0 + 45, T0 + 50]);
    t.end();
  });

  void t.test('where two files both have data, the one written last wins', (t) => {
    const a: SeriesPart = { step: 5, rows: rows(T0, T0 + 20, 5, () => 1) };
    const b: SeriesPart = { step: 5, rows: rows(T0 + 10, T0 + 30, 5, () => 2) };
    const m = mergeSeriesParts([a, b]);
    t.same(m.rows.map((r) => [r.t, r.values[0]]), [[T0, 1], [T0 + 5, 1], [T0 + 10, 2], [T0 + 15, 2], [T0 + 20, 2], [T0 + 25, 2], [T0 + 30, 2]]);
    t.end();
  });

  void t.test('a file older than a field of its family gets that column as unknown', (t) => {
    const old = [{ t: T0, values: [1, 2] }];
    t.same(alignColumns(['rx_bytes', 'tx_bytes'], ['rx_bytes', 'tx_bytes', 'up'], old), [{ t: T0, values: [1, 2, null] }]);
    t.same(alignColumns(['b', 'a'], ['a', 'b'], old), [{ t: T0, values: [2, 1] }], 'columns by name, not by position');
    t.equal(alignColumns(['a'], ['a'], old), old, 'rows that match are passed through');
    t.end();
  });
  t.end();
});

function cpu(t: number, user: number, i?: number): Sample {
  return { t, f: 'cpu', v: { user, system: 1, iowait: 0, steal: 0, idle: 99 - user }, ...(i !== undefined ? { i } : {}) };
}

void t.test('series() over an interval change reads both files of a real rrdcached', async (t) => {
  const { store } = await startStore(t);
  // 5 s samples T0…T0+60, then the operator sets 1 s: T0+61…T0+90, then 5 s again from T0+95
  const first = Array.from({ length: 13 }, (_, i) => cpu(T0 + i * 5, i));
  const second = Array.from({ length: 30 }, (_, i) => cpu(T0 + 61 + i, 50 + i));
  const third = Array.from({ length: 12 }, (_, i) => cpu(T0 + 95 + i * 5, 80 + i));
  t.same(await store.write('ag1', 5, first), { updated: 13, rejected: 0 });
  t.same(await store.write('ag1', 1, second), { updated: 30, rejected: 0 });
  t.same(await store.filesOf('ag1'), ['ag1/cpu.1s.rrd', 'ag1/cpu.5s.rrd']);

  const s = await store.series('ag1', 'cpu', undefined, T0 - 5, T0 + 90, 5000);
  const [ts, user] = s.data;
  const expected = [...first, ...second].map((x) => x.t);
  t.same(ts, expected, 'every sample, in time order, none twice: 5 s rows, then 1 s rows');
  t.same(user, [...first, ...second].map((x) => x.v.user), 'each row holds the value written at its time');
  t.equal(s.step, 5, 'the coarsest step that answered');

  const recent = await store.series('ag1', 'cpu', undefined, T0 + 70, T0 + 90, 5000);
  t.same(recent.data[0], Array.from({ length: 20 }, (_, i) => T0 + 71 + i), 'a range after the change reads the new file only');
  t.equal(recent.step, 1);

  t.same(await store.write('ag1', 5, third), { updated: 12, rejected: 0 });
  const all = await store.series('ag1', 'cpu', undefined, T0 - 5, T0 + 150, 5000);
  const withData = all.data[0].filter((_, i) => all.data[1]?.[i] !== null);
  // T0+95 comes 35 s after the 5 s file's last update, beyond its 15 s heartbeat: the store's gap
  // bridge keeps it (rrdtool alone would store it as unknown)
  t.same(withData, [...first, ...second, ...third].map((x) => x.t), 'back at 5 s: the 5 s file answers again after the 1 s stretch, its first sample included');
  t.equal(new Set(all.data[0]).size, all.data[0].length, 'no time twice');
});
