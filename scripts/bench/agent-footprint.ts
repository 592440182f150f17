// The agent's footprint (docs/features.md, "the agent is light"): its CPU time and its RSS against
// Debian's prometheus-node-exporter, with its default collectors, scraped in the same window.
//
//   node scripts/build.mjs && node scripts/bench/run.mjs scripts/bench/agent-footprint.ts [--seconds 120] [--base 5] [--interval 1]
//
// The built agent (dist/agent.js, as installed) runs as its own process, publishing to an Aedes
// broker inside this process, which also scrapes node_exporter (on 127.0.0.1, a free port). The
// phases are switched through the retained configuration, as the appliance would:
//   A. the agent's default schedules (contract/agent-config-mini.ts: cpu, load, memory, net, disk
//      every 5 s, top processes 15 s, tcp and visitors 30 s, fs 60 s, routes 300 s), node_exporter
//      scraped every --base seconds (5: the agent's own base; another base scales the agent's
//      schedules by the same factor);
//   B. the same with 100 service checks (50 port checks on a loopback server, 50 process checks)
//      at their interval of 10 s, as the issue that set the target configured them (not scaled);
//   C. like for like: only the agent's collectors that node_exporter also runs by default (cpu,
//      load, memory, fs, net, disk), every one each base interval as node_exporter reads all of
//      its own at each scrape; compared with node_exporter as above and with a second
//      node_exporter limited to the same collectors;
//   D. every collector every --interval seconds, node_exporter scraped as often (information: the
//      figure this benchmark printed before; the product does not run so);
//   I. idle: every collector off and no checks (the agent's runtime, MQTT session, inventory watch);
//   E. every collector off and B's 100 checks: E − I is the checks' own cost, which has its own
//      budget (under 2 % of one core). In E's window, two more processes side by side: the checks'
//      floor (checks-floor.js: bare Node doing only their 50 loopback connects and one /proc reading
//      every 10 s) and the same program with --idle (its timer, no work), whose difference is what
//      no agent in Node can spend less than on these checks.
// With A, B, I and E (the default), B is read two ways: in total (information: at least A plus the
// checks' floor, ~1.0 of node_exporter, so never ≤ 0.5), and the agent's own work with the checks
// configured, B − (E − I), against node_exporter (the ≤ 0.5 target "with 100 checks": the
// collectors, queue, MQTT and runtime, the checks' work apart; docs/benchmarks.md).
// Per unit of time: CPU (every thread's, from /proc/<pid>/task/*/schedstat, nanoseconds) over the
// same window for both, agent CPU per second / node_exporter CPU per second. Then, in this
// process, each collector is timed alone, to rank where the agent's time goes. Targets: a ratio
// ≤ 0.5 (A; B's own work); the checks' own cost under 2 % of one core; agent RSS ≤ 55 MB.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Aedes } from 'aedes';
import { DEFAULT_COLLECTOR_SETTINGS, DEFAULT_QUEUE, type AgentConfig, type CollectorSetting } from '../../contract/agent-config-mini.js';
import { checkResultsPayloadSchema, type AgentCheck } from '../../contract/check-definitions.js';
import { COLLECTOR_NAMES, type CollectorName } from '../../contract/families.js';
import { parseMetricsPayload } from '../../contract/metrics.js';
import { agentTopic } from '../../contract/topics.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { createCollector, type CollectorContext } from '../../agent/collectors/all-collectors.js';
import { loadSockDiag, sockDiagAddonName } from '../../agent/collectors/sock-diag.js';
import { TcpTables } from '../../agent/collectors/tcp-tables.js';
import { isSnapshotCollector, type AnyCollector } from '../../agent/collectors/collector.js';
import { NODE_EXPORTER, startScrapedExporter } from './node-exporter.js';
import { clockTicksPerSecond, cpuSecondsPrecise, machineBusySeconds, memoryStatus, RssSampler } from './proc-stats.js';

const AGENT_ID = 'bench-agent';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '120' },
    base: { type: 'string', default: '5' },
    interval: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '10' },
    // as installed: scripts/install-agent.sh's systemd unit starts node with these
    'agent-node-flags': { type: 'string', default: '--max-semi-space-size=1 --optimize-for-size --no-sparkplug' },
    /** which phases to run (e.g. A alone, under --cpu-prof), in the order A B C D I E */
    phases: { type: 'string', default: 'ABCDIE' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write('usage: node scripts/bench/run.mjs scripts/bench/agent-footprint.ts [--seconds 120] [--base 5] [--interval 1] [--warmup 10] [--phases ABCDIE] [--agent-node-flags "…"]\n');
  process.exit(0);
}
const seconds = Number(args.seconds);
const baseS = Number(args.base);
const intervalS = Number(args.interval);
const warmupS = Number(args.warmup);
if (!(seconds > 0) || !Number.isInteger(baseS) || baseS < 1 || !Number.isInteger(intervalS) || intervalS < 1 || !(warmupS >= 0)) {
  process.stderr.write('agent-footprint: --seconds > 0, --base and --interval whole numbers ≥ 1, --warmup ≥ 0\n');
  process.exit(2);
}

const repoRoot = process.env.RW_REPO_ROOT ?? process.cwd();
const agentBundle = path.join(repoRoot, 'dist', 'agent.js');
if (!existsSync(agentBundle)) {
  process.stderr.write(`agent-footprint: ${agentBundle} is missing; run \`node scripts/build.mjs\` first\n`);
  process.exit(2);
}
// printed with the results: a side-by-side run shows which build each side ran
const agentBundleHash = createHash('sha256').update(readFileSync(agentBundle)).digest('hex').slice(0, 12);
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

const scraped = await startScrapedExporter(baseS, (argv) => startChild('node_exporter', NODE_EXPORTER, argv).child);
const exporter = { child: scraped.child };
// like for like: a second node_exporter with only the collectors that match the agent's cpu, load,
// memory, fs, net and disk; scraped in that phase only
const MATCHED_EXPORTER_ARGS = ['--collector.disable-defaults', '--collector.cpu', '--collector.loadavg', '--collector.meminfo',
  '--collector.filesystem', '--collector.netdev', '--collector.diskstats'];
const matchedExporter = await startScrapedExporter(baseS, (argv) => startChild('node_exporter (matched)', NODE_EXPORTER, argv).child, MATCHED_EXPORTER_ARGS);
matchedExporter.active = false;

const loadBefore = os.loadavg().map((l) => l.toFixed(2)).join(' ');
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

interface PhaseSpec {
  title: string;
  /** every collector's setting in this phase */
  settings: Record<CollectorName, CollectorSetting>;
  /** node_exporter's scrape interval in this phase: the base the agent's CPU is counted per */
  baseS: number;
  checks?: AgentCheck[];
  /** also scrape the node_exporter limited to the agent's matching collectors */
  matchedExporter?: boolean;
  /** count full samples (every collector at `baseS`): the old per-sample figure */
  fullSamples?: boolean;
  /** also run the checks' floor and bare Node in the window (checks-floor.js, collectors-only.js --idle) */
  checksFloor?: boolean;
}

interface PhaseResult {
  spec: PhaseSpec;
  seconds: number;
  /** share of the agent's CPU spent in the kernel (reading /proc is mostly the kernel's work) */
  agentSystemShare: number;
  /** agent CPU seconds per second of the window */
  agentCpuPerSecond: number;
  exporterCpuPerSecond: number;
  exporterCpuPerScrape: number;
  scrapes: number;
  matched: { cpuPerSecond: number; cpuPerScrape: number; scrapes: number } | null;
  /** instants with every collector's data (phases with fullSamples), else instants with any batch */
  samples: number;
  batches: number;
  bytesPerSecond: number;
  agentPeakKb: number | null;
  exporterPeakKb: number | null;
  busyPct: number;
  checkResults: number;
  /** of them, not OK (or not valid for the contract) */
  checkResultsBad: number;
  checkMessages: number;
  /** the results' delays from their run to their arrival at the broker, ms: median and max */
  checkDelayMs: { median: number; max: number } | null;
  /** CPU seconds per second of the checks' floor and of bare Node in the same window, and the floor's rounds */
  checksFloor: { cpuPerSecond: number; idleCpuPerSecond: number; rounds: number } | null;
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
/** messages on the checks topic: each is an MQTT write and an acknowledgement in the agent's time */
let checkMessages = 0;
/** ms from each result's run (its slot, half a second into the second) to its arrival here */
const checkDelaysMs: number[] = [];
/** what the not-OK results said, by check type and output (the first few), so a failure can be told from a defect */
const notOkSeen = new Map<string, number>();
broker.on('publish', (packet, client) => {
  if (!client || packet.topic !== agentTopic(AGENT_ID, 'checks')) return;
  checkMessages++;
  const parsed = checkResultsPayloadSchema.safeParse(JSON.parse(packet.payload.toString()));
  if (!parsed.success) {
    checkResultsBad++;
    return;
  }
  checkResults += parsed.data.results.length;
  const arrivedMs = Date.now();
  for (const r of parsed.data.results) {
    checkDelaysMs.push(arrivedMs - (r.t * 1000 + 500));
    if (r.state === 'ok') continue;
    checkResultsBad++;
    const key = `${r.id.replace(/-\d+$/, '')} ${r.state}: ${r.output}`;
    if (notOkSeen.has(key) || notOkSeen.size < 5) notOkSeen.set(key, (notOkSeen.get(key) ?? 0) + 1);
  }
});

let revision = 1;
/** Applies a phase's schedules (through the retained configuration, as the appliance would), warms up, measures. */
async function phase(spec: PhaseSpec): Promise<PhaseResult> {
  const on = COLLECTOR_NAMES.filter((name) => spec.settings[name].enabled);
  // `net` and `disk` need a network interface and a disk the machine may not have: required once seen
  const seen = new Set(deliveries.flatMap((d) => [...d.families]));
  const wanted = {
    series: SERIES.filter((f) => on.includes(f as CollectorName) && (seen.has(f) || (f !== 'net' && f !== 'disk'))),
    parts: PARTS.filter((p) => on.includes(p as CollectorName)),
  };
  revision++;
  const phaseConfig: AgentConfig = {
    ...config, revision, collectors: spec.settings,
    ...(spec.checks && spec.checks.length > 0 ? { checks: spec.checks } : {}),
  };
  scraped.intervalS = spec.baseS;
  matchedExporter.intervalS = spec.baseS;
  matchedExporter.active = spec.matchedExporter === true;
  const appliedFrom = deliveries.length;
  const appliedAtMs = performance.now();
  const scrapesAtApply = scraped.scrapes;
  const checkMessagesAtApply = checkMessages;
  await new Promise<void>((resolve, reject) => {
    broker.publish({
      cmd: 'publish', topic: agentTopic(AGENT_ID, 'config'), payload: Buffer.from(JSON.stringify(phaseConfig)),
      qos: 1, retain: true, dup: false,
    }, (error) => (error ? reject(error) : resolve()));
  });
  // ready: two instants of the base group (a full sample when every collector runs at the base)
  const deadline = Date.now() + 30_000 + 2 * spec.baseS * 1000;
  const baseOnly = { series: wanted.series.filter((f) => spec.settings[f as CollectorName].intervalS === spec.baseS), parts: [] };
  // with every collector off there is no batch to wait for: ready once no batch has come for two
  // base intervals (the configuration is applied) and, with checks, once their results come
  const lastBatchMs = (): number => deliveries[deliveries.length - 1]?.atMs ?? Number.NEGATIVE_INFINITY;
  const ready = on.length > 0
    ? (): boolean => fullInstants(deliveries.slice(appliedFrom), spec.fullSamples ? wanted : baseOnly) >= 2 && scraped.scrapes >= 2
    : (): boolean => performance.now() - Math.max(lastBatchMs(), appliedAtMs) > 2 * spec.baseS * 1000 && scraped.scrapes - scrapesAtApply >= 2
      && (!spec.checks?.length || checkMessages > checkMessagesAtApply);
  while (!ready() && Date.now() < deadline) await sleep(200);
  if (!ready()) {
    process.stderr.write(`agent-footprint: no sample (${spec.title}) in time\n${agent.output()}\n`);
    process.exit(1);
  }
  const floor = spec.checksFloor ? startChecksFloor() : null;
  await sleep(warmupS * 1000);
  const agentPid = agent.child.pid as number;
  const exporterPid = exporter.child.pid as number;
  const matchedPid = matchedExporter.child.pid as number;
  const from = deliveries.length;
  const scrapesBefore = scraped.scrapes;
  const matchedBefore = matchedExporter.scrapes;
  const checkResultsBefore = checkResults;
  const checkResultsBadBefore = checkResultsBad;
  const checkMessagesBefore = checkMessages;
  const checkDelaysBefore = checkDelaysMs.length;
  const agentSplit0 = cpuSplit(agentPid);
  const agentCpu0 = cpuSecondsPrecise(agentPid) ?? 0;
  const exporterCpu0 = cpuSecondsPrecise(exporterPid) ?? 0;
  const matchedCpu0 = cpuSecondsPrecise(matchedPid) ?? 0;
  const busy0 = machineBusySeconds() ?? 0;
  const floor0 = floor?.cpu();
  const startMs = performance.now();
  const phaseSeconds = spec.fullSamples ? Math.min(seconds, 60) : seconds;
  await sleep(phaseSeconds * 1000);
  const agentCpu1 = cpuSecondsPrecise(agentPid) ?? 0;
  const agentSplit1 = cpuSplit(agentPid);
  const exporterCpu1 = cpuSecondsPrecise(exporterPid) ?? 0;
  const matchedCpu1 = cpuSecondsPrecise(matchedPid) ?? 0;
  const busy1 = machineBusySeconds() ?? 0;
  const floor1 = floor?.cpu();
  const endMs = performance.now();
  const windowS = (endMs - startMs) / 1000;
  floor?.stop();
  const window = deliveries.slice(from);
  const windowScrapes = scraped.scrapes - scrapesBefore;
  const matchedScrapes = matchedExporter.scrapes - matchedBefore;
  const agentSystem = agentSplit1.system - agentSplit0.system;
  const agentAll = agentSystem + agentSplit1.user - agentSplit0.user;
  return {
    spec,
    seconds: windowS,
    agentSystemShare: agentAll > 0 ? agentSystem / agentAll : 0,
    agentCpuPerSecond: (agentCpu1 - agentCpu0) / windowS,
    exporterCpuPerSecond: (exporterCpu1 - exporterCpu0) / windowS,
    exporterCpuPerScrape: windowScrapes > 0 ? (exporterCpu1 - exporterCpu0) / windowScrapes : Number.NaN,
    scrapes: windowScrapes,
    matched: spec.matchedExporter
      ? { cpuPerSecond: (matchedCpu1 - matchedCpu0) / windowS, cpuPerScrape: matchedScrapes > 0 ? (matchedCpu1 - matchedCpu0) / matchedScrapes : Number.NaN, scrapes: matchedScrapes }
      : null,
    samples: spec.fullSamples ? fullInstants(window, wanted) : new Set(window.map((d) => d.t)).size,
    batches: window.length,
    bytesPerSecond: window.reduce((sum, d) => sum + d.bytes, 0) / windowS,
    agentPeakKb: rss.peakKb('agent', startMs, endMs),
    exporterPeakKb: rss.peakKb('exporter', startMs, endMs),
    busyPct: ((busy1 - busy0) / windowS) * 100,
    checkResults: checkResults - checkResultsBefore,
    checkResultsBad: checkResultsBad - checkResultsBadBefore,
    checkMessages: checkMessages - checkMessagesBefore,
    checkDelayMs: ((d: number[]) => (d.length === 0 ? null : { median: d[Math.floor(d.length / 2)] as number, max: d[d.length - 1] as number }))(
      checkDelaysMs.slice(checkDelaysBefore).sort((a, b) => a - b)),
    checksFloor: floor0 && floor1
      ? { cpuPerSecond: (floor1.floor - floor0.floor) / windowS, idleCpuPerSecond: (floor1.idle - floor0.idle) / windowS, rounds: floor1.rounds - floor0.rounds }
      : null,
  };
}

/**
 * The checks' floor (checks-floor.js: B's 50 port checks' connects and one /proc reading every
 * CHECK_INTERVAL_S, in bare Node) and the same program with its timer alone (--idle),
 * side by side from now until stop(): their difference is the floor of the checks' cost.
 */
function startChecksFloor(): { cpu(): { floor: number; idle: number; rounds: number }; stop(): void } {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const ports = hundredChecks.filter((c) => c.type === 'port').length;
  const floorChild = startChild('the checks\' floor', process.execPath, [path.join(here, 'checks-floor.js'),
    '--port', String(checkPort), '--connections', String(ports), '--interval', String(CHECK_INTERVAL_S)]);
  const idleChild = startChild('the checks\' floor --idle', process.execPath, [path.join(here, 'checks-floor.js'), '--idle', '--interval', String(CHECK_INTERVAL_S)]);
  let rounds = 0;
  floorChild.child.stdout?.on('data', (chunk: Buffer) => { for (const byte of chunk) if (byte === 0x0a) rounds++; });
  let stopped = false;
  return {
    cpu: () => ({ floor: cpuSecondsPrecise(floorChild.child.pid as number) ?? 0, idle: cpuSecondsPrecise(idleChild.child.pid as number) ?? 0, rounds }),
    stop: () => {
      if (stopped) return;
      stopped = true;
      // not an early exit: the children's 'exit' handler stays quiet for these
      floorChild.child.removeAllListeners('exit');
      idleChild.child.removeAllListeners('exit');
      floorChild.child.kill('SIGTERM');
      idleChild.child.kill('SIGTERM');
    },
  };
}

/** The product's default schedules (contract/agent-config-mini.ts), scaled from their 5 s base to `baseS`. */
const PRODUCT_BASE_S = Math.min(...Object.values(DEFAULT_COLLECTOR_SETTINGS).map((s) => s.intervalS));
const atDefaultCadence = (baseS: number): Record<CollectorName, CollectorSetting> => Object.fromEntries(COLLECTOR_NAMES.map((name) => {
  const d = DEFAULT_COLLECTOR_SETTINGS[name];
  return [name, { enabled: d.enabled, intervalS: Math.max(1, Math.round((d.intervalS * baseS) / PRODUCT_BASE_S)) }];
})) as Record<CollectorName, CollectorSetting>;
/** The agent's collectors that node_exporter also runs by default, every one at `baseS`, the rest off. */
const MATCHED: readonly CollectorName[] = ['cpu', 'load', 'memory', 'fs', 'net', 'disk'];
const matchedOnly = (baseS: number): Record<CollectorName, CollectorSetting> => Object.fromEntries(COLLECTOR_NAMES.map((name) =>
  [name, { enabled: MATCHED.includes(name), intervalS: baseS }])) as Record<CollectorName, CollectorSetting>;
const allOff = (baseS: number): Record<CollectorName, CollectorSetting> => Object.fromEntries(COLLECTOR_NAMES.map((name) =>
  [name, { enabled: false, intervalS: baseS }])) as Record<CollectorName, CollectorSetting>;
const everyOneAt = (s: number): Record<CollectorName, CollectorSetting> => Object.fromEntries(COLLECTOR_NAMES.map((name) =>
  [name, { enabled: true, intervalS: s }])) as Record<CollectorName, CollectorSetting>;
const cadence = (settings: Record<CollectorName, CollectorSetting>): string => {
  const groups = new Map<number, string[]>();
  for (const name of COLLECTOR_NAMES) if (settings[name].enabled) groups.set(settings[name].intervalS, [...(groups.get(settings[name].intervalS) ?? []), name]);
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([i, names]) => `${names.join(' ')} ${i} s`).join('; ');
};

const specs: PhaseSpec[] = [
  { title: 'A. default schedules', settings: atDefaultCadence(baseS), baseS },
  { title: `B. default schedules and 100 checks (50 port, 50 process, every ${CHECK_INTERVAL_S} s)`, settings: atDefaultCadence(baseS), baseS, checks: hundredChecks },
  { title: `C. like for like: ${MATCHED.join(', ')}, each every ${baseS} s`, settings: matchedOnly(baseS), baseS, matchedExporter: true },
  { title: `D. every collector every ${intervalS} s (information)`, settings: everyOneAt(intervalS), baseS: intervalS, fullSamples: true },
  { title: 'I. idle: every collector off, no checks', settings: allOff(baseS), baseS },
  { title: 'E. every collector off, the same 100 checks', settings: allOff(baseS), baseS, checks: hundredChecks, checksFloor: true },
];
const phases: PhaseResult[] = [];
for (const spec of specs) if (args.phases.includes(spec.title[0] as string)) phases.push(await phase(spec));
await scraped.stopScraping();
await matchedExporter.stopScraping();
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
const phaseOf = (letter: string): PhaseResult | undefined => phases.find((p) => p.spec.title.startsWith(letter));
const [pA, pB, pC, pD, pI, pE] = ['A', 'B', 'C', 'D', 'I', 'E'].map(phaseOf);
const ratio = (p: PhaseResult): number => p.agentCpuPerSecond / p.exporterCpuPerSecond;
/** the checks' own cost (E − I), CPU seconds per second */
const checksOwn = pI && pE ? pE.agentCpuPerSecond - pI.agentCpuPerSecond : null;
/** B with the checks' own cost taken out: the agent's own work with the checks configured */
const bOwn = pB && checksOwn !== null ? pB.agentCpuPerSecond - checksOwn : null;
/** the checks' floor above bare Node, CPU seconds per second (E's window) */
const checksFloor = pE?.checksFloor ? pE.checksFloor.cpuPerSecond - pE.checksFloor.idleCpuPerSecond : null;
const perBase = (cpuPerSecond: number): string => `${ms(cpuPerSecond * baseS)} ms per ${baseS} s`;
const core = (cpuPerSecond: number): string => `${(cpuPerSecond * 100).toFixed(2)} % of one core`;
/** the collectors' own cost per base interval at the default schedules, from the per-call figures */
const defaults = atDefaultCadence(baseS);
const perCall = new Map(perCollector);
const collectorsPerBase = COLLECTOR_NAMES.reduce((sum, name) => sum + ((perCall.get(name) ?? 0) * baseS) / defaults[name].intervalS, 0);
const lines = [
  `agent footprint — ${new Date().toISOString()}, Node ${process.version}, ${os.cpus().length} CPUs, ${processes} processes, `
    + `${sockets ? `${sockets[1]} TCP sockets in use + ${sockets[2]} in TIME_WAIT` : '? sockets'}, tcp_ehash_entries ${ehash}, USER_HZ ${clockTicksPerSecond()}, load average before ${loadBefore}, after ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  `agent: ${agentBundle} (sha256 ${agentBundleHash}, ${readFileSync(agentBundle).length} bytes)`,
  `each phase: ${warmupS} s of warm-up, then ${seconds} s measured (D: ${Math.min(seconds, 60)} s); node_exporter (Debian's defaults) scraped every ${baseS} s (D: every ${intervalS} s)`
    + `${agentFlags.length ? `; agent node flags: ${agentFlags.join(' ')}` : ''}`,
  `A, B: the agent's default schedules${baseS === PRODUCT_BASE_S ? '' : ` scaled from their ${PRODUCT_BASE_S} s base to ${baseS} s`}: ${cadence(defaults)}; CPU time from /proc/<pid>/task/*/schedstat`,
  '',
  `| phase | agent CPU per ${baseS} s (kernel share) | node_exporter CPU per scrape | ratio | agent instants / scrapes | agent RSS peak | node_exporter RSS peak | agent payload | machine busy |`,
  '|---|---|---|---|---|---|---|---|---|',
  ...phases.map((p) => `| ${p.spec.title} | ${ms(p.agentCpuPerSecond * p.spec.baseS)} ms (${(p.agentSystemShare * 100).toFixed(0)} %)${p.spec.baseS === baseS ? '' : ` per ${p.spec.baseS} s`} | ${ms(p.exporterCpuPerScrape)} ms | **${ratio(p).toFixed(2)}** `
    + `| ${p.samples}${p.spec.fullSamples ? ' full' : ''} (${p.batches} batches) / ${p.scrapes} | ${mb(p.agentPeakKb)} MB | ${mb(p.exporterPeakKb)} MB | ${Math.round(p.bytesPerSecond * p.spec.baseS)} B per ${p.spec.baseS} s (node_exporter ${scraped.scrapeBytes} B) | ${p.busyPct.toFixed(0)} % of one CPU |`),
  '',
  ...(pC ? [`C, like for like against node_exporter limited to the same collectors (${MATCHED_EXPORTER_ARGS.slice(1).join(' ')}): `
    + `${ms(pC.matched?.cpuPerScrape ?? Number.NaN)} ms per scrape, ratio **${(pC.agentCpuPerSecond / (pC.matched?.cpuPerSecond ?? Number.NaN)).toFixed(2)}** (${pC.matched?.scrapes ?? 0} scrapes)`] : []),
  `at the end: agent RSS ${mb(agentStatus?.rssKb)} MB (VmHWM over its life, start-up included: ${mb(agentStatus?.hwmKb)} MB); node_exporter ${mb(exporterStatus?.rssKb)} MB`,
  `bad batches: ${badBatches}; "machine busy" counts every process: on a shared machine others' work competes`,
  ...(pB ? [`B: ${pB.checkResults} check results in the window in ${pB.checkMessages} messages (${((pB.checkMessages * CHECK_INTERVAL_S) / pB.seconds).toFixed(1)} per ${CHECK_INTERVAL_S} s), `
    + `from run to broker median ${pB.checkDelayMs?.median ?? '?'} ms, max ${pB.checkDelayMs?.max ?? '?'} ms, `
    + `${pB.checkResultsBad} of them not OK or not valid (${checkResultsBad} over the run)`
    + (pA ? `; the checks' own cost, B − A: ${((pB.agentCpuPerSecond - pA.agentCpuPerSecond) * 100).toFixed(2)} % of one core `
      + `(agent ${(pA.agentCpuPerSecond * 100).toFixed(2)} → ${(pB.agentCpuPerSecond * 100).toFixed(2)} %; target: under 2 %)` : '')] : []),
  ...[...notOkSeen].map(([what, n]) => `  not OK ×${n}: ${what}`),
  ...(pI && pE && checksOwn !== null ? [`I, E (every collector off; E with B's 100 checks): the checks' own cost, E − I: ${perBase(checksOwn)}, ${core(checksOwn)} `
    + `(agent ${perBase(pI.agentCpuPerSecond)} → ${perBase(pE.agentCpuPerSecond)}; ${pE.checkResults} check results in E's window, ${pE.checkResultsBad} not OK)`] : []),
  ...(pE?.checksFloor && checksFloor !== null ? [`the checks' floor, in E's window: bare Node doing their ${hundredChecks.filter((c) => c.type === 'port').length} loopback connects and one /proc reading `
    + `every ${CHECK_INTERVAL_S} s (checks-floor.js, ${pE.checksFloor.rounds} rounds): ${perBase(pE.checksFloor.cpuPerSecond)}, less its --idle's ${perBase(pE.checksFloor.idleCpuPerSecond)}: `
    + `${perBase(checksFloor)}, ${core(checksFloor)}${checksOwn !== null ? `; the agent's checks above it: ${perBase(checksOwn - checksFloor)}` : ''}`] : []),
  ...(pB && bOwn !== null ? [`B, the agent's own work with the checks configured, B − (E − I): ${perBase(bOwn)} against node_exporter's ${ms(pB.exporterCpuPerScrape)} ms per scrape in B: ratio **${(bOwn / pB.exporterCpuPerSecond).toFixed(2)}** `
    + `(B in total ${ratio(pB).toFixed(2)}${checksFloor !== null ? `; B's floor, its own work plus the checks' floor: ${perBase(bOwn + checksFloor)}, ratio ${((bOwn + checksFloor) / pB.exporterCpuPerSecond).toFixed(2)}` : ''})`] : []),
  '',
  'each collector alone, in this process (CPU per call, ms; TurboFan on, calls in a tight loop: a ranking, not the agent\'s floor):',
  perCollector.map(([name, v]) => `${name} ${v.toFixed(3)}`).join(' · '),
  `(tcp and visitors share one reading of the TCP tables per instant: ${tableCost.toFixed(2)} ms here, through ${tcpTables.source === 'sock_diag' ? 'netlink sock_diag' : `/proc/net/tcp (${sockDiag.ok ? '' : sockDiag.why})`}; `
    + `all the other collectors together: ${others.toFixed(2)} ms; at the default schedules, per ${baseS} s: ${collectorsPerBase.toFixed(2)} ms)`,
  '',
  ...phases.flatMap((p) => {
    if (p === pI || p === pE) return [`information (${p.spec.title}): ratio ${ratio(p).toFixed(2)}`];
    if (p !== pB) return [`target CPU (${p.spec.title}): ratio ${ratio(p).toFixed(2)} ≤ 0.5: ${ratio(p) <= 0.5 ? 'MET' : 'NOT MET'}${p === pD ? ' (information: not the product\'s schedules)' : ''}`];
    // with checks the ≤ 0.5 target is the agent's own work; the checks' work has its own budget
    const total = `B in total: ratio ${ratio(p).toFixed(2)} (information: not a target, the checks' own sockets and /proc reading are charged to the agent`
      + `${checksFloor !== null && bOwn !== null ? `; its floor here ${((bOwn + checksFloor) / p.exporterCpuPerSecond).toFixed(2)}` : ''}; docs/benchmarks.md)`;
    if (bOwn === null) return [`target CPU (${p.spec.title}): the agent's own work B − (E − I) needs phases I and E; ${total}`];
    const own = bOwn / p.exporterCpuPerSecond;
    return [`target CPU (${p.spec.title}, the agent's own work B − (E − I)): ratio ${own.toFixed(2)} ≤ 0.5: ${own <= 0.5 ? 'MET' : 'NOT MET'}`, `  ${total}`];
  }),
  ...(checksOwn !== null ? [`target checks: their own cost E − I ${core(checksOwn)} < 2 %: ${checksOwn < 0.02 ? 'MET' : 'NOT MET'}`] : []),
  `target RSS: agent peak ${mb(agentPeakKb)} MB over the windows ≤ 55 MB: ${agentPeakKb <= 55 * 1024 ? 'MET' : 'NOT MET'}`,
];
process.stdout.write(lines.join('\n') + '\n');

brokerServer.close();
await new Promise<void>((resolve) => broker.close(() => resolve()));
// open until the end: the agent runs its port checks until it stops (closed earlier, they would fail)
checkServer.close();
// the agent stops on SIGTERM in its own time (a --cpu-prof profile is written at its exit)
await Promise.all(children.map(async (child) => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await Promise.race([once(child, 'exit'), sleep(8000)]);
}));
process.exit(0);
