// The web-log aggregate is exact where it can be and bounded where it cannot (S11): over a
// generated 1,000,000-line Combined log with a Zipf-like URL and visitor mix, requests, bytes and
// status counts equal the generator's own count; the top-10 URLs and visitors are the true top 10
// (Space-Saving with 200 keys: each count within its stated error, the error within N / 200);
// unique visitors within 3 standard errors of HyperLogLog's 1.6 %.
import t from 'tap';
import { HLL_STANDARD_ERROR } from '../../../core/weblog/hyperloglog.js';
import { compileLogFormat, emptyRecord, LogParser } from '../../../core/weblog/log-format.js';
import { WeblogAggregator } from '../../../agent/weblog/weblog-aggregator.js';
import { emptyTruth, exactTop, generateCombinedLog } from '../../../scripts/weblog-generator.js';

void t.test('1,000,000 lines: totals exact, top 10 right, visitors within the sketch error', (t) => {
  const truth = emptyTruth();
  const parser = new LogParser(compileLogFormat('combined'));
  const aggregator = new WeblogAggregator({ source: 'gen' });
  const record = emptyRecord();
  let malformed = 0;
  for (const line of generateCombinedLog({ lines: 1_000_000 }, truth)) {
    if (parser.parse(line, record) === 'ok') aggregator.add(record);
    else malformed++;
  }
  const out = aggregator.flush(0, 10);
  t.equal(malformed, 0);
  t.equal(out.requests, truth.lines, 'requests');
  t.equal(out.bytes, truth.bytes, 'bytes');
  t.same(out.codes, Object.fromEntries([...truth.status.entries()].map(([code, n]) => [String(code), n])), 'every status code');
  t.equal(out.classes[1], (truth.status.get(200) ?? 0) + (truth.status.get(206) ?? 0), '2xx');
  t.equal(out.classes[4], (truth.status.get(500) ?? 0) + (truth.status.get(503) ?? 0), '5xx');

  for (const dimension of ['url', 'visitor'] as const) {
    const exact = exactTop(dimension === 'url' ? truth.url : truth.visitor, 10);
    const sketch = out.top[dimension].slice(0, 10);
    t.same(sketch.map((e) => e.key), exact.map(([key]) => key), `the top-10 ${dimension}s are the true top 10, in order`);
    for (const [i, e] of sketch.entries()) {
      const trueCount = exact[i]![1];
      t.ok(e.count >= trueCount && e.count - e.error <= trueCount, `${dimension} ${e.key}: ${e.count} (error ${e.error}) brackets the true ${trueCount}`);
      t.ok(e.error <= truth.lines / 200, 'within the stated bound N / capacity');
    }
  }
  const distinct = truth.visitor.size;
  t.ok(Math.abs(out.visitors - distinct) <= 3 * HLL_STANDARD_ERROR * distinct, `visitors ${out.visitors} ≈ ${distinct}`);
  t.end();
});
