// Remote write (S19, B8) against Debian's Prometheus with its remote-write receiver, on loopback:
// what an agent sends arrives with the documented names, labels and values (the same the
// appliance's own series API answers); a receiver that goes away and comes back gets everything
// missed over 2 minutes of samples, in order; an endpoint refusing with 400 is not retried
// forever, a 503 is retried.
// Prometheus also scrapes the appliance's /metrics with a token, as OpenMetrics.
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROOT, startAppliance, waitFor, type RunningAppliance } from '../../helpers/appliance-harness.js';
import { connectAgent, enroll, publishMetrics, sampleBatch } from '../../helpers/mqtt-agent.js';
import { cpuRows, nowS } from '../../helpers/stored-samples.js';
import { startPrometheus, type PromSeries } from '../../helpers/prometheus.js';
import { decodeWriteRequest } from '../../../appliance/federation/remote-write-encoding.js';
import type { FederationResponse } from '../../../contract/federation-api.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';

async function putFederation(app: RunningAppliance, body: unknown): Promise<{ status: number; json: FederationResponse & { error?: { message: string } } }> {
  const res = await app.fetch('/api/v1/federation', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() as FederationResponse & { error?: { message: string } } };
}

/** The cpu `user` samples Prometheus holds for `host`, [unix s, value] in its order. */
async function promCpu(prom: Awaited<ReturnType<typeof startPrometheus>>, host: string): Promise<[number, number][]> {
  const r = await prom.query<PromSeries>(`rackwatch_cpu_user_percent{host="${host}"}[1h]`);
  return (r[0]?.values ?? []).map(([ts, v]) => [ts, Number(v)]);
}

void t.test('samples reach Prometheus with their labels and values, and an outage is backfilled in order', async (t) => {
  const app = await startAppliance(t);
  const prom = await startPrometheus(t, {
    scrapeConfigs: [{
      job_name: 'rackwatch', metrics_path: '/metrics', static_configs: [{ targets: [new URL(app.url).host] }],
      authorization: { type: 'Bearer', credentials: app.apiToken },
    }],
  });

  const anonymous = await app.fetchAnonymous('/api/v1/federation');
  t.equal(anonymous.status, 401, 'the settings need a sign-in');
  const bad = await putFederation(app, { remoteWrite: { url: 'ftp://x', downsampleS: -1 } });
  t.equal(bad.status, 400, 'a bad setting is refused');
  t.match(bad.json.error?.message, /remoteWrite\.url/, 'naming the field');
  const put = await putFederation(app, { appliance: 'site-a', remoteWrite: { url: prom.writeUrl, auth: { kind: 'bearer', token: 'upstream-secret' } } });
  t.equal(put.status, 200, JSON.stringify(put.json));
  t.same(put.json.remoteWrite?.auth, { kind: 'bearer', tokenSet: true }, 'the token is not shown back');
  const audit = await app.api<{ entries: { action: string; after?: unknown }[] }>('/api/v1/audit');
  const entry = audit.entries.find((e) => /federation/.test(e.action));
  t.ok(entry, 'the change is in the audit log');
  t.notMatch(JSON.stringify(entry), /upstream-secret/, 'without the secret');

  const id = await enroll(app, 'fed-host');
  const client = await connectAgent(t, app, id);
  // the agent's clock runs 5 minutes behind now, so that the 2 minutes of the outage below fit before now
  const t0 = nowS() - 300;
  const sent = new Map<number, number>();
  // one batch a second for 20 s of agent time, each cpu user value its own
  for (let i = 0; i < 20; i++) {
    const ts = t0 + i;
    sent.set(ts, 10 + i / 2);
    await publishMetrics(client, id.agentId, sampleBatch(ts, 1, 10 + i / 2));
  }
  const arrived = await waitFor('the samples in Prometheus', async () => {
    const got = await promCpu(prom, 'fed-host');
    return got.length >= 20 ? got : null;
  }, { timeoutMs: 60_000, intervalMs: 500 });
  t.same(arrived, [...sent].map(([ts, v]) => [ts, v]), 'every cpu sample, at its second, with its value, in order');
  const stored = await cpuRows(app, id.agentId, t0 - 1, t0 + 19);
  t.same(arrived.map(([ts]) => stored.get(ts)), arrived.map(([, v]) => v), 'the same values the appliance\'s series API answers');

  const [fs] = await prom.query<PromSeries>('rackwatch_fs_used_bytes{host="fed-host"}');
  t.same(fs?.metric, { __name__: 'rackwatch_fs_used_bytes', appliance: 'site-a', host: 'fed-host', mount: '/' }, 'labels: appliance, host, the family key as mount');
  t.equal(Number(fs?.value?.[1]), 4e10);
  const [mem] = await prom.query<PromSeries>('rackwatch_memory_available_bytes{host="fed-host"}');
  t.equal(Number(mem?.value?.[1]), 5e9, 'memory in bytes');

  // the shipped Grafana dashboard: every panel's query parses and runs on this Prometheus (a
  // query error throws), and those on the families the test batch has (cpu, memory, fs) show data
  const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'docs', 'grafana', 'rackwatch.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
  for (const panel of dashboard.panels) {
    for (const target of panel.targets) {
      const expr = target.expr.replaceAll('$appliance', '.*').replaceAll('$host', '.*');
      const result = await prom.query<PromSeries>(expr);
      if (!/rackwatch_(net|disk|load)_/.test(expr)) t.ok(result.length > 0, `dashboard panel "${panel.title}" shows the server`);
    }
  }

  // the appliance's own metrics, scraped by Prometheus with the token, as OpenMetrics
  const up = await waitFor('the scrape of /metrics', async () => (await prom.query<PromSeries>('up{job="rackwatch"}'))[0]?.value?.[1] === '1', { timeoutMs: 30_000, intervalMs: 500 });
  t.ok(up, 'Prometheus scrapes /metrics with the bearer token');
  const sentCounter = await waitFor('rackwatch_remote_write_samples_sent_total', async () => {
    const v = Number((await prom.query<PromSeries>('rackwatch_remote_write_samples_sent_total'))[0]?.value?.[1] ?? 0);
    return v > 0 ? v : null;
  }, { timeoutMs: 30_000, intervalMs: 500 });
  t.ok(sentCounter > 0, 'and sees the remote-write counter');

  // an outage of 2 minutes: the receiver stops, the agent keeps sending, the receiver comes back.
  // The 2 minutes are the samples' time, not the test's: the agent sends the 120 one-second
  // batches of 2 minutes while Prometheus is down (the appliance stores and queues by sample, so
  // what the queue holds and must backfill in order is 2 minutes' worth), then Prometheus comes
  // back. Waiting the 2 minutes out in wall time would only add the sender's longer backoff.
  await prom.stop();
  for (let i = 20; i < 140; i++) {
    const ts = t0 + i;
    sent.set(ts, 10 + i / 2);
    await publishMetrics(client, id.agentId, sampleBatch(ts, 1, 10 + i / 2));
  }
  const during = await waitFor('a failed request', async () => {
    const v = await app.api<FederationResponse>('/api/v1/federation');
    return v.status.requestsFailed > 0 && v.status.queuedSamples > 0 ? v : null;
  }, { timeoutMs: 30_000, intervalMs: 200 });
  t.match(during.status.lastError?.message, /cannot reach the endpoint/, 'the outage is reported');
  await prom.restart();
  const after = await waitFor('the backfill', async () => {
    const got = await promCpu(prom, 'fed-host');
    return got.length >= 140 ? got : null;
  }, { timeoutMs: 90_000, intervalMs: 500 });
  t.same(after, [...sent].map(([ts, v]) => [ts, v]), 'nothing missing after the 2-minute outage, in order');
  const settled = await waitFor('an empty queue', async () => {
    const v = await app.api<FederationResponse>('/api/v1/federation');
    return v.status.queuedSamples === 0 ? v : null;
  });
  t.equal(settled.status.samplesDropped, 0, 'nothing dropped');
});

void t.test('an endpoint answering 400 is not retried; 503 is retried until it accepts', async (t) => {
  let mode: 400 | 503 = 400;
  const requests: { status: number; samples: number }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const samples = decodeWriteRequest(Buffer.concat(chunks)).reduce((a, s) => a + s.samples.length, 0);
      const status = mode === 503 && requests.filter((r) => r.status === 503).length >= 3 ? 204 : mode;
      requests.push({ status, samples });
      res.writeHead(status).end(status === 204 ? '' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
  const app = await startAppliance(t);
  t.equal((await putFederation(app, { remoteWrite: { url, families: ['cpu'] } })).status, 200);
  const id = await enroll(app, 'refused-host');
  const client = await connectAgent(t, app, id);
  await publishMetrics(client, id.agentId, sampleBatch(nowS() - 5));
  const v = await waitFor('the drop', async () => {
    const r = await app.api<FederationResponse>('/api/v1/federation');
    return r.status.samplesDropped > 0 && r.status.queuedSamples === 0 ? r : null;
  }, { timeoutMs: 30_000, intervalMs: 200 });
  t.equal(v.status.samplesDropped, 5, 'the five cpu fields are dropped (the family filter left memory and fs out)');
  t.match(v.status.lastError?.message, /400.*not retried/);
  t.same(requests, [{ status: 400, samples: 5 }], 'one request, not retried');

  mode = 503;
  await publishMetrics(client, id.agentId, sampleBatch(nowS() - 4));
  await waitFor('the accepted retry', () => requests.some((r) => r.status === 204), { timeoutMs: 60_000, intervalMs: 200 });
  t.same(requests.slice(1).map((r) => r.status), [503, 503, 503, 204], '503 retried until accepted');
  const after = await app.api<FederationResponse>('/api/v1/federation');
  t.equal(after.status.samplesSent, 5, 'then sent');
});
