// The charts' analysis tools without a browser (S10, B5): the legend's min/avg/max/last over the
// range shown, the time shift's arithmetic, zoom and pan, idle interfaces, the Compare screen's
// address, and time-axis labels that never repeat (a year's axis, a week's midnights).
import t from 'tap';
import { idleGroups, legendFigures, panRange, rowWidth, shiftForward, shiftedRange, SHIFT_SECONDS, columnTotal, zoomRange } from '../../webui/src/chart-compare.js';
import { compareFromHash, compareRange, hashWithCompare, DEFAULT_COMPARE, MAX_COMPARED } from '../../webui/src/compare-model.js';
import { distinctLabels, formattersFor } from '../../webui/src/locale-format.js';
import type { Columns } from '../../webui/src/series-window.js';

void t.test('legend figures cover the points in (from, to] only, nulls ignored', (t) => {
  const times = [100, 110, 120, 130, 140];
  const col = [50, 10, null, 30, 20];
  t.same(legendFigures(times, col, 0, 200), { min: 10, avg: 27.5, max: 50, last: 20 });
  // from is exclusive, as in GET /api/v1/stats: the point at 100 is left out
  t.same(legendFigures(times, col, 100, 130), { min: 10, avg: 20, max: 30, last: 30 }, 'a zoomed range recomputes every figure');
  t.same(legendFigures(times, [null, null, null, null, null], 0, 200), { min: null, avg: null, max: null, last: null }, 'no data: no figures, not zeros');
  t.same(legendFigures(times, col, 140, 200), { min: null, avg: null, max: null, last: null }, 'a range after the data');
  t.end();
});

void t.test('a range ending between two rows counts the row that straddles its end, as GET /stats does', (t) => {
  // rows of 10 s: the point at 130 is the row (120, 130]; a range panned to end at 125 overlaps it
  const times = [100, 110, 120, 130, 140];
  const col = [1, 2, 3, 4, 5];
  t.equal(rowWidth(times, col), 10);
  t.same(legendFigures(times, col, 100, 125), { min: 2, avg: 3, max: 4, last: 4 }, 'rows (100,110], (110,120], (120,130]');
  t.same(legendFigures(times, col, 100, 120), { min: 2, avg: 2.5, max: 3, last: 3 }, 'a range ending on a row boundary takes no row after it');
  t.same(legendFigures(times, col, 105, 125), { min: 2, avg: 3, max: 4, last: 4 }, 'the row straddling from counts too (its time is after from)');
  // a compared server at 60 s beside one at 10 s: each line's own rows, not the joined times' gap
  const joined = [60, 70, 80, 90, 100, 110, 120];
  const coarse = [1, null, null, null, null, null, 2];
  t.equal(rowWidth(joined, coarse), 60);
  t.same(legendFigures(joined, coarse, 0, 65), { min: 1, avg: 1.5, max: 2, last: 2 }, 'the 60 s row (60, 120] overlaps (0, 65]');
  t.equal(rowWidth([100], [1]), 0, 'one point: no width');
  t.end();
});

void t.test('time shift: the earlier range is fetched and moved forward onto the shown one', (t) => {
  t.same(SHIFT_SECONDS, { '1d': 86_400, '1w': 604_800, '1m': 2_592_000 });
  const shown: [number, number] = [1_000_000, 1_003_600];
  const earlier = shiftedRange(shown, SHIFT_SECONDS['1w']);
  t.same(earlier, [1_000_000 - 604_800, 1_003_600 - 604_800]);
  const fetched: Columns = [[earlier[0] + 60, earlier[1]], [1, 2]];
  const moved = shiftForward(fetched, SHIFT_SECONDS['1w']);
  t.same(moved, [[shown[0] + 60, shown[1]], [1, 2]], 'the earlier points land on the shown axis, values untouched');
  t.same(columnTotal([[1, 2, 3], [1, null, null], [2, 3, null]]), [3, 3, null], "a stacked chart's shift compares its total");
  t.end();
});

void t.test('zoom and pan', (t) => {
  t.same(zoomRange(1500.7, 1000.2), [1000, 1501], 'either drag direction, whole seconds');
  t.equal(zoomRange(1000, 1030), null, 'a click (or a sliver) is no zoom');
  t.same(panRange([1000, 2000], -1, 10_000), [500, 1500], 'earlier by half the range');
  t.same(panRange([1000, 2000], 1, 10_000), [1500, 2500], 'later by half the range');
  t.same(panRange([8000, 9800], 1, 10_000), [8200, 10_000], 'never past now');
  t.end();
});

void t.test('an interface with only zeros or gaps in the range is idle', (t) => {
  const data: Columns = [[10, 20, 30], [0, 0, null], [0, null, 0], [0, 5, 0], [0, 0, 0], [7, 7, 7]];
  const groupOf = ['docker0', 'docker0', 'eth0', 'eth0', undefined];
  t.same([...idleGroups(data, groupOf, 0, 30)], ['docker0']);
  t.same([...idleGroups(data, groupOf, 20, 30)].sort(), ['docker0', 'eth0'], 'idle over a zoomed range where its traffic is outside it');
  t.end();
});

void t.test('the Compare address names servers by host and survives a round trip', (t) => {
  const sel = { ...DEFAULT_COMPARE, hosts: ['web-1', 'db-2'], family: 'net' as const, field: 'rx_bytes', key: 'eth0', range: '1w' as const, custom: [1000, 5000] as [number, number] };
  const hash = hashWithCompare('#view=compare', sel);
  t.match(hash, /hosts=web-1,db-2/, 'host names, readable');
  t.match(hash, /metric=net\.rx_bytes/);
  t.match(hash, /view=compare/, 'the view is kept');
  t.same(compareFromHash(hash), sel);
  t.same(compareRange(sel, 9999), [1000, 5000]);
  t.same(compareRange({ range: '1d', custom: null }, 100_000), [13_600, 100_000]);
  // nonsense falls back instead of throwing
  t.same(compareFromHash('#metric=nope.x&range=7y&from=9&to=3'), { ...DEFAULT_COMPARE });
  t.equal(compareFromHash('#metric=cpu.nope').field, 'user', 'an unknown field: the family\'s first');
  t.equal(compareFromHash('#metric=cpu.user&key=eth0').key, '', 'an unkeyed family takes no key');
  const many = Array.from({ length: 40 }, (_, i) => `h${i}`).join(',');
  t.equal(compareFromHash(`#hosts=${many}`).hosts.length, MAX_COMPARED, 'bounded');
  t.end();
});

void t.test('time-axis labels are distinct on long ranges', (t) => {
  for (const locale of ['en-US', 'ko-KR']) {
    const fmt = formattersFor(locale);
    // a week at 12 h ticks: "00:00" and "12:00" alone would repeat every day
    const week = Array.from({ length: 14 }, (_, i) => Date.UTC(2026, 10, 1) / 1000 + i * 43_200);
    const w = fmt.axisTime(week, 43_200);
    t.equal(new Set(w).size, w.length, `${locale}: a week's ticks`);
    // a year with ticks two weeks apart inside one month each
    const year = Array.from({ length: 24 }, (_, i) => Date.UTC(2026, 0, 1) / 1000 + i * 15 * 86_400);
    const y = fmt.axisTime(year, 30 * 86_400);
    t.equal(new Set(y).size, y.length, `${locale}: a year's ticks`);
    const monthly = Array.from({ length: 12 }, (_, i) => Date.UTC(2026, i, 1, 12) / 1000);
    const m = fmt.axisTime(monthly, 30 * 86_400);
    t.equal(new Set(m).size, 12, `${locale}: month ticks`);
    t.match(m[0], /2026/, `${locale}: a month tick names its year`);
  }
  t.same(distinctLabels([1, 2], [() => 'x', (n) => `x${n}`]), ['x1', 'x2']);
  t.end();
});
