// Remote write forwards what was stored, and only that (S19, B8), against the REAL built appliance
// with real rrdcached and SQLite, into a loopback remote-write receiver that decodes each
// WriteRequest: a sample rrdcached refuses (older than its file's last) never goes upstream; the
// families the appliance writes itself go too: a probe's perfdata (S5, `check`, host = the
// appliance's label) and a web log's intervals (S11, `weblog`, under its source id); with no
// `appliance` label set, the machine's host name is the label.
import t from 'tap';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../../helpers/mqtt-agent.js';
import { nowS } from '../../helpers/stored-samples.js';
import { agentTopic } from '../../../contract/topics.js';
import type { WeblogSource } from '../../../contract/weblog-api.js';
import type { CheckView } from '../../../contract/checks-api.js';
import { decodeWriteRequest } from '../../../appliance/federation/remote-write-encoding.js';

interface Received {
  labels: Record<string, string>;
  samples: { value: number; timestamp: number }[];
}

void t.test('only stored samples are forwarded; check perfdata and web log intervals are forwarded too', async (t) => {
  const received: Received[] = [];
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      for (const s of decodeWriteRequest(Buffer.concat(chunks))) {
        received.push({ labels: Object.fromEntries(s.labels.map((l) => [l.name, l.value])), samples: s.samples.map((x) => ({ value: x.value, timestamp: Number(x.timestamp) })) });
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => receiver.close(resolve)));
  const port = (receiver.address() as AddressInfo).port;
  // a TCP listener for the probe to find open
  const target = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => target.close(resolve)));

  const app = await startAppliance(t);
  const put = await app.fetch('/api/v1/federation', {
    method: 'PUT', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appliance: 'site-b', remoteWrite: { url: `http://127.0.0.1:${port}/api/v1/write` } }),
  });
  t.equal(put.status, 200);
  const id = await enroll(app, 'stale-host');
  const client = await connectAgent(t, app, id);
  const series = (name: string, match: Record<string, string>): Received['samples'] =>
    received.filter((r) => r.labels.__name__ === name && Object.entries(match).every(([k, v]) => r.labels[k] === v)).flatMap((r) => r.samples);

  await t.test('a sample rrdcached refused is not forwarded', async (t) => {
    const t0 = nowS() - 60;
    await publishMetrics(client, id.agentId, sampleBatch(t0 + 10, 1, 20));
    // older than the file's last update: rrdcached refuses it
    await publishMetrics(client, id.agentId, sampleBatch(t0 + 5, 1, 99));
    await publishMetrics(client, id.agentId, sampleBatch(t0 + 15, 1, 30));
    const got = await waitFor('the third batch upstream', () => {
      const s = series('rackwatch_cpu_user_percent', { host: 'stale-host' });
      return s.some((x) => x.value === 30) ? s : null;
    }, { timeoutMs: 60_000, intervalMs: 200 });
    t.same(got.map((x) => [x.timestamp / 1000, x.value]), [[t0 + 10, 20], [t0 + 15, 30]], 'the stored two, not the refused one');
  });

  await t.test('a probe\'s perfdata goes upstream under the appliance\'s label', async (t) => {
    const probe = await app.api<CheckView>('/api/v1/checks', { type: 'probe-tcp', name: 'web from the box', host: '127.0.0.1', port: (target.address() as AddressInfo).port, interval: 10, agentId: id.agentId });
    const got = await waitFor('the probe\'s time upstream', () => {
      const s = series('rackwatch_check_value', { check: `${probe.id}/time` });
      return s.length > 0 ? received.find((r) => r.labels.check === `${probe.id}/time`) : null;
    }, { timeoutMs: 90_000, intervalMs: 500 });
    t.same(got?.labels, { __name__: 'rackwatch_check_value', appliance: 'site-b', host: 'site-b', check: `${probe.id}/time` }, 'the check family, keyed by check and label');
    t.ok((got?.samples[0]?.value ?? -1) >= 0, 'a response time in seconds');
  });

  await t.test('a web log\'s intervals go upstream under their source', async (t) => {
    const source = await app.api<WeblogSource>('/api/v1/weblogs', { agentId: id.agentId, path: '/var/log/nginx/access.log', format: 'combined' });
    const ts = nowS() - 30;
    const noTop = { url: [], referrer: [], visitor: [], agent: [], notfound: [] };
    const interval = {
      source: source.id, t: ts - (ts % 10), i: 10, requests: 500, bytes: 500_000, classes: [0, 450, 0, 40, 10], codes: { 200: 450, 404: 40, 500: 10 }, methods: { GET: 500 },
      latency: { p50: 12, p95: 80, p99: 150, max: 300 }, visitors: 3, top: noTop, malformed: 0, cut: 0, samples: [], problem: null,
    };
    await client.publishAsync(agentTopic(id.agentId, 'weblog'), JSON.stringify({ v: 1, intervals: [interval] }), { qos: 1 });
    const got = await waitFor('the web log upstream', () => {
      const s = series('rackwatch_weblog_requests_per_second', { source: source.id });
      return s.length > 0 ? s : null;
    }, { timeoutMs: 60_000, intervalMs: 200 });
    t.same(got.map((x) => x.value), [50], '500 requests in 10 s: 50 per second');
    t.same(series('rackwatch_weblog_s5xx_per_second', { source: source.id, host: 'stale-host' }).map((x) => x.value), [1], 'its 5xx rate, on the agent\'s host');
  });

  await t.test('with no appliance label set, the machine\'s host name is the label (read when the settings are applied)', async (t) => {
    const put = await app.fetch('/api/v1/federation', {
      method: 'PUT', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ remoteWrite: { url: `http://127.0.0.1:${port}/api/v1/write` } }),
    });
    t.equal(put.status, 200);
    const ts = nowS() - 2;
    await publishMetrics(client, id.agentId, sampleBatch(ts, 1, 77));
    const got = await waitFor('the batch upstream', () => received.find((r) => r.labels.__name__ === 'rackwatch_cpu_user_percent' && r.labels.host === 'stale-host' && r.samples.some((x) => x.timestamp === ts * 1000)) ?? null, { timeoutMs: 30_000, intervalMs: 200 });
    t.equal(got.labels.appliance, os.hostname(), 'the appliance label');
  });
});
