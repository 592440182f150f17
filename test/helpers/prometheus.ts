// Debian's Prometheus and Alertmanager for the federation tests (S19): started by the test on
// 127.0.0.1 with a free port and a temporary data dir, stoppable and restartable on the same port
// and data (a WAN outage and its end), torn down with the test.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, waitFor, type Teardownable } from './appliance-harness.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { tempDir } from './temp-dir.js';

export interface RunningServer {
  url: string;
  port: number;
  output(): string;
  /** SIGTERM and wait for the exit */
  stop(): Promise<void>;
  /** starts it again on the same port and data dir */
  restart(): Promise<void>;
}

async function runServer(t: Teardownable, name: string, port: number, args: string[], readyPath = '/-/ready'): Promise<RunningServer> {
  let proc: ChildProcess | null = null;
  let out = '';
  const url = `http://127.0.0.1:${port}`;
  const start = async (): Promise<void> => {
    const p = spawn(name, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    await Promise.race([
      waitFor(`${name} ready`, async () => (await fetch(`${url}${readyPath}`)).ok, { timeoutMs: 60_000, intervalMs: 200 }),
      new Promise<never>((_, reject) => p.once('exit', (code) => reject(new Error(`${name} exited (${code}) before ready:\n${out}`)))),
    ]);
  };
  const stop = async (): Promise<void> => {
    const p = proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGTERM');
    await exited;
  };
  t.teardown(stop);
  await start();
  return { url, port, output: () => out, stop, restart: start };
}

export interface PrometheusOptions {
  /** scrape configs (YAML objects as JSON: YAML is a superset) */
  scrapeConfigs?: unknown[];
}

export interface RunningPrometheus extends RunningServer {
  /** the remote-write receiver */
  writeUrl: string;
  /** an instant query's result vector or matrix */
  query<T = PromSeries>(promql: string): Promise<T[]>;
}

export interface PromSeries {
  metric: Record<string, string>;
  /** a range vector's samples: [unix seconds, "value"] */
  values?: [number, string][];
  value?: [number, string];
}

async function instantQuery<T>(url: string, promql: string): Promise<T[]> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = await res.json() as { status: string; error?: string; data: { result: T[] } };
  if (body.status !== 'success') throw new Error(`${promql}: ${body.error ?? res.status}`);
  return body.data.result;
}

/** Debian's VictoriaMetrics (single node): remote write at /api/v1/write, PromQL at /api/v1/query. */
export async function startVictoriaMetrics(t: Teardownable): Promise<RunningPrometheus> {
  const dir = tempDir(t, 'rw-vm-');
  const port = await freePort();
  const server = await runServer(t, 'victoria-metrics', port, [
    `-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${path.join(dir, 'data')}`, '-retentionPeriod=1',
    // recent samples are searchable at once (the default hides the last 30 s), no cached answers
    '-search.latencyOffset=0s', '-search.disableCache', '-loggerLevel=ERROR',
  ], '/health');
  return { ...server, writeUrl: `${server.url}/api/v1/write`, query: <T>(promql: string) => instantQuery<T>(server.url, promql) };
}

export async function startPrometheus(t: Teardownable, opts: PrometheusOptions = {}): Promise<RunningPrometheus> {
  const dir = tempDir(t, 'rw-prom-');
  const config = path.join(dir, 'prometheus.yml');
  writeFileSync(config, JSON.stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs: opts.scrapeConfigs ?? [] }));
  const port = await freePort();
  const server = await runServer(t, 'prometheus', port, [
    `--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-remote-write-receiver', '--log.level=warn',
  ]);
  return {
    ...server,
    writeUrl: `${server.url}/api/v1/write`,
    query: <T>(promql: string) => instantQuery<T>(server.url, promql),
  };
}

export interface RunningAlertmanager extends RunningServer {
  /** GET /api/v2/alerts (active, silenced, inhibited and, with `resolved`, resolved ones too) */
  alerts(): Promise<{ labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; status: { state: string } }[]>;
}

/** `webhookUrl`: where Alertmanager sends its notifications (firing and resolved), grouped by alert. */
export async function startAlertmanager(t: Teardownable, webhookUrl: string): Promise<RunningAlertmanager> {
  const dir = tempDir(t, 'rw-am-');
  const config = path.join(dir, 'alertmanager.yml');
  writeFileSync(config, JSON.stringify({
    route: { receiver: 'hook', group_by: ['alert_id'], group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
    receivers: [{ name: 'hook', webhook_configs: [{ url: webhookUrl, send_resolved: true }] }],
  }));
  const port = await freePort();
  const cluster = await freePort();
  const server = await runServer(t, 'prometheus-alertmanager', port, [
    `--config.file=${config}`, `--storage.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
    `--cluster.listen-address=127.0.0.1:${cluster}`, '--log.level=warn',
  ]);
  return {
    ...server,
    alerts: async () => {
      const res = await fetch(`${server.url}/api/v2/alerts`);
      if (!res.ok) throw new Error(`alertmanager: ${res.status}`);
      return res.json() as Promise<Awaited<ReturnType<RunningAlertmanager['alerts']>>>;
    },
  };
}
