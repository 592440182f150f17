// MQTT over TLS against plain MQTT on the same appliance, in the same run (SEC, docs/benchmarks.md):
// N agents reconnect at once, each with a backlog of batches, first over plain MQTT, then over
// TLS (or the other way with --tls-first): the time until all are connected and every backlog
// is acknowledged, the appliance's peak RSS and CPU; then a steady state of one batch per agent
// per second: the appliance's CPU µs per message. Ratios are TLS / plain. A plain warm-up round
// first creates the RRD files. The agents are mqtt.js clients in this process, whose own CPU
// (its TLS handshakes included) is reported too: on a shared machine it competes with the
// appliance. A connection the appliance sheds (more handshakes in progress than it allows) or
// that fails is retried as the agent retries (agent/session.ts: 1 s doubling to 30 s, each delay
// drawn between half and all of it), or every 1 s with `--retry fixed`; the retries are counted.
// Not a test.
//
//   node scripts/bench/run.mjs scripts/bench/tls.ts --agents 5000
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { Cleanup, freePort, startAppliance, terminate } from './processes.js';
import { cpuSeconds, memoryStatus } from './proc-stats.js';
import { reconnectDelayMs } from '../../agent/session.js';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '5000' },
    backlog: { type: 'string', default: '5' },
    steady: { type: 'string', default: '10' },
    'tls-first': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    retry: { type: 'string', default: 'agent' },
  },
});
if (values.retry !== 'agent' && values.retry !== 'fixed') throw new Error('--retry is agent or fixed');
const AGENT_RETRY = values.retry === 'agent';
const N = Number(values.agents);
const BACKLOG = Number(values.backlog);
const STEADY_S = Number(values.steady);
const repoRoot = process.env.RW_REPO_ROOT ?? process.cwd();
const TOKEN = 'bench-token-tls';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Agent { agentId: string; secret: string; nextT: number }
interface Phase {
  mode: 'plain' | 'tls';
  connectAllMs: number;
  drainAllMs: number;
  peakRssMb: number;
  stormCpuS: number;
  /** the appliance's highest CPU use over one second of the storm, % of one core */
  peakCpuPct: number;
  /** connection attempts that failed or were shed and were retried */
  retries: number;
  /** this process's CPU during the storm (the agents' side) */
  clientCpuS: number;
  steadyMsgs: number;
  steadyCpuUsPerMsg: number;
}

/** An agent's connection: mqtt.js retries a refused or shed attempt after reconnectPeriod, as agents do. */
function connectRetrying(url: string, opts: mqtt.IClientOptions, onRetry: () => void): Promise<mqtt.MqttClient> {
  return new Promise((resolve) => {
    const c = mqtt.connect(url, opts);
    let failed = 0;
    c.on('reconnect', () => {
      onRetry();
      failed++;
      // as agent/session.ts does: mqtt.js reads reconnectPeriod each time it arms the timer
      if (AGENT_RETRY) c.options.reconnectPeriod = reconnectDelayMs(failed + 1, 1000, 30_000);
    });
    c.on('error', () => undefined); // a reset during the storm: the reconnect above follows
    c.once('connect', () => resolve(c));
  });
}

const batch = (t: number): string => JSON.stringify({
  v: 1, i: 1,
  s: [
    { t, f: 'cpu', v: { user: 12.5, system: 3, iowait: 0.5, steal: 0, idle: 84 } },
    { t, f: 'memory', v: { total: 8e9, used: 3e9, available: 5e9, cached: 1e9, swap_total: 1e9, swap_used: 0 } },
  ],
});

async function enrollAll(httpPort: number): Promise<Agent[]> {
  const agents: Agent[] = [];
  const start = Math.floor(Date.now() / 1000) - 3000;
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < N) {
      const i = next++;
      const r = await fetch(`http://127.0.0.1:${httpPort}/api/v1/enroll`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: TOKEN, hostname: `tls-bench-${i}` }),
      });
      if (!r.ok) throw new Error(`enroll ${i}: HTTP ${r.status} ${await r.text()}`);
      const body = await r.json() as { agentId: string; secret: string };
      agents.push({ agentId: body.agentId, secret: body.secret, nextT: start });
    }
  }));
  return agents;
}

async function phase(mode: 'plain' | 'tls', agents: Agent[], pid: number, port: number, ca: Buffer): Promise<Phase> {
  const url = mode === 'tls' ? `mqtts://127.0.0.1:${port}` : `mqtt://127.0.0.1:${port}`;
  let peakKb = 0;
  const rssTimer = setInterval(() => { peakKb = Math.max(peakKb, memoryStatus(pid)?.rssKb ?? 0); }, 100);
  const cpu0 = cpuSeconds(pid) ?? 0;
  let peakCpuPct = 0;
  let lastCpu = { s: cpu0, at: performance.now() };
  const cpuTimer = setInterval(() => {
    const now = { s: cpuSeconds(pid) ?? lastCpu.s, at: performance.now() };
    peakCpuPct = Math.max(peakCpuPct, (100 * (now.s - lastCpu.s)) / ((now.at - lastCpu.at) / 1000));
    lastCpu = now;
  }, 1000);
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  let connected = 0;
  let connectAllMs = 0;
  let retries = 0;
  const clients = await Promise.all(agents.map(async (a) => {
    const c = await connectRetrying(url, {
      clientId: a.agentId, username: a.agentId, password: a.secret, protocolVersion: 4, clean: true,
      reconnectPeriod: AGENT_RETRY ? reconnectDelayMs(1, 1000, 30_000) : 1000, connectTimeout: 120_000, keepalive: 120, ...(mode === 'tls' ? { ca } : {}),
    }, () => { retries++; });
    if (++connected === agents.length) connectAllMs = performance.now() - t0;
    for (let k = 0; k < BACKLOG; k++) await c.publishAsync(`rw/v1/${a.agentId}/metrics`, batch(a.nextT++), { qos: 1 });
    return { c, a };
  }));
  const drainAllMs = performance.now() - t0;
  const stormCpuS = (cpuSeconds(pid) ?? 0) - cpu0;
  const clientUsage = process.cpuUsage(client0);
  clearInterval(rssTimer);
  clearInterval(cpuTimer);
  // a storm shorter than the sampling second: its average
  if (peakCpuPct === 0) peakCpuPct = (100 * stormCpuS) / (drainAllMs / 1000);
  // steady state: one batch per agent per second, spread over the second
  const cpu1 = cpuSeconds(pid) ?? 0;
  // CLOCK_MONOTONIC in µs, the clock of V8's profile timestamps: the window to read in --cpu-prof's profile
  const steadyFromUs = process.hrtime.bigint() / 1000n;
  let msgs = 0;
  const stagger = 1000 / clients.length;
  for (let s = 0; s < STEADY_S; s++) {
    const second = performance.now();
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < clients.length; i++) {
      const { c, a } = clients[i] as { c: mqtt.MqttClient; a: Agent };
      const due = second + i * stagger - performance.now();
      if (due > 4) await sleep(due);
      sends.push(c.publishAsync(`rw/v1/${a.agentId}/metrics`, batch(a.nextT++), { qos: 1 }).then(() => { msgs++; }));
    }
    await Promise.all(sends);
    const rest = 1000 - (performance.now() - second);
    if (rest > 0) await sleep(rest);
  }
  const steadyCpuS = (cpuSeconds(pid) ?? 0) - cpu1;
  if (values['cpu-prof']) process.stdout.write(`${mode} steady state in the profile: ${steadyFromUs}..${process.hrtime.bigint() / 1000n} µs\n`);
  await Promise.all(clients.map(({ c }) => c.endAsync(true)));
  await sleep(1000);
  return {
    mode, connectAllMs, drainAllMs, peakRssMb: peakKb / 1024, stormCpuS, peakCpuPct, retries,
    clientCpuS: (clientUsage.user + clientUsage.system) / 1e6, steadyMsgs: msgs, steadyCpuUsPerMsg: (steadyCpuS * 1e6) / msgs,
  };
}

async function main(): Promise<void> {
  const cleanup = new Cleanup();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'rw-bench-tls-'));
  cleanup.add('data dir', () => rmSync(dataDir, { recursive: true, force: true }));
  try {
    const mqttsPort = await freePort();
    const profDir = path.join(repoRoot, 'var', 'cpu-prof-tls');
    const app = await startAppliance(cleanup, {
      repoRoot, dataDir, token: TOKEN, extraArgs: ['--mqtts-port', String(mqttsPort), '--max-concurrent-writes', '1024'],
      nodeArgs: values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [],
    });
    const ca = readFileSync(path.join(dataDir, 'tls', 'cert.pem'));
    const agents = await enrollAll(app.httpPort);
    const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
    process.stdout.write(`${N} agents enrolled; backlog ${BACKLOG} batches each; steady state ${STEADY_S} s at 1 batch/agent/s; `
      + `${os.cpus().length} CPUs, load average before the run ${load}\n`);
    // warm-up, not reported: each agent's first batches create its RRD files, a cost neither
    // mode should carry
    await phase('plain', agents, app.pid, app.mqttPort, ca);
    process.stdout.write('warm-up: done (RRD files created)\n');
    const order: ('plain' | 'tls')[] = values['tls-first'] ? ['tls', 'plain'] : ['plain', 'tls'];
    const results: Phase[] = [];
    for (const mode of order) {
      const r = await phase(mode, agents, app.pid, mode === 'tls' ? mqttsPort : app.mqttPort, ca);
      results.push(r);
      process.stdout.write(`${mode}: done\n`);
    }
    const plain = results.find((r) => r.mode === 'plain') as Phase;
    const tls = results.find((r) => r.mode === 'tls') as Phase;
    const row = (name: string, p: number, t: number, digits = 0): string =>
      `| ${name} | ${p.toFixed(digits)} | ${t.toFixed(digits)} | ${(t / p).toFixed(2)}× |`;
    process.stdout.write([
      '', `| ${N} agents (order: ${order.join(', ')}; retry: ${values.retry}) | plain | TLS | TLS / plain |`, '|---|---:|---:|---:|',
      row('all connected, ms', plain.connectAllMs, tls.connectAllMs),
      row('all backlogs acknowledged, ms', plain.drainAllMs, tls.drainAllMs),
      row('appliance CPU during the storm, s', plain.stormCpuS, tls.stormCpuS, 2),
      row('appliance peak CPU over 1 s of the storm, % of a core', plain.peakCpuPct, tls.peakCpuPct),
      row('appliance peak RSS during the storm, MB', plain.peakRssMb, tls.peakRssMb),
      `| connection attempts retried (shed or failed) | ${plain.retries} | ${tls.retries} | |`,
      row('the agents\' side (this process) CPU during the storm, s', plain.clientCpuS, tls.clientCpuS, 2),
      row('steady state: appliance CPU µs per message', plain.steadyCpuUsPerMsg, tls.steadyCpuUsPerMsg),
      `| steady-state messages | ${plain.steadyMsgs} | ${tls.steadyMsgs} | |`, '',
      `load average after the run: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`, '',
    ].join('\n'));
    // --cpu-prof writes its profile only when the appliance exits by itself: give its stop time
    await terminate(app, values['cpu-prof'] ? 180_000 : 10_000);
  } finally {
    for (const p of cleanup.runAll()) process.stderr.write(`cleanup: ${p}\n`);
  }
}

void main().catch((e: unknown) => {
  process.stderr.write(`tls bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
