// S17 push benchmark (docs/benchmarks.md "Fleet file push"): one 10 MiB file pushed to N agents on
// loopback through the built appliance, end to end: the job made over the API, each agent's
// retained config carrying its signed link, the agent's HTTPS download with its SHA-256 checked,
// its result on `…/file-jobs`, until the appliance shows every server done. The agents are
// lightweight simulated ones in this process (an MQTT session each, the download and hash check of
// agent/files/content-download.ts, no account child): 500 real agent processes do not fit a
// 2-core machine. Reported: time until all done, the appliance's peak RSS and CPU, bytes served.
// Baseline, same run and same fetchers: the same file served N times by a bare node:https server
// (createReadStream, the appliance's own certificate), the floor of moving those bytes over TLS.
//
//   node scripts/bench/run.mjs scripts/bench/push.ts [--agents 500] [--mib 10]
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import type { FileJobView, UploadedFile } from '../../contract/files-api.js';
import { enrollAgents, type AgentIdentity } from '../loadgen.js';
import { applianceBinary, Cleanup, startAppliance } from './processes.js';
import { cpuSeconds, RssSampler } from './proc-stats.js';

/** run.mjs bundles this script elsewhere: the checkout is where it is run from */
const root = process.env.RW_REPO_ROOT ?? process.cwd();
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg('agents', 500);
const MIB = arg('mib', 10);
const TOKEN = 'rackwatch-push-bench';
const log = (s: string): void => { process.stdout.write(`${s}\n`); };

/** Downloads `url` with the hash check the agent makes; resolves the bytes. */
function fetchChecked(url: string, sha256: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https.get(url, { rejectUnauthorized: false }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode ?? '?'}`));
      const h = createHash('sha256');
      let n = 0;
      res.on('data', (c: Buffer) => { n += c.length; h.update(c); });
      res.on('end', () => (h.digest('hex') === sha256 ? resolve(n) : reject(new Error('checksum mismatch'))));
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function main(): Promise<void> {
  const cleanup = new Cleanup();
  process.on('exit', () => cleanup.runAll());
  const work = cleanup.tempDir('rw-push-');
  const content = randomBytes(MIB * 1024 * 1024);
  const sha256 = createHash('sha256').update(content).digest('hex');
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  log(`push benchmark: ${N} simulated agents, a ${MIB} MiB file; load average at start ${load} on ${os.cpus().length} cores`);

  const app = await startAppliance(cleanup, { binary: applianceBinary(root), dataDir: path.join(work.dir, 'data'), token: TOKEN, extraArgs: ['--log-level', 'warn'], nodeArgs: [] });
  const base = `http://127.0.0.1:${app.httpPort}`;
  const api = async <T>(p: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(base + p, { ...init, headers: { authorization: `Bearer ${app.apiToken}`, ...(init.headers ?? {}) } });
    if (!res.ok) throw new Error(`${p}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const t0 = performance.now();
  const agents: AgentIdentity[] = await enrollAgents({ httpUrl: base, token: TOKEN, count: N, concurrency: 16, cacheFile: path.join(work.dir, 'ids.json') });
  log(`enrolled ${agents.length} agents in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // the simulated agents: each runs its jobs once when its config brings them
  let downloaded = 0;
  let failures = 0;
  const clients: MqttClient[] = [];
  await Promise.all(agents.map((a) => new Promise<void>((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${app.mqttPort}`, { clientId: a.agentId, username: a.agentId, password: a.secret, reconnectPeriod: 1000 });
    clients.push(c);
    const done = new Set<string>();
    c.on('message', (_topic, payload) => {
      const cfg = JSON.parse(payload.toString()) as { fileJobs?: { id: string; file?: { url: string; sha256: string } }[] };
      for (const job of cfg.fileJobs ?? []) {
        if (done.has(job.id) || !job.file) continue;
        done.add(job.id);
        fetchChecked(job.file.url, job.file.sha256).then((n) => {
          downloaded += n;
          c.publish(`rw/v1/${a.agentId}/file-jobs`, JSON.stringify({ v: 1, results: [{ id: job.id, state: 'done', at: Date.now() / 1000 }] }), { qos: 1 });
        }, (e: unknown) => {
          failures++;
          c.publish(`rw/v1/${a.agentId}/file-jobs`, JSON.stringify({ v: 1, results: [{ id: job.id, state: 'failed', reason: String(e), at: Date.now() / 1000 }] }), { qos: 1 });
        });
      }
    });
    c.once('connect', () => c.subscribe(`rw/v1/${a.agentId}/config`, { qos: 1 }, (e) => (e ? reject(e) : resolve())));
    c.once('error', reject);
  })));
  cleanup.add('mqtt clients', () => { for (const c of clients) c.end(true); });
  log(`${clients.length} agents connected`);

  // the appliance
  const rss = new RssSampler(() => ({ appliance: app.pid }));
  rss.start();
  const file = await api<UploadedFile>('/api/v1/files?name=bench.bin', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: content });
  const cpu0 = cpuSeconds(app.pid) ?? 0;
  const tJob = performance.now();
  const job = await api<FileJobView>('/api/v1/jobs', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ targets: { agentIds: agents.map((a) => a.agentId) }, action: 'push', path: '/srv/bench.bin', fileId: file.id, runAs: 'nobody' }),
  });
  let view = job;
  while (view.counts.queued + view.counts.running > 0) {
    await new Promise((r) => setTimeout(r, 250));
    view = await api<FileJobView>(`/api/v1/jobs/${job.id}`);
  }
  const appS = (performance.now() - tJob) / 1000;
  const appCpu = (cpuSeconds(app.pid) ?? 0) - cpu0;
  rss.stop();
  const peakMb = (rss.peakKb('appliance') ?? 0) / 1024;
  const served = downloaded;
  log(`appliance: ${view.counts.done}/${N} done (${view.counts.failed} failed) in ${appS.toFixed(1)} s; ${(served / 1024 ** 3).toFixed(2)} GiB served; appliance CPU ${appCpu.toFixed(1)} s, peak RSS ${peakMb.toFixed(0)} MB`);

  // baseline: the same bytes to the same number of fetchers from a bare node:https server
  const tlsDir = path.join(work.dir, 'data', 'tls');
  const blob = path.join(work.dir, 'blob');
  writeFileSync(blob, content);
  const server = https.createServer({ key: readFileSync(path.join(tlsDir, 'key.pem')), cert: readFileSync(path.join(tlsDir, 'cert.pem')) }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(content.length) });
    createReadStream(blob).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const tBase = performance.now();
  const bytes = await Promise.all(agents.map(() => fetchChecked(`https://127.0.0.1:${port}/blob`, sha256)));
  const baseS = (performance.now() - tBase) / 1000;
  server.close();
  log(`baseline (bare node:https, same fetchers in this process): ${N} downloads, ${(bytes.reduce((a, b) => a + b, 0) / 1024 ** 3).toFixed(2)} GiB in ${baseS.toFixed(1)} s`);
  log(`ratio: appliance end to end / bare HTTPS = ${(appS / baseS).toFixed(2)}×; download failures ${failures}; load average at end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const c of clients) c.end(true);
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`push benchmark failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
