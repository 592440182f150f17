// The CPU the appliance's probes add (S5; docs/benchmarks.md "Appliance probes"): N probe-tcp
// every I seconds against loopback listeners, run by the appliance's own probe feature
// (appliance/checks/probes/appliance-probes.ts: scheduler, TCP runner, recording in rounds) in
// this process, against the same process over the same window with no probes.
//
//   node scripts/bench/run.mjs scripts/bench/probe-cpu.ts [--probes 1000] [--interval 30] [--rounds 3] [--appliance]
//
// With --appliance (`npm run build` first): the built appliance (dist/appliance.js) instead, its
// probes created through POST /api/v1/checks, the checks store writing every round to SQLite and
// the perfdata to RRD, as on the board; CPU is the appliance's and its rrdcached's, every thread's
// (/proc/<pid>/task/*/schedstat), over the same windows, without then with the probes.
//
// The listeners (one port per probe) run in a child process, so their CPU is not counted. The
// results go to an in-memory sink that counts them (the checks store's SQLite write is not part
// of this figure). Phases: the idle baseline for rounds × interval; then the probes start, one
// interval of warm-up (the first runs spread over it), then rounds × interval measured. CPU is
// this process's user + system time (process.cpuUsage).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { CheckRun, CheckRunSink, ProbeDefinitionSource } from '../../appliance/checks/check-runs.js';
import { ApplianceProbes } from '../../appliance/checks/probes/appliance-probes.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { Cleanup, startAppliance } from './processes.js';
import { cpuSecondsPrecise, machineBusySeconds } from './proc-stats.js';

const { values: args } = parseArgs({
  options: {
    probes: { type: 'string', default: '1000' },
    interval: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '3' },
    appliance: { type: 'boolean', default: false },
  },
});
const probes = Number(args.probes);
const intervalS = Number(args.interval);
const rounds = Number(args.rounds);

const LISTENERS = `
const net = require('node:net');
const n = Number(process.argv[1]);
const ports = [];
for (let i = 0; i < n; i++) {
  const s = net.createServer((c) => { c.on('error', () => {}); c.end(); });
  s.listen(0, '127.0.0.1', () => { ports.push(s.address().port); if (ports.length === n) process.stdout.write(JSON.stringify(ports) + '\\n'); });
}`;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const cpuS = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function main(): Promise<void> {
  const child = spawn(process.execPath, ['-e', LISTENERS, String(probes)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout, 'data')) as [Buffer];
  const ports = JSON.parse(line.toString()) as number[];
  const windowMs = rounds * intervalS * 1000;
  if (args.appliance) {
    try {
      await inAppliance(ports, windowMs);
    } finally {
      child.kill();
    }
    return;
  }

  const busy0 = machineBusySeconds();
  const idle0 = cpuS();
  await sleep(windowMs);
  const idleCpu = cpuS() - idle0;

  const states = new Map<string, number>();
  let recorded = 0;
  const sink: CheckRunSink = {
    record(runs: readonly CheckRun[]) {
      recorded += runs.length;
      for (const r of runs) states.set(r.result.state, (states.get(r.result.state) ?? 0) + 1);
    },
  };
  const list = ports.map((port, i) => ({ id: `p${i}`, definition: { type: 'probe-tcp' as const, name: `port ${port}`, host: '127.0.0.1', port, interval: intervalS } }));
  const source: ProbeDefinitionSource = { probes: () => list, onProbesChanged: () => () => undefined };
  const feature = new ApplianceProbes({ source, sink, clock: systemClock, logger: silentLogger });
  feature.start();
  await sleep(intervalS * 1000);
  const runs0 = recorded;
  states.clear();
  const probe0 = cpuS();
  await sleep(windowMs);
  const probeCpu = cpuS() - probe0;
  const runs = recorded - runs0;
  const stats = feature.stats();
  feature.stop();
  child.kill();
  const busy1 = machineBusySeconds();

  const addedPerRoundMs = ((probeCpu - idleCpu) / rounds) * 1000;
  const report = {
    probes, intervalS, rounds,
    runsMeasured: runs,
    expectedRuns: probes * rounds,
    states: Object.fromEntries(states),
    skippedRounds: stats.skipped,
    cpuS: { withoutProbes: Number(idleCpu.toFixed(3)), withProbes: Number(probeCpu.toFixed(3)) },
    addedCpuPerRoundMs: Number(addedPerRoundMs.toFixed(1)),
    addedCpuPerProbeRunMs: Number((((probeCpu - idleCpu) * 1000) / Math.max(1, runs)).toFixed(3)),
    addedShareOfOneCorePct: Number(((addedPerRoundMs / (intervalS * 1000)) * 100).toFixed(2)),
    machineBusyCoresAvg: busy0 !== null && busy1 !== null ? Number(((busy1 - busy0) / ((2 * windowMs + intervalS * 1000) / 1000)).toFixed(2)) : null,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

/** The appliance process and its children (rrdcached): every thread's CPU, seconds. */
function applianceCpuS(pid: number): { appliance: number; children: number } {
  let children = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean)) children += cpuSecondsPrecise(Number(c)) ?? 0;
    }
  } catch {
    // gone: the caller sees the appliance's own figure as 0 too
  }
  return { appliance: cpuSecondsPrecise(pid) ?? 0, children };
}

async function inAppliance(ports: number[], windowMs: number): Promise<void> {
  const cleanup = new Cleanup();
  try {
    const repoRoot = process.env.RW_REPO_ROOT ?? process.cwd();
    const { dir: dataDir } = cleanup.tempDir('rw-probe-cpu-');
    const app = await startAppliance(cleanup, { repoRoot, dataDir, token: 'rackwatch-bench-token', nodeArgs: [], extraArgs: ['--log-level', 'warn'] });
    const base = `http://127.0.0.1:${app.httpPort}/api/v1`;
    const headers = { authorization: `Bearer ${app.apiToken}`, 'content-type': 'application/json' };
    await sleep(10_000); // past its start-up work
    const loadBefore = os.loadavg().map((l) => l.toFixed(2)).join(' ');
    const busy0 = machineBusySeconds();
    const busyFromMs = performance.now();
    const idle0 = applianceCpuS(app.pid);
    await sleep(windowMs);
    const idle1 = applianceCpuS(app.pid);
    for (const [i, port] of ports.entries()) {
      const res = await fetch(`${base}/checks`, { method: 'POST', headers, body: JSON.stringify({ type: 'probe-tcp', name: `port ${port} (${i})`, host: '127.0.0.1', port, interval: intervalS }) });
      if (res.status !== 201) throw new Error(`POST /checks: HTTP ${res.status} ${await res.text()}`);
    }
    await sleep(intervalS * 1000); // the first runs spread over one interval
    const with0 = applianceCpuS(app.pid);
    await sleep(windowMs);
    const with1 = applianceCpuS(app.pid);
    const busy1 = machineBusySeconds();
    const list = await (await fetch(`${base}/checks?type=probe-tcp`, { headers })).json() as { byState: Record<string, number> };
    const idle = { appliance: idle1.appliance - idle0.appliance, children: idle1.children - idle0.children };
    const probed = { appliance: with1.appliance - with0.appliance, children: with1.children - with0.children };
    const addedPerRoundMs = ((probed.appliance + probed.children - idle.appliance - idle.children) / rounds) * 1000;
    process.stdout.write(`${JSON.stringify({
      mode: 'the built appliance', probes, intervalS, rounds,
      cpuS: { withoutProbes: idle, withProbes: probed },
      addedCpuPerRoundMs: Number(addedPerRoundMs.toFixed(1)),
      addedCpuPerProbeRunMs: Number((addedPerRoundMs / probes).toFixed(3)),
      addedShareOfOneCorePct: Number(((addedPerRoundMs / (intervalS * 1000)) * 100).toFixed(2)),
      checksByState: list.byState,
      machineBusyCoresAvg: busy0 !== null && busy1 !== null ? Number(((busy1 - busy0) / ((performance.now() - busyFromMs) / 1000)).toFixed(2)) : null,
      loadAverage: { before: loadBefore, after: os.loadavg().map((l) => l.toFixed(2)).join(' ') },
    }, null, 2)}\n`);
  } finally {
    cleanup.runAll();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
