// Remote write into Debian's VictoriaMetrics (S19, B8), the engine docs/scale.md recommends for
// many sites: what an agent sends arrives there under the documented names and labels, with the
// values the appliance's own series API answers.
import t from 'tap';
import { startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../../helpers/mqtt-agent.js';
import { cpuRows, nowS } from '../../helpers/stored-samples.js';
import { startVictoriaMetrics, type PromSeries } from '../../helpers/prometheus.js';

void t.test('samples reach VictoriaMetrics with their labels and values', async (t) => {
  const vm = await startVictoriaMetrics(t);
  const app = await startAppliance(t);
  const put = await app.fetch('/api/v1/federation', {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ appliance: 'site-v', remoteWrite: { url: vm.writeUrl } }),
  });
  t.equal(put.status, 200, await put.text());
  const id = await enroll(app, 'vm-host');
  const client = await connectAgent(t, app, id);
  const t0 = nowS() - 90;
  for (let i = 0; i < 15; i++) await publishMetrics(client, id.agentId, sampleBatch(t0 + i, 1, 20 + i));
  const got = await waitFor('the samples in VictoriaMetrics', async () => {
    const r = await vm.query<PromSeries>('rackwatch_cpu_user_percent{host="vm-host"}[1h]');
    const values = (r[0]?.values ?? []).map(([ts, v]): [number, number] => [ts, Number(v)]);
    return values.length >= 15 ? { metric: r[0]?.metric, values } : null;
  }, { timeoutMs: 60_000, intervalMs: 500 });
  t.same(got.values, Array.from({ length: 15 }, (_, i) => [t0 + i, 20 + i]), 'every sample at its second, in order');
  t.same(got.metric, { __name__: 'rackwatch_cpu_user_percent', appliance: 'site-v', host: 'vm-host' }, 'the labels');
  const stored = await cpuRows(app, id.agentId, t0 - 1, t0 + 14);
  t.same(got.values.map(([ts]) => stored.get(ts)), got.values.map(([, v]) => v), 'the values the appliance\'s series API answers');
  const [fs] = await vm.query<PromSeries>('rackwatch_fs_avail_bytes{host="vm-host", mount="/"}');
  t.equal(Number(fs?.value?.[1]), 6e10, 'a keyed family, by mount');
});
