// The standby appliance (S13, B4; docs/standby.md), two figures:
//
//   node scripts/build.mjs && node scripts/bench/run.mjs scripts/bench/failover.ts [--grace 10] [--seconds 60] [--interval 5]
//
// 1. Failover: two built appliances (dist/appliance.js) with `--modem sim`, paired with --grace
//    seconds, one on-call contact made on the primary and copied to the standby. The primary is
//    SIGKILLed once the standby hears it; the figure is the time from the kill to the standby's
//    first SMS (the simulator's log: the message complete). Target: grace + 15 s.
// 2. Dual publishing's cost on the agent: the built agent (as installed, with its node flags) runs
//    --seconds with one appliance, then --seconds with two (`--standby-mqtt`), each publishing to
//    Aedes brokers in this process; CPU (every thread's, /proc/<pid>/task/*/schedstat) per second
//    and RSS (mean and peak, sampled every 250 ms) of each run, after a 10 s warm-up.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Aedes } from 'aedes';
import type { SimLogResponse } from '../../contract/alerts-api.js';
import type { PairStatus } from '../../contract/pair.js';
import { cpuSecondsPrecise, RssSampler } from './proc-stats.js';
import { Cleanup, startAppliance, type StartedAppliance } from './processes.js';

const repoRoot = process.env.RW_REPO_ROOT ?? process.cwd();
const { values: args } = parseArgs({
  options: {
    grace: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '60' },
    interval: { type: 'string', default: '5' },
    'agent-node-flags': { type: 'string', default: '--max-semi-space-size=1 --optimize-for-size' },
  },
});
const GRACE_S = Number(args.grace);
const SECONDS = Number(args.seconds);
const WARMUP_S = 10;
const CONTACT = '+821099998888';
const SECRET = 'failover-bench-pair-secret';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | null | false | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await probe();
      if (v !== null && v !== false && v !== undefined) return v;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function apiOf(app: StartedAppliance) {
  const base = `http://127.0.0.1:${app.httpPort}/api/v1`;
  const headers = { authorization: `Bearer ${app.apiToken}`, 'content-type': 'application/json' };
  return async <T>(method: string, p: string, body?: unknown): Promise<T> => {
    const res = await fetch(base + p, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as T;
  };
}

async function failover(cleanup: Cleanup): Promise<{ firstSmsMs: number; text: string }> {
  const start = (prefix: string): Promise<StartedAppliance> => startAppliance(cleanup, {
    repoRoot, dataDir: cleanup.tempDir(prefix).dir, token: 'bench-token', nodeArgs: [],
    extraArgs: ['--modem', 'sim', '--timezone', 'UTC', '--silence-grace', '0', '--log-level', 'warn'],
  });
  const [primary, standby] = await Promise.all([start('rw-fo-p-'), start('rw-fo-s-')]);
  const [p, s] = [apiOf(primary), apiOf(standby)];
  for (const [api, role, peer] of [[p, 'primary', standby], [s, 'standby', primary]] as const) {
    await api('PUT', '/redundancy', { sentinels: [], pair: { role, peer: `http://127.0.0.1:${peer.httpPort}`, secret: SECRET, graceS: GRACE_S } });
  }
  await p('POST', '/contacts', { name: 'On call', phone: CONTACT, language: 'en', severities: ['critical'] });
  for (const api of [p, s]) await until('the simulated modem', async () => (await api<{ status: { state: string } | null }>('GET', '/modem')).status?.state === 'ready', 60_000);
  const version = (await p<PairStatus>('GET', '/pair')).configVersion;
  await until('the contact copied and the primary heard', async () => {
    const st = await s<PairStatus>('GET', '/pair');
    return st.copiedVersion === version && st.lastHeardAt !== null && st.holdingSms;
  }, 30_000);
  const killedAt = Date.now();
  primary.proc.kill('SIGKILL');
  const sms = await until('the standby\'s first SMS', async () => (await s<SimLogResponse>('GET', '/modem/sim-log')).messages.find((m) => m.to === CONTACT && m.complete), (GRACE_S + 120) * 1000);
  return { firstSmsMs: Date.now() - killedAt, text: sms.text };
}

async function broker(cleanup: Cleanup): Promise<number> {
  const aedes = await Aedes.createBroker();
  const server = net.createServer({ noDelay: true }, (socket) => aedes.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.add('a bench broker', () => {
    server.close();
    aedes.close();
  });
  return (server.address() as AddressInfo).port;
}

async function agentRun(cleanup: Cleanup, ports: readonly number[]): Promise<{ cpuMsPerS: number; rssMeanMb: number; rssPeakMb: number }> {
  const stateDir = path.join(cleanup.tempDir('rw-fo-agent-').dir, 'state');
  mkdirSync(stateDir, { mode: 0o700 });
  writeFileSync(path.join(stateDir, 'identity.json'), JSON.stringify({ agentId: 'bench-agent', secret: 'bench', mqttPort: ports[0] }), { mode: 0o600 });
  const flags = args['agent-node-flags'].split(' ').filter((f) => f !== '');
  const child: ChildProcess = spawn(process.execPath, [
    ...flags, path.join(repoRoot, 'dist', 'agent.js'), '--appliance', 'http://127.0.0.1:9', '--state-dir', stateDir,
    '--interval', args.interval, '--log-level', 'warn', ...(ports[1] !== undefined ? ['--standby-mqtt', `mqtt://127.0.0.1:${ports[1]}`] : []),
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  const pid = child.pid ?? 0;
  const stop = cleanup.killLater('the agent', pid);
  const rss = new RssSampler(() => ({ agent: pid }), 250);
  rss.start();
  await sleep(WARMUP_S * 1000);
  const cpu0 = cpuSecondsPrecise(pid) ?? NaN;
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  const cpu1 = cpuSecondsPrecise(pid) ?? NaN;
  const t1 = performance.now();
  rss.stop();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
  stop();
  return { cpuMsPerS: ((cpu1 - cpu0) * 1000) / ((t1 - t0) / 1000), rssMeanMb: (rss.meanKb('agent', t0, t1) ?? NaN) / 1024, rssPeakMb: (rss.peakKb('agent', t0, t1) ?? NaN) / 1024 };
}

async function main(): Promise<void> {
  const cleanup = new Cleanup();
  cleanup.exitOnSignals();
  try {
    process.stdout.write(`failover: grace ${GRACE_S} s; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ${os.cpus().length} CPUs\n`);
    const fo = await failover(cleanup);
    const target = (GRACE_S + 15) * 1000;
    process.stdout.write(`primary SIGKILLed → the standby's first SMS: ${fo.firstSmsMs} ms (target ≤ ${target} ms: ${fo.firstSmsMs <= target ? 'met' : 'MISSED'}): "${fo.text}"\n`);
    const [a, b] = [await broker(cleanup), await broker(cleanup)];
    const single = await agentRun(cleanup, [a]);
    const dual = await agentRun(cleanup, [a, b]);
    const f = (x: number): string => x.toFixed(2);
    process.stdout.write(`agent, interval ${args.interval} s, ${SECONDS} s after ${WARMUP_S} s warm-up:\n`);
    process.stdout.write(`  single: CPU ${f(single.cpuMsPerS)} ms/s, RSS mean ${f(single.rssMeanMb)} MB, peak ${f(single.rssPeakMb)} MB\n`);
    process.stdout.write(`  dual:   CPU ${f(dual.cpuMsPerS)} ms/s, RSS mean ${f(dual.rssMeanMb)} MB, peak ${f(dual.rssPeakMb)} MB\n`);
    process.stdout.write(`  dual − single: CPU ${f(dual.cpuMsPerS - single.cpuMsPerS)} ms/s (×${f(dual.cpuMsPerS / single.cpuMsPerS)}), RSS mean ${f(dual.rssMeanMb - single.rssMeanMb)} MB\n`);
    process.stdout.write(`load after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  } finally {
    const problems = cleanup.runAll();
    for (const p of problems) process.stderr.write(`cleanup: ${p}\n`);
  }
}

await main();
process.exit(0);
