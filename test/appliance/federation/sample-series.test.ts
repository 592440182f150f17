// How samples are named upstream and downsampled before the queue (S19): the names the Grafana
// dashboard and docs/api.md promise, and one average per series per step.
import t from 'tap';
import { metricName, seriesLabels } from '../../../appliance/federation/sample-series.js';
import { Downsampler } from '../../../appliance/federation/downsampler.js';

void t.test('metric names follow Prometheus conventions without saying a unit twice', (t) => {
  t.equal(metricName('cpu', 'user'), 'rackwatch_cpu_user_percent');
  t.equal(metricName('fs', 'used'), 'rackwatch_fs_used_bytes');
  t.equal(metricName('net', 'rx_bytes'), 'rackwatch_net_rx_bytes_per_second');
  t.equal(metricName('net', 'rx_packets'), 'rackwatch_net_rx_packets_per_second');
  t.equal(metricName('load', 'load1'), 'rackwatch_load_load1');
  t.equal(metricName('weblog', 'bytes'), 'rackwatch_weblog_bytes_per_second');
  t.same(seriesLabels({ appliance: 'a', host: 'h', group: 'db,web' }, 'fs', 'used', '/var'), [
    ['__name__', 'rackwatch_fs_used_bytes'], ['appliance', 'a'], ['group', 'db,web'], ['host', 'h'], ['mount', '/var'],
  ], 'sorted by name, the key under its own label');
  t.same(seriesLabels({ appliance: 'a', host: 'h', group: '' }, 'cpu', 'idle', undefined).map(([n]) => n), ['__name__', 'appliance', 'host'], 'no empty group label');
  t.end();
});

void t.test('downsampling: one average per series per step, sent when the next step begins', (t) => {
  const d = new Downsampler(60);
  const o = { appliance: 'a', host: 'h', group: '' };
  const out = [];
  for (let ts = 120; ts < 240; ts += 5) {
    const r = d.add('agent-1', { o, s: [{ t: ts, f: 'cpu', v: { user: ts < 180 ? 10 : 30, idle: null } }] });
    if (r) out.push(r);
  }
  t.same(out, [{ o, s: [{ t: 120, f: 'cpu', v: { user: 10 } }] }], 'the first minute, once the second began');
  const next = d.add('agent-1', { o, s: [{ t: 240, f: 'cpu', v: { user: 0 } }] });
  t.same(next?.s, [{ t: 180, f: 'cpu', v: { user: 30 } }], 'then the second minute');
  t.equal(d.add('agent-2', { o, s: [{ t: 300, f: 'cpu', v: { user: 1 } }] }), null, 'each agent on its own');
  t.end();
});
