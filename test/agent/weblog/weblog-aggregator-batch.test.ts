// The web-log aggregate counted in batches (S11; agent/weblog/weblog-aggregator.ts): a key's
// lines in several batches (settled between polls, or early when a batch holds BATCH_KEYS keys)
// add up in its top table; Referers of one site and User-Agents of one family, reduced only when a
// batch is settled, are one entry; a visitor seen in several batches is one distinct visitor.
import t from 'tap';
import { BATCH_KEYS, WeblogAggregator } from '../../../agent/weblog/weblog-aggregator.js';
import { emptyRecord, type LogRecord } from '../../../core/weblog/log-format.js';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const FIREFOX_OLDER = 'Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0';

function record(o: Partial<LogRecord>): LogRecord {
  return { ...emptyRecord(), method: 'GET', url: '/', status: 200, bytes: 10, ...o };
}

void t.test('keys add up across batches; sites and families reduced when a batch is settled', (t) => {
  const a = new WeblogAggregator({ source: 's' });
  a.add(record({ client: '192.0.2.1', url: '/shop?id=1', referrer: 'https://www.example.com/a', agent: FIREFOX }));
  a.add(record({ client: '192.0.2.1', url: '/shop?id=2', referrer: 'https://www.example.com/b?q=1', agent: FIREFOX_OLDER }));
  a.settle();
  a.add(record({ client: '192.0.2.1', url: '/shop', referrer: 'https://WWW.EXAMPLE.COM/', agent: FIREFOX }));
  a.add(record({ client: '192.0.2.2', url: '/missing', status: 404, referrer: '', agent: 'curl/8.5.0' }));
  const out = a.flush(0, 10);
  t.equal(out.requests, 4);
  t.same(out.top.url.map((e) => [e.key, e.count]), [['/shop', 3], ['/missing', 1]], 'one URL over two batches, its query strings stripped');
  t.same(out.top.referrer.map((e) => [e.key, e.count]), [['www.example.com', 3], ['(direct)', 1]], 'three Referers of one site are one entry');
  t.same(out.top.agent.map((e) => [e.key, e.count]), [['Firefox / Linux', 3], ['curl', 1]], 'two Firefox versions are one family');
  t.same(out.top.notfound.map((e) => [e.key, e.count]), [['/missing', 1]]);
  t.same(out.top.visitor.map((e) => [e.key, e.count]), [['192.0.2.1', 3], ['192.0.2.2', 1]]);
  t.equal(out.visitors, 2, 'a visitor in two batches is one distinct visitor');
  const next = a.flush(10, 10);
  t.same([next.requests, next.top.url, next.visitors], [0, [], 0], 'the next interval starts empty');
  t.end();
});

void t.test('a batch of more than BATCH_KEYS distinct URLs is settled early: the heavy key stays on top, its count bracketed', (t) => {
  const a = new WeblogAggregator({ source: 's' });
  const unique = BATCH_KEYS * 3;
  for (let i = 0; i < unique; i++) {
    a.add(record({ url: `/item/${i}` }));
    if (i % 4 === 0) a.add(record({ url: '/hot' }));
  }
  const out = a.flush(0, 10);
  const hot = out.top.url[0];
  const trueHot = unique / 4;
  t.equal(out.requests, unique + trueHot);
  t.equal(hot?.key, '/hot', 'the heavy hitter first');
  t.ok(hot && hot.count >= trueHot && hot.count - hot.error <= trueHot, `its count ${hot?.count ?? '?'} (error ${hot?.error ?? '?'}) brackets the true ${trueHot}`);
  t.end();
});

void t.test('bytes are summed exactly past 2^31 and 2^32, whatever each line sends', (t) => {
  const a = new WeblogAggregator({ source: 's' });
  const sizes = [2 ** 30 - 1, 1, 2 ** 31 + 7, 123_456_789, 0, 10 ** 12 + 3, 5];
  for (let i = 0; i < 1000; i++) for (const bytes of sizes) a.add(record({ bytes }));
  t.equal(a.flush(0, 10).bytes, 1000 * sizes.reduce((s, n) => s + n, 0));
  t.equal(a.flush(10, 10).bytes, 0, 'the next interval starts from 0');
  t.end();
});
