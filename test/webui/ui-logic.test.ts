// The web UI's pure parts, without a browser: chart windows (seeding, live appends, bounds),
// derived percentages, the language choice and dictionaries, locale formatting, the dashboard URL.
import t from 'tap';
import type { SeriesResponse } from '../../contract/api.js';
import { alignWindows, appendSample, emptyWindow, mergeSeed, pointsWithData, scaleWindow, windowFromResponse } from '../../webui/src/series-window.js';
import { cpuBusyPct, memoryUsedPct } from '../../webui/src/metric-fields.js';
import { initialLang, translate } from '../../webui/src/i18n.js';
import type { MessageKey } from '../../webui/src/i18n.js';
import { formattersFor } from '../../webui/src/locale-format.js';
import { hashWithOpenIds, openIdsFromHash } from '../../webui/src/dashboard-url.js';
import { toMs, withLatest } from '../../webui/src/agents-store.js';
import type { AgentRow } from '../../webui/src/agents-store.js';

const bounds = { maxAgeS: 600, maxPoints: 1000 };

void t.test('a series answer is picked by field name and loses its unconsolidated tail', (t) => {
  const r: SeriesResponse = {
    agentId: 'a',
    family: 'cpu',
    step: 10,
    fields: ['idle', 'user', 'system'],
    data: [[100, 110, 120], [90, 80, null], [5, 15, null], [5, 5, null]],
  };
  const w = windowFromResponse(['user', 'system', 'steal'], r);
  t.same(w.data, [[100, 110], [5, 15], [5, 5], [null, null]], 'reordered, missing field null, all-null last row dropped');
  t.end();
});

void t.test('live samples append in time order within the age and count bounds', (t) => {
  let w = emptyWindow(['v']);
  w = appendSample(w, 100, { v: 1 }, bounds);
  w = appendSample(w, 110, { v: 2 }, bounds);
  t.equal(appendSample(w, 105, { v: 9 }, bounds), w, 'an older sample is ignored');
  w = appendSample(w, 110, { v: 3 }, bounds);
  t.same(w.data, [[100, 110], [1, 3]], 'a same-time sample replaces the last point');
  w = appendSample(w, 800, { v: 4 }, bounds);
  t.same(w.data, [[800], [4]], 'points older than the window are dropped');
  let c = emptyWindow(['v']);
  for (let i = 0; i < 10; i++) c = appendSample(c, i, { v: i }, { maxAgeS: 1e9, maxPoints: 3 });
  t.same(c.data, [[7, 8, 9], [7, 8, 9]], 'at most maxPoints are kept');
  t.same(appendSample(emptyWindow(['v']), 1, { v: Number.NaN }, bounds).data[1], [null], 'a non-finite value is unknown');
  t.end();
});

void t.test('samples that arrive while the history loads are kept after it', (t) => {
  const seed = { fields: ['v'], data: [[100, 110, 120], [1, 2, 3]] as [number[], ...(number | null)[][]] };
  const live = appendSample(appendSample(emptyWindow(['v']), 120, { v: 30 }, bounds), 130, { v: 40 }, bounds);
  t.same(mergeSeed(seed, live, bounds).data, [[100, 110, 120, 130], [1, 2, 30, 40]]);
  t.same(mergeSeed(seed, emptyWindow(['v']), bounds).data, seed.data, 'no live samples: the seed alone');
  t.end();
});

void t.test('network windows align on time and convert bytes to bits', (t) => {
  const a = { fields: ['rx', 'tx'], data: [[1, 2], [10, 20], [1, 2]] as [number[], ...(number | null)[][]] };
  const b = { fields: ['rx', 'tx'], data: [[2, 3], [5, null], [6, 7]] as [number[], ...(number | null)[][]] };
  t.same(alignWindows([a, scaleWindow(b, 8)]), [[1, 2, 3], [10, 20, null], [1, 2, null], [null, 40, null], [null, 48, 56]]);
  t.equal(pointsWithData([[1, 2, 3], [null, 1, null], [null, null, null]]), 1);
  t.end();
});

void t.test('derived percentages', (t) => {
  t.equal(cpuBusyPct({ user: 10, system: 5, idle: 80 }), 20, 'busy = 100 - idle');
  t.equal(cpuBusyPct({ user: 10, system: 5, iowait: 1, steal: 0 }), 16, 'without idle: the sum of the charted fields');
  t.equal(cpuBusyPct({}), null);
  t.equal(memoryUsedPct({ used: 4, total: 16 }), 25);
  t.equal(memoryUsedPct({ used: 4, total: 0 }), null, 'no division by zero');
  t.end();
});

void t.test('the list row takes CPU, memory and last-seen from a batch of samples', (t) => {
  const row: AgentRow = { id: 'a', hostname: 'h', status: 'online', lastSeen: 5_000_000_000_000, interval: 5, cpuPct: null, memPct: 50 };
  const next = withLatest(row, [{ family: 'cpu', t: 1_700_000_000, values: { idle: 70 } }]);
  t.equal(next.cpuPct, 30);
  t.equal(next.memPct, 50, 'fields absent from the batch stay');
  t.equal(next.lastSeen, 5_000_000_000_000, 'an older sample does not move last-seen back');
  t.equal(toMs(1_700_000_000), 1_700_000_000_000, 'unix seconds become ms');
  t.equal(toMs(1_700_000_000_000), 1_700_000_000_000, 'ms stay ms');
  t.end();
});

void t.test('the language: remembered choice, else the browser\'s, else English', (t) => {
  const store = (v: string | null) => ({ getItem: () => v });
  t.equal(initialLang(store('ko'), 'en-US'), 'ko');
  t.equal(initialLang(store(null), 'ko-KR'), 'ko');
  t.equal(initialLang(store('xx'), 'ko'), 'ko', 'a bad stored value is ignored');
  t.equal(initialLang(store(null), 'de-DE'), 'en');
  t.equal(initialLang({ getItem: () => { throw new Error('blocked'); } }, 'ko-KR'), 'ko', 'blocked storage still works');
  t.equal(initialLang(null, undefined), 'en');
  t.end();
});

void t.test('every Korean string is translated and keeps the English placeholders', (t) => {
  const keys = ['list.count', 'error.unreachable', 'disk.usedOfSize', 'net.rx', 'time.lastSeen'] satisfies MessageKey[];
  for (const k of keys) {
    const en = translate('en', k).match(/\{\w+\}/g)?.sort() ?? [];
    const ko = translate('ko', k).match(/\{\w+\}/g)?.sort() ?? [];
    t.same(ko, en, `${k} placeholders`);
  }
  t.equal(translate('ko', 'list.count', { shown: 2, total: 5 }), '5대 중 2대');
  t.equal(translate('en', 'list.title'), 'Servers');
  t.equal(translate('ko', 'list.title'), '서버');
  t.end();
});

void t.test('numbers, sizes, rates and times follow the locale', (t) => {
  const en = formattersFor('en-US');
  const ko = formattersFor('ko-KR');
  t.equal(en.bytes(1536), '1.5 KiB');
  t.equal(en.bytes(50 * 1024 ** 3), '50 GiB');
  t.equal(en.bytes(null), '–');
  t.equal(en.bitsPerSec(12_345_678), '12.3 Mbps');
  t.equal(en.percent(42.25), '42.3%');
  t.equal(en.number(12345.6, 0), '12,346');
  t.equal(ko.relative(0, 12_000), '12초 전');
  t.equal(en.relative(0, 120_000), '2 minutes ago');
  t.equal(en.relative(0, 1_000), 'now');
  t.equal(en.relative(60_000, 0), 'now', 'a last-seen ahead of the browser clock is now, not "in 1 minute"');
  t.equal(formattersFor('en-US'), en, 'formatters are built once per locale');
  t.end();
});

void t.test('the open servers round-trip through the URL fragment', (t) => {
  t.same(openIdsFromHash('#open=a,b,a'), ['a', 'b'], 'deduplicated');
  t.same(openIdsFromHash(''), []);
  t.equal(hashWithOpenIds('', ['a', 'b']), '#open=a,b');
  t.equal(hashWithOpenIds('#open=a&x=1', []), '#x=1', 'other parameters are kept');
  t.end();
});
