// The CPU the appliance's probes add (S5; docs/benchmarks.md "Appliance probes"): N probe-tcp
// every I seconds against loopback listeners, run by the appliance's own probe feature
// (appliance/checks/probes/appliance-probes.ts: scheduler, TCP runner, recording in rounds) in
// this process, against the same process over the same window with no probes.
//
//   node scripts/bench/run.mjs scripts/bench/probe-cpu.ts [--probes 1000] [--interval 30] [--rounds 3]
//
// The listeners (one port per probe) run in a child process, so their CPU is not counted. The
// results go to an in-memory sink that counts them (the checks store's SQLite write is not part
// of this figure). Phases: the idle baseline for rounds × interval; then the probes start, one
// interval of warm-up (the first runs spread over it), then rounds × interval measured. CPU is
// this process's user + system time (process.cpuUsage).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import type { CheckRun, CheckRunSink, ProbeDefinitionSource } from '../../appliance/checks/check-runs.js';
import { ApplianceProbes } from '../../appliance/checks/probes/appliance-probes.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { machineBusySeconds } from './proc-stats.js';

const { values: args } = parseArgs({
  options: {
    probes: { type: 'string', default: '1000' },
    interval: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '3' },
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

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
