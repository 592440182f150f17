// The Web logs and Pools screens' pure parts (S11, B6): a source's status mix from its counts by
// code, the pool chart's columns per metric (5xx as a percentage of the requests, a row without
// requests a gap), and the screens' addresses in the hash.
import t from 'tap';
import { hashParam, hashWith, poolMetricColumns, statusMix } from '../../webui/src/weblog-model.js';
import type { SeriesWindow } from '../../webui/src/series-window.js';

void t.test('the status mix sums the codes by class and leaves out what is no HTTP status', (t) => {
  t.same(statusMix({ status: { 200: 90, 204: 5, 301: 2, 404: 7, 499: 1, 500: 3, 503: 1, 999: 4, 20: 8 } }), { '2xx': 95, '3xx': 2, '4xx': 8, '5xx': 4 });
  t.same(statusMix({ status: {} }), { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 });
  t.end();
});

void t.test('the pool chart: one column per member of the chosen metric, on the union of their times', (t) => {
  const w = (times: number[], req: (number | null)[], s5xx: (number | null)[], p95: (number | null)[]): SeriesWindow => ({ fields: ['requests', 's5xx', 'p95_ms'], data: [times, req, s5xx, p95] });
  const a = w([10, 20, 30], [100, 0, 50], [5, 0, null], [40, 41, 42]);
  const b = w([20, 30], [200, 200], [2, 20], [30, 31]);
  t.same(poolMetricColumns([a, b], 'requests'), [[10, 20, 30], [100, 0, 50], [null, 200, 200]]);
  t.same(poolMetricColumns([a, b], 'errors'), [[10, 20, 30], [5, null, null], [null, 1, 10]], '5xx in % of requests; no requests or no 5xx value is a gap');
  t.same(poolMetricColumns([a, b], 'p95'), [[10, 20, 30], [40, 41, 42], [null, 30, 31]]);
  t.end();
});

void t.test('a screen\'s selection in the hash keeps the other parameters', (t) => {
  t.equal(hashParam('#view=pools&pool=p-1', 'pool'), 'p-1');
  t.equal(hashParam('', 'pool'), null);
  t.equal(hashWith('#view=weblogs', 'server', 'a 1'), '#view=weblogs&server=a+1');
  t.equal(hashParam(hashWith('#view=weblogs', 'server', 'a 1'), 'server'), 'a 1');
  t.equal(hashWith('#view=pools&pool=p-1', 'pool', null), '#view=pools');
  t.end();
});
