// The floor under the agent's footprint (docs/benchmarks.md, "The agent's floor"): what no
// design of the agent in Node can beat, against Debian's prometheus-node-exporter in the same run.
//
//   node scripts/build.mjs && node scripts/bench/run.mjs scripts/bench/agent-floor.ts [--seconds 60] [--interval 1] [--warmup 10]
//
// Six processes side by side for the same window: collectors-only.js (every collector of the
// agent through its sampler and scheduler at the interval, with V8's optimizing compiler off as
// in the agent; no MQTT, no queue, no JSON), the same with the optimizing compiler on, the same
// program with `--idle` (bare Node: a timer at the same instants and nothing else), the checks'
// floor (checks-floor.js: what agent-footprint.ts's 100 checks, S5, need of the kernel, 50
// loopback connects to a server in this process and one /proc reading every 10 s, in bare Node;
// less the CPU per second of the same program with `--idle`, a sixth process, it is the floor
// of the checks' own cost), and
// node_exporter scraped at the interval. CPU from
// /proc/<pid>/stat over the window, per round and per scrape; RSS peaks (collectors-only.js is
// the benchmark's unminified bundle with an inline source map, so its RSS is above what the
// agent's minified bundle would take for the same code).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sockDiagAddonName } from '../../agent/collectors/sock-diag.js';
import { NODE_EXPORTER, startScrapedExporter } from './node-exporter.js';
import { clockTicksPerSecond, cpuSeconds, cpuSecondsPrecise, machineBusySeconds, memoryStatus, RssSampler } from './proc-stats.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    interval: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '10' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write('usage: node scripts/bench/run.mjs scripts/bench/agent-floor.ts [--seconds 60] [--interval 1] [--warmup 10]\n');
  process.exit(0);
}
const seconds = Number(args.seconds);
const intervalS = Number(args.interval);
const warmupS = Number(args.warmup);
if (!(seconds > 0) || !Number.isInteger(intervalS) || intervalS < 1 || !(warmupS >= 0)) {
  process.stderr.write('agent-floor: --seconds > 0, --interval a whole number ≥ 1, --warmup ≥ 0\n');
  process.exit(2);
}
const repoRoot = process.env.RW_REPO_ROOT ?? process.cwd();
const addon = path.join(repoRoot, 'dist', sockDiagAddonName());
const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'collectors-only.js');
for (const [file, how] of [[NODE_EXPORTER, 'scripts/setup.sh --bench'], [addon, 'node scripts/build.mjs'], [child, 'node scripts/bench/run.mjs']] as const) {
  if (!existsSync(file)) {
    process.stderr.write(`agent-floor: ${file} is missing; run \`${how}\`\n`);
    process.exit(2);
  }
}

const children: ChildProcess[] = [];
process.on('exit', () => { for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A child whose stdout lines count its rounds. */
function startCounted(what: string, command: string, argv: string[]): { child: ChildProcess; rounds: () => number } {
  const c = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(c);
  let rounds = 0;
  c.stdout?.on('data', (chunk: Buffer) => { for (const byte of chunk) if (byte === 0x0a) rounds++; });
  c.on('exit', (code, signal) => { if (!stopping) process.stderr.write(`agent-floor: ${what} exited early (${code ?? signal})\n`); });
  return { child: c, rounds: () => rounds };
}
let stopping = false;

// the port checks' server, as agent-footprint.ts's: a banner, then close
const checkServer = net.createServer((socket) => {
  socket.on('error', () => undefined);
  socket.end('220 bench\r\n');
});
checkServer.listen(0, '127.0.0.1');
await once(checkServer, 'listening');
const CHECKS_INTERVAL_S = 10;
const checksFloorJs = path.join(path.dirname(child), 'checks-floor.js');
const checksFloor = startCounted('checks floor', process.execPath, [checksFloorJs, '--port', String((checkServer.address() as AddressInfo).port),
  '--connections', '50', '--interval', String(CHECKS_INTERVAL_S)]);
const bareChecksPid = startCounted('checks floor --idle', process.execPath, [checksFloorJs, '--interval', String(CHECKS_INTERVAL_S), '--idle']).child.pid as number;
const collectorsOnly = startCounted('collectors-only', process.execPath, [child, '--interval', String(intervalS), '--addon', addon]);
const optimized = startCounted('collectors-only --opt', process.execPath, [child, '--interval', String(intervalS), '--addon', addon, '--opt']);
const bare = startCounted('bare Node', process.execPath, [child, '--interval', String(intervalS), '--idle']);
const exporter = await startScrapedExporter(intervalS, (argv) => {
  const c = spawn(NODE_EXPORTER, argv, { stdio: 'ignore' });
  children.push(c);
  return c;
});
const pids = {
  collectors: collectorsOnly.child.pid as number, optimized: optimized.child.pid as number, bare: bare.child.pid as number,
  checks: checksFloor.child.pid as number, exporter: exporter.child.pid as number,
};
const rss = new RssSampler(() => pids, 250);
rss.start();

await sleep(warmupS * 1000);
const cpuNow = (): Record<keyof typeof pids, number> => ({
  collectors: cpuSeconds(pids.collectors) ?? 0, optimized: cpuSeconds(pids.optimized) ?? 0, bare: cpuSeconds(pids.bare) ?? 0,
  checks: cpuSecondsPrecise(pids.checks) ?? 0, exporter: cpuSeconds(pids.exporter) ?? 0,
});
// the checks' floor in nanoseconds (schedstat): ~1 ms a second, where clock ticks are 10 ms; bare
// Node with the same timer read the same way for the difference
const bareNs0 = cpuSecondsPrecise(bareChecksPid) ?? 0;
const cpu0 = cpuNow();
const counts0 = { collectors: collectorsOnly.rounds(), optimized: optimized.rounds(), bare: bare.rounds(), checks: checksFloor.rounds(), exporter: exporter.scrapes };
const busy0 = machineBusySeconds() ?? 0;
const startMs = performance.now();
await sleep(seconds * 1000);
const cpu1 = cpuNow();
const bareNs1 = cpuSecondsPrecise(bareChecksPid) ?? 0;
const counts1 = { collectors: collectorsOnly.rounds(), optimized: optimized.rounds(), bare: bare.rounds(), checks: checksFloor.rounds(), exporter: exporter.scrapes };
const busy1 = machineBusySeconds() ?? 0;
const endMs = performance.now();
stopping = true;
await exporter.stopScraping();
rss.stop();
checkServer.close();
const hwm = {
  collectors: memoryStatus(pids.collectors)?.hwmKb, optimized: memoryStatus(pids.optimized)?.hwmKb, bare: memoryStatus(pids.bare)?.hwmKb,
  checks: memoryStatus(pids.checks)?.hwmKb, exporter: memoryStatus(pids.exporter)?.hwmKb,
};

const per = (who: keyof typeof cpu0): number => (cpu1[who] - cpu0[who]) / Math.max(1, counts1[who] - counts0[who]);
const exporterMs = per('exporter') * 1000;
const mb = (kb: number | null | undefined): string => (kb === null || kb === undefined ? '?' : (kb / 1024).toFixed(1));
const processes = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length;
const sockets = /^TCP: inuse (\d+)/m.exec(readFileSync('/proc/net/sockstat', 'utf8'))?.[1] ?? '?';
/** The checks' floor per 5 s (the agent's base), less bare Node's CPU per second, against node_exporter's per scrape. */
function checksFloorLine(): string {
  const windowS = (endMs - startMs) / 1000;
  const perSecond = (cpu1.checks - cpu0.checks) / windowS;
  const bareNsPerSecond = (bareNs1 - bareNs0) / windowS;
  const above = perSecond - bareNsPerSecond;
  return `the checks' floor (checks-floor.js: 50 loopback connects reading a banner and one /proc reading every ${CHECKS_INTERVAL_S} s, `
    + `${counts1.checks - counts0.checks} rounds): ${(perSecond * 5000).toFixed(2)} ms per 5 s, less its own \`--idle\`'s ${(bareNsPerSecond * 5000).toFixed(2)} ms: `
    + `**${(above * 5000).toFixed(2)} ms per 5 s**, ${(above * 100).toFixed(2)} % of one core, ${((above * 5000) / exporterMs).toFixed(2)} of node_exporter's scrape; `
    + `RSS peak ${mb(rss.peakKb('checks', startMs, endMs))} MB`;
}
const row = (title: string, who: keyof typeof cpu0, unit: string): string => {
  const ms = per(who) * 1000;
  return `| ${title} | ${ms.toFixed(2)} ms per ${unit} | ${(ms / exporterMs).toFixed(2)} | ${counts1[who] - counts0[who]} | ${mb(rss.peakKb(who, startMs, endMs))} MB (VmHWM ${mb(hwm[who])} MB) |`;
};
process.stdout.write([
  `agent floor — ${new Date().toISOString()}, Node ${process.version}, ${os.cpus().length} CPUs, ${processes} processes, ${sockets} TCP sockets in use, USER_HZ ${clockTicksPerSecond()}`,
  `${warmupS} s of warm-up, then ${seconds} s measured, every ${intervalS} s; machine busy ${(((busy1 - busy0) / ((endMs - startMs) / 1000)) * 100).toFixed(0)} % of one CPU`,
  '',
  '| process | CPU | against node_exporter | rounds / scrapes | RSS peak |',
  '|---|---|---|---|---|',
  row('collectors only (every collector, the agent\'s sampler and scheduler, --no-opt)', 'collectors', 'round'),
  row('the same with V8\'s optimizing compiler on', 'optimized', 'round'),
  row('bare Node (a timer at the same instants)', 'bare', 'round'),
  row('node_exporter', 'exporter', 'scrape'),
  '',
  checksFloorLine(),
  '',
].join('\n'));
process.exit(0);
