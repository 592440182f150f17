// The agent's footprint (docs/features.md, "the agent is light"): its CPU time per full sample and
// its RSS, against Debian's prometheus-node-exporter scraped at the same rate in the same run.
//
//   node scripts/build.mjs && node scripts/bench/run.mjs scripts/bench/agent-footprint.ts [--seconds 60] [--interval 1]
//
// The built agent (dist/agent.js, as installed) runs as its own process, publishing to an Aedes
// broker inside this process, which also scrapes node_exporter (on 127.0.0.1, a free port) at the
// agent's interval. Two phases, switched through the retained configuration as the appliance
// would: every collector on at that interval; then the same without the two that read the TCP
// tables (tcp, visitors), whose cost is mostly the kernel's and depends on the machine; then
// every collector with 100 service checks (50 port, 50 process, every 10 s). In each,
// after a warm-up, CPU of both processes comes from /proc/<pid>/stat (utime + stime) over the same
// window; the agent's is divided by the full samples it delivered (instants whose batches hold
// every family and snapshot part), node_exporter's by the scrapes. Then, in this process, each
// collector is timed alone, to show where the agent's time goes. Targets: agent CPU per full
// sample ≤ half of node_exporter's per scrape; agent RSS ≤ 55 MB.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Aedes } from 'aedes';
import { DEFAULT_QUEUE, type AgentConfig } from '../../contract/agent-config-mini.js';
import { checkResultsPayloadSchema, type AgentCheck } from '../../contract/check-definitions.js';
import { COLLECTOR_NAMES } from '../../contract/families.js';
import { parseMetricsPayload } from '../../contract/metrics.js';
import { agentTopic } from '../../contract/topics.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { createCollector, type CollectorContext } from '../../agent/collectors/all-collectors.js';
import { loadSockDiag, sockDiagAddonName } from '../../agent/collectors/sock-diag.js';
import { TcpTables } from '../../agent/collectors/tcp-tables.js';
import { isSnapshotCollector, type AnyCollector } from '../../agent/collectors/collector.js';
import { NODE_EXPORTER, startScrapedExporter } from './node-exporter.js';
import { clockTicksPerSecond, cpuSeconds, machineBusySeconds, memoryStatus, RssSampler } from './proc-stats.js';

const AGENT_ID = 'bench-agent';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    interval: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '10' },
    'agent-node-flags': { type: 'string', default: '' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write('usage: node scripts/bench/run.mjs scripts/bench/agent-footprint.ts [--seconds 60] [--interval 1] [--warmup 10] [--agent-node-flags "…"]\n');
  process.exit(0);
}
const seconds = Number(args.seconds);
const intervalS = Number(args.interval);
const warmupS = Number(args.warmup);
if (!(seconds > 0) || !Number.isInteger(intervalS) || intervalS < 1 || !(warmupS >= 0)) {
  process.stderr.write('agent-footprint: --seconds > 0, --interval a whole number ≥ 1, --warmup ≥ 0\n');
  process.exit(2);
}

const repoRoot = process.env.RW_REPO_ROOT ?? process.cwd();
const agentBundle = path.join(repoRoot, 'dist', 'agent.js');
if (!existsSync(agentBundle)) {
  process.stderr.write(`agent-footprint: ${agentBundle} is missing; run \`node scripts/build.mjs\` first\n`);
  process.exit(2);
}
if (!existsSync(NODE_EXPORTER)) {
  process.stderr.write(`agent-footprint: ${NODE_EXPORTER} is missing; run \`scripts/setup.sh --bench\`\n`);
  process.exit(2);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const children: ChildProcess[] = [];
const workDir = mkdtempSync(path.join(os.tmpdir(), 'rw-footprint-'));
const cleanup = (): void => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(workDir, { recursive: true, force: true });
};
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

function startChild(what: string, command: string, argv: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-8000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.on('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`agent-footprint: ${what} exited early (${code ?? signal})\n${output}\n`);
  });
  return { child, output: () => output };
}
let stopping = false;

// ---- the broker, with every collector at `intervalS` retained on the agent's config topic -------

const broker = await Aedes.createBroker();
const brokerServer = net.createServer({ noDelay: true }, (socket) => broker.handle(socket));
brokerServer.listen(0, '127.0.0.1');
await once(brokerServer, 'listening');
const mqttPort = (brokerServer.address() as AddressInfo).port;

const config: AgentConfig = {
  v: 1, revision: 1,
  collectors: Object.fromEntries(COLLECTOR_NAMES.map((name) => [name, { enabled: true, intervalS }])),
  queue: { ...DEFAULT_QUEUE },
};
await new Promise<void>((resolve, reject) => {
  broker.publish({
    cmd: 'publish', topic: agentTopic(AGENT_ID, 'config'), payload: Buffer.from(JSON.stringify(config)),
    qos: 1, retain: true, dup: false,
  }, (error) => (error ? reject(error) : resolve()));
});

interface Delivery { atMs: number; t: number; families: Set<string>; snapshotParts: Set<string>; bytes: number }
const deliveries: Delivery[] = [];
let badBatches = 0;
broker.on('publish', (packet, client) => {
  if (!client || packet.topic !== agentTopic(AGENT_ID, 'metrics')) return;
  const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
  const check = parseMetricsPayload(payload, Math.floor(Date.now() / 1000));
  if (!check.ok) {
    badBatches++;
    return;
  }
  const batch = check.value;
  deliveries.push({
    atMs: performance.now(),
    t: batch.x?.t ?? batch.s[0]?.t ?? 0,
    families: new Set(batch.s.map((s) => s.f)),
    snapshotParts: new Set(Object.keys(batch.x ?? {}).filter((k) => k !== 't')),
    bytes: payload.length,
  });
});

// ---- the agent, as installed: the bundle, its own state dir, an identity for this broker -----------

const stateDir = path.join(workDir, 'agent');
mkdirSync(stateDir, { mode: 0o700 });
writeFileSync(path.join(stateDir, 'identity.json'), JSON.stringify({ agentId: AGENT_ID, secret: 'bench', mqttPort }), { mode: 0o600 });
const agentFlags = args['agent-node-flags'].split(' ').filter((f) => f !== '');
const agent = startChild('the agent', process.execPath, [
  ...agentFlags, agentBundle, '--appliance', 'http://127.0.0.1:9', '--state-dir', stateDir,
  '--interval', String(intervalS), '--log-level', 'warn',
]);

const scraped = await startScrapedExporter(intervalS, (argv) => startChild('node_exporter', NODE_EXPORTER, argv).child);
const exporter = { child: scraped.child };

const rss = new RssSampler(() => ({ agent: agent.child.pid ?? null, exporter: exporter.child.pid ?? null }), 250);
rss.start();

const SERIES = ['cpu', 'load', 'memory', 'fs', 'net', 'disk', 'tcp'];
const PARTS = ['top', 'routes', 'visitors'];
/** Instants whose batches hold every family and snapshot part of `wanted`: full samples. */
const fullInstants = (list: Delivery[], wanted: { series: string[]; parts: string[] }): number => {
  const byT = new Map<number, { families: Set<string>; parts: Set<string> }>();
  for (const d of list) {
    const entry = byT.get(d.t) ?? { families: new Set<string>(), parts: new Set<string>() };
    for (const f of d.families) entry.families.add(f);
    for (const p of d.snapshotParts) entry.parts.add(p);
    byT.set(d.t, entry);
  }
  let full = 0;
  for (const entry of byT.values()) {
    if (wanted.series.every((f) => entry.families.has(f)) && wanted.parts.every((p) => entry.parts.has(p))) full++;
  }
  return full;
};

/** utime and stime of a process, in seconds (/proc/<pid>/stat fields 14 and 15). */
function cpuSplit(pid: number): { user: number; system: number } {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / clockTicksPerSecond(), system: Number(fields[12]) / clockTicksPerSecond() };
  } catch {
    return { user: 0, system: 0 };
  }
}

interface PhaseResult {
  title: string;
  /** share of the agent's CPU spent in the kernel (reading /proc is mostly the kernel's work) */
  agentSystemShare: number;
  samples: number;
  batches: number;
  bytesPerSample: number;
  agentCpuPerSample: number;
  exporterCpuPerScrape: number;
  scrapes: number;
  agentPeakKb: number | null;
  exporterPeakKb: number | null;
  busyPct: number;
  checkResults: number;
  /** agent CPU seconds per second of the window */
  agentCpuPerSecond: number;
}

// ---- 100 service checks (S5, S18): 50 port checks on a loopback server, 50 process checks -------

const checkServer = net.createServer((socket) => {
  socket.on('error', () => undefined);
  socket.end('220 bench\r\n');
});
checkServer.listen(0, '127.0.0.1');
await once(checkServer, 'listening');
const checkPort = (checkServer.address() as AddressInfo).port;
const CHECK_INTERVAL_S = 10;
const hundredChecks: AgentCheck[] = Array.from({ length: 100 }, (_, i) => (i % 2 === 0
  ? { id: `port-${i}`, name: `port ${i}`, type: 'port', intervalS: CHECK_INTERVAL_S, host: '127.0.0.1', port: checkPort, expect: '^220' }
  : { id: `proc-${i}`, name: `proc ${i}`, type: 'process', intervalS: CHECK_INTERVAL_S, process: 'prometheus-node', min: 1 }));
let checkResults = 0;
let checkResultsBad = 0;
broker.on('publish', (packet, client) => {
  if (!client || packet.topic !== agentTopic(AGENT_ID, 'checks')) return;
  const parsed = checkResultsPayloadSchema.safeParse(JSON.parse(packet.payload.toString()));
  if (!parsed.success) {
    checkResultsBad++;
    return;
  }
  checkResults += parsed.data.results.length;
  checkResultsBad += parsed.data.results.filter((r) => r.state !== 'ok').length;
});

/** Applies `collectors` (through the retained configuration, as the appliance would), warms up, measures. */
async function phase(title: string, revision: number, off: readonly string[], checks: AgentCheck[] = []): Promise<PhaseResult> {
  // `net` and `disk` need a network interface and a disk the machine may not have: required once seen
  const seen = new Set(deliveries.flatMap((d) => [...d.families]));
  const wanted = {
    series: SERIES.filter((f) => !off.includes(f) && (seen.has(f) || (f !== 'net' && f !== 'disk'))),
    parts: PARTS.filter((p) => !off.includes(p)),
  };
  const phaseConfig: AgentConfig = {
    ...config, revision,
    collectors: Object.fromEntries(COLLECTOR_NAMES.map((name) => [name, { enabled: !off.includes(name), intervalS }])),
    ...(checks.length > 0 ? { checks } : {}),
  };
  const appliedFrom = deliveries.length;
  await new Promise<void>((resolve, reject) => {
    broker.publish({
      cmd: 'publish', topic: agentTopic(AGENT_ID, 'config'), payload: Buffer.from(JSON.stringify(phaseConfig)),
      qos: 1, retain: true, dup: false,
    }, (error) => (error ? reject(error) : resolve()));
  });
  const deadline = Date.now() + 30_000;
  const ready = (): boolean => fullInstants(deliveries.slice(appliedFrom), wanted) >= 2 && scraped.scrapes >= 2;
  while (!ready() && Date.now() < deadline) await sleep(200);
  if (!ready()) {
    process.stderr.write(`agent-footprint: no full sample (${title}) within 30 s\n${agent.output()}\n`);
    process.exit(1);
  }
  await sleep(warmupS * 1000);
  const agentPid = agent.child.pid as number;
  const exporterPid = exporter.child.pid as number;
  const from = deliveries.length;
  const scrapesBefore = scraped.scrapes;
  const checkResultsBefore = checkResults;
  const agentSplit0 = cpuSplit(agentPid);
  const agentCpu0 = cpuSeconds(agentPid) ?? 0;
  const exporterCpu0 = cpuSeconds(exporterPid) ?? 0;
  const busy0 = machineBusySeconds() ?? 0;
  const startMs = performance.now();
  await sleep(seconds * 1000);
  const agentCpu1 = cpuSeconds(agentPid) ?? 0;
  const agentSplit1 = cpuSplit(agentPid);
  const exporterCpu1 = cpuSeconds(exporterPid) ?? 0;
  const busy1 = machineBusySeconds() ?? 0;
  const endMs = performance.now();
  const window = deliveries.slice(from);
  const samples = fullInstants(window, wanted);
  const windowScrapes = scraped.scrapes - scrapesBefore;
  const agentSystem = agentSplit1.system - agentSplit0.system;
  const agentAll = agentSystem + agentSplit1.user - agentSplit0.user;
  return {
    title,
    agentSystemShare: agentAll > 0 ? agentSystem / agentAll : 0,
    samples,
    batches: window.length,
    bytesPerSample: samples > 0 ? Math.round(window.reduce((sum, d) => sum + d.bytes, 0) / samples) : 0,
    agentCpuPerSample: samples > 0 ? (agentCpu1 - agentCpu0) / samples : Number.NaN,
    exporterCpuPerScrape: windowScrapes > 0 ? (exporterCpu1 - exporterCpu0) / windowScrapes : Number.NaN,
    scrapes: windowScrapes,
    agentPeakKb: rss.peakKb('agent', startMs, endMs),
    exporterPeakKb: rss.peakKb('exporter', startMs, endMs),
    busyPct: ((busy1 - busy0) / ((endMs - startMs) / 1000)) * 100,
    checkResults: checkResults - checkResultsBefore,
    agentCpuPerSecond: (agentCpu1 - agentCpu0) / ((endMs - startMs) / 1000),
  };
}

const phases = [
  await phase('every collector', 2, []),
  await phase('every collector but the TCP tables (tcp, visitors)', 3, ['tcp', 'visitors']),
  await phase(`every collector and 100 checks (50 port, 50 process, every ${CHECK_INTERVAL_S} s)`, 4, [], hundredChecks),
];
checkServer.close();
await scraped.stopScraping();
rss.stop();
const agentStatus = memoryStatus(agent.child.pid as number);
const exporterStatus = memoryStatus(exporter.child.pid as number);
stopping = true;

// ---- each collector alone, in this process ------------------------------------------------------

// the TCP tables as the agent reads them: through the netlink addon next to the built agent
const sockDiag = loadSockDiag([path.join(repoRoot, 'dist', sockDiagAddonName())]);
const tcpTables = new TcpTables('/', sockDiag.ok ? { sockDiag: sockDiag.socket } : { source: 'proc' });
const context: CollectorContext = { root: '/', clock: systemClock, log: silentLogger, tcpTables };
const collectors = COLLECTOR_NAMES.map((name) => createCollector(name, context));
const run = async (collector: AnyCollector, t: number): Promise<unknown> =>
  (isSnapshotCollector(collector) ? collector.snapshot(t) : collector.collect(t));
const perCollector: [string, number][] = [];
const ROUNDS = 50;
for (const collector of collectors) {
  for (let i = 0; i < 5; i++) await run(collector, 1_000 + i); // baseline and warm-up
  const before = process.cpuUsage();
  for (let i = 0; i < ROUNDS; i++) await run(collector, 2_000 + i);
  const used = process.cpuUsage(before);
  perCollector.push([collector.name, (used.user + used.system) / ROUNDS / 1000]);
}

// ---- report --------------------------------------------------------------------------------------

const ms = (s: number): string => (s * 1000).toFixed(2);
const mb = (kb: number | null | undefined): string => (kb === null || kb === undefined ? '?' : (kb / 1024).toFixed(1));
const processes = readdirSync('/proc').filter((e) => /^\d+$/.test(e)).length;
const sockets = readFileSync('/proc/net/sockstat', 'utf8').match(/^TCP: inuse (\d+).*tw (\d+)/m);
let ehash = '?';
try {
  ehash = readFileSync('/proc/sys/net/ipv4/tcp_ehash_entries', 'utf8').trim();
} catch {
  // older kernels do not say
}
const tableCost = perCollector.find(([name]) => name === 'tcp')?.[1] ?? 0;
const others = perCollector.filter(([name]) => name !== 'tcp' && name !== 'visitors').reduce((sum, [, v]) => sum + v, 0);
const agentPeakKb = Math.max(...phases.map((p) => p.agentPeakKb ?? 0));
const lines = [
  `agent footprint — ${new Date().toISOString()}, Node ${process.version}, ${os.cpus().length} CPUs, ${processes} processes, `
    + `${sockets ? `${sockets[1]} TCP sockets in use + ${sockets[2]} in TIME_WAIT` : '? sockets'}, tcp_ehash_entries ${ehash}, USER_HZ ${clockTicksPerSecond()}`,
  `each phase: ${warmupS} s of warm-up, then ${seconds} s measured; the agent's collectors and node_exporter's scrapes every ${intervalS} s`
    + `${agentFlags.length ? `; agent node flags: ${agentFlags.join(' ')}` : ''}`,
  '',
  '| phase | agent CPU per full sample (kernel share) | node_exporter CPU per scrape | ratio | full samples / scrapes | agent RSS peak | node_exporter RSS peak | agent payload | machine busy |',
  '|---|---|---|---|---|---|---|---|---|',
  ...phases.map((p) => `| ${p.title} | ${ms(p.agentCpuPerSample)} ms (${(p.agentSystemShare * 100).toFixed(0)} %) | ${ms(p.exporterCpuPerScrape)} ms | ${(p.agentCpuPerSample / p.exporterCpuPerScrape).toFixed(2)} `
    + `| ${p.samples} (${p.batches} batches) / ${p.scrapes} | ${mb(p.agentPeakKb)} MB | ${mb(p.exporterPeakKb)} MB | ${p.bytesPerSample} B/sample (node_exporter ${scraped.scrapeBytes} B) | ${p.busyPct.toFixed(0)} % of one CPU |`),
  '',
  `at the end: agent RSS ${mb(agentStatus?.rssKb)} MB (VmHWM over its life, start-up included: ${mb(agentStatus?.hwmKb)} MB); node_exporter ${mb(exporterStatus?.rssKb)} MB`,
  `bad batches: ${badBatches}; "machine busy" counts every process: on a shared machine others' work competes`,
  `checks phase: ${phases[2]?.checkResults ?? 0} check results in the window (${checkResultsBad} not OK or not valid); `
    + `the checks' own cost, against the phase with no checks: ${(((phases[2]?.agentCpuPerSecond ?? 0) - (phases[0]?.agentCpuPerSecond ?? 0)) * 100).toFixed(2)} % of one core `
    + `(agent ${((phases[0]?.agentCpuPerSecond ?? 0) * 100).toFixed(2)} → ${((phases[2]?.agentCpuPerSecond ?? 0) * 100).toFixed(2)} %; target: under 2 %)`,
  '',
  'each collector alone, in this process (CPU per call, ms):',
  perCollector.map(([name, v]) => `${name} ${v.toFixed(3)}`).join(' · '),
  `(tcp and visitors share one reading of the TCP tables per instant: ${tableCost.toFixed(2)} ms here, through ${tcpTables.source === 'sock_diag' ? 'netlink sock_diag' : `/proc/net/tcp (${sockDiag.ok ? '' : sockDiag.why})`}, mostly the kernel's walk of its connection hash table; `
    + `all the other collectors together: ${others.toFixed(2)} ms)`,
  '',
  ...phases.map((p) => `target CPU (${p.title}): ${ms(p.agentCpuPerSample)} ms ≤ half of node_exporter's ${ms(p.exporterCpuPerScrape)} ms (${ms(p.exporterCpuPerScrape / 2)} ms): `
    + (p.agentCpuPerSample <= p.exporterCpuPerScrape / 2 ? 'MET' : 'NOT MET')),
  `target RSS: agent peak ${mb(agentPeakKb)} MB over both windows ≤ 55 MB: ${agentPeakKb <= 55 * 1024 ? 'MET' : 'NOT MET'}`,
];
process.stdout.write(lines.join('\n') + '\n');

brokerServer.close();
await new Promise<void>((resolve) => broker.close(() => resolve()));
// the agent stops on SIGTERM in its own time (a --cpu-prof profile is written at its exit)
await Promise.all(children.map(async (child) => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await Promise.race([once(child, 'exit'), sleep(8000)]);
}));
process.exit(0);
