// Remote write end to end (S19, B8; the remote-write benchmark of docs/benchmarks.md): the built appliance under N simulated
// agents at 5 s (the ingest benchmark's enrolled agents and load generator), forwarding to a
// loopback remote-write receiver that decodes nothing (remote-write-receiver.ts, its own process).
//
//   1. windows of the same length with remote write off, on, off again (PUT /api/v1/federation):
//      the appliance process's CPU (/proc/<pid>/stat) per stored sample (rrdcached's acknowledged
//      updates, health `rrdUpdates`), on against the mean of the two off windows (target: ≤ 25 %
//      more); bytes per sample on the wire (the appliance's bytesSent / samplesSent, checked
//      against what the receiver counted);
//   2. remote write on, the receiver stopped for --outage-s (the issue: 600 s) while the agents
//      go on, then restarted on the same port: the time until the queue (federation status) is
//      back to its steady level, i.e. the outage's backlog is drained, with the agents still
//      sending.
// Prints the load average at start and end: the machine is shared (other work changes the
// absolute figures; the off/on windows are measured in the same run for that reason).
//
//   node scripts/bench/run.mjs scripts/bench/remote-write-e2e.ts [--agents 5000] [--window-s 60] [--outage-s 600]
//   … --help for every flag
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { FederationResponse, FederationStatus } from '../../contract/federation-api.js';
import { fdLimitNote, LoadGenerator, sleep, type AgentIdentity } from '../loadgen.js';
import {
  drainWarmupBacklog, ensureIdentities, getHealth, snapshotAppliance, startApplianceWithAgents, stopBenchAppliance, waitForQuiet,
} from './bench-appliance.js';
import { Cleanup, startBrokerScript, terminate, type StartedAppliance, type StartedBroker } from './processes.js';
import { cpuSnapshot, machineBusySeconds } from './proc-stats.js';
import { authorization } from './read-back.js';
import { fmt } from './report.js';
import type { ReceiverStats } from './remote-write-receiver.js';

const HELP = `Usage: node scripts/bench/run.mjs scripts/bench/remote-write-e2e.ts [options]

  --agents 5000            simulated agents (enrolled once into <bench-dir>, as the ingest benchmark's)
  --interval 5             seconds between batches per agent
  --window-s 60            each measured window (off, on, off)
  --cycles 1               on/off pairs after the first off window (off, on, off, on, off…): the
                           machine's drift between windows averages out over more of them
  --settle-s 15            after each switch, before the window opens
  --outage-s 600           the receiver stopped this long (the issue's 10 minutes)
  --drain-timeout-s 1800   longest wait for the queue to drain after the outage
  --downsample-s 0         remoteWrite.downsampleS (0: every stored sample)
  --queue-max-gb 8         remoteWrite.queueMaxBytes in GiB (above the outage's backlog: nothing dropped)
  --warmup-timeout-s 600   connect + first round + the backlog it leaves
  --quiet-wait 20          before starting, wait up to this long (s) for other processes to go quiet
  --quiet-threshold 35     "quiet": everything else together uses less than this % of one core
  --bench-dir DIR          enrolled identities + template database (default var/bench, shared with ingest.ts)
  --results-dir DIR        where the JSON goes (default bench-results)
  --appliance FILE         the appliance bundle (default dist/appliance.js; build it first)
  --cpu-prof-dir DIR       run the appliance with node --cpu-prof into DIR (summarise with cpu-profile-summary.ts)`;

interface Options {
  agents: number;
  intervalS: number;
  windowS: number;
  cycles: number;
  settleS: number;
  outageS: number;
  drainTimeoutS: number;
  downsampleS: number;
  queueMaxBytes: number;
  warmupTimeoutS: number;
  quietWaitS: number;
  quietThresholdPct: number;
  benchDir: string;
  resultsDir: string;
  appliance: string;
  cpuProfDir: string | null;
}

function parseOptions(argv: string[], repoRoot: string): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      agents: { type: 'string', default: '5000' },
      interval: { type: 'string', default: '5' },
      'window-s': { type: 'string', default: '60' },
      cycles: { type: 'string', default: '1' },
      'settle-s': { type: 'string', default: '15' },
      'outage-s': { type: 'string', default: '600' },
      'drain-timeout-s': { type: 'string', default: '1800' },
      'downsample-s': { type: 'string', default: '0' },
      'queue-max-gb': { type: 'string', default: '8' },
      'warmup-timeout-s': { type: 'string', default: '600' },
      'quiet-wait': { type: 'string', default: '20' },
      'quiet-threshold': { type: 'string', default: '35' },
      'bench-dir': { type: 'string', default: path.join(repoRoot, 'var', 'bench') },
      'results-dir': { type: 'string', default: path.join(repoRoot, 'bench-results') },
      appliance: { type: 'string', default: path.join(repoRoot, 'dist', 'appliance.js') },
      'cpu-prof-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return null;
  const num = (flag: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${flag}: expected a number ≥ ${min}, got "${text}"`);
    return n;
  };
  return {
    agents: Math.round(num('agents', values.agents, 1)),
    intervalS: Math.round(num('interval', values.interval, 1)),
    windowS: num('window-s', values['window-s'], 5),
    cycles: Math.min(20, Math.round(num('cycles', values.cycles, 1))),
    settleS: num('settle-s', values['settle-s'], 0),
    outageS: num('outage-s', values['outage-s'], 1),
    drainTimeoutS: num('drain-timeout-s', values['drain-timeout-s'], 10),
    downsampleS: Math.round(num('downsample-s', values['downsample-s'], 0)),
    queueMaxBytes: Math.round(num('queue-max-gb', values['queue-max-gb'], 0.01) * 1024 ** 3),
    warmupTimeoutS: num('warmup-timeout-s', values['warmup-timeout-s'], 10),
    quietWaitS: num('quiet-wait', values['quiet-wait'], 0),
    quietThresholdPct: num('quiet-threshold', values['quiet-threshold'], 1),
    benchDir: path.resolve(values['bench-dir']),
    resultsDir: path.resolve(values['results-dir']),
    appliance: path.resolve(values.appliance),
    cpuProfDir: values['cpu-prof-dir'] !== undefined ? path.resolve(values['cpu-prof-dir']) : null,
  };
}

// ---- the appliance's federation API and the receiver's counters ---------------------------------

async function federation(app: StartedAppliance, body?: unknown): Promise<FederationResponse> {
  const res = await fetch(`http://127.0.0.1:${app.httpPort}/api/v1/federation`, {
    method: body === undefined ? 'GET' : 'PUT',
    headers: { ...authorization(app), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`${body === undefined ? 'GET' : 'PUT'} /api/v1/federation: ${res.status} ${await res.text()}`);
  return (await res.json()) as FederationResponse;
}

async function receiverStats(port: number): Promise<ReceiverStats> {
  const res = await fetch(`http://127.0.0.1:${port}/stats`, { signal: AbortSignal.timeout(10_000) });
  return (await res.json()) as ReceiverStats;
}

// ---- one measured window ------------------------------------------------------------------------

interface Mark {
  at: number;
  machine: number | null;
  cpu: Record<string, number | null>;
  rrdUpdates: number;
  acked: number;
  deferred: number;
  status: FederationStatus;
}

interface WindowResult {
  label: string;
  seconds: number;
  storedSamples: number;
  storedPerS: number;
  batchesAckedPerS: number;
  /** the appliance process (node), rrdcached, the receiver, this process (load generator): CPU s */
  cpuS: { appliance: number | null; rrdcached: number | null; receiver: number | null; loadgen: number | null };
  applianceUsPerStored: number | null;
  applianceWithRrdUsPerStored: number | null;
  /** everything else on the machine, % of one core */
  otherPct: number | null;
  samplesForwarded: number;
  bytesForwarded: number;
  requestsFailed: number;
  queuedMax: number;
  deferredStart: number;
  deferredEnd: number;
}

interface Bench {
  opts: Options;
  app: StartedAppliance;
  rrdPid: number | null;
  gen: LoadGenerator;
  receiver: () => StartedBroker | null;
  log: (line: string) => void;
}

function diff(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || b === null || b === undefined ? null : b - a;
}

async function mark(b: Bench): Promise<Mark> {
  const cpu = cpuSnapshot({ appliance: b.app.pid, rrdcached: b.rrdPid, receiver: b.receiver()?.pid ?? null, loadgen: process.pid });
  const machine = machineBusySeconds();
  const snap = b.gen.snapshot();
  const at = performance.now();
  const [h, f] = await Promise.all([getHealth(b.app), federation(b.app)]);
  return { at, machine, cpu, rrdUpdates: h.counters.rrdUpdates, acked: snap.metricsAcked, deferred: snap.deferred, status: f.status };
}

/** One window: the same polling (federation status once a second) whether remote write is on or off. */
async function measureWindow(b: Bench, label: string): Promise<WindowResult> {
  const w0 = await mark(b);
  let queuedMax = w0.status.queuedSamples;
  const end = w0.at + b.opts.windowS * 1000;
  for (let s = 1; performance.now() < end; s++) {
    await sleep(Math.max(0, Math.min(w0.at + s * 1000, end) - performance.now()));
    queuedMax = Math.max(queuedMax, (await federation(b.app)).status.queuedSamples);
  }
  const w1 = await mark(b);
  const dt = (w1.at - w0.at) / 1000;
  const stored = w1.rrdUpdates - w0.rrdUpdates;
  const cpu = {
    appliance: diff(w0.cpu.appliance, w1.cpu.appliance), rrdcached: diff(w0.cpu.rrdcached, w1.cpu.rrdcached),
    receiver: diff(w0.cpu.receiver, w1.cpu.receiver), loadgen: diff(w0.cpu.loadgen, w1.cpu.loadgen),
  };
  const ours = Object.values(cpu).reduce<number>((n, x) => n + (x ?? 0), 0);
  const machine = diff(w0.machine, w1.machine);
  const per = (s: number | null): number | null => (s === null || stored <= 0 ? null : (s / stored) * 1e6);
  return {
    label, seconds: dt, storedSamples: stored, storedPerS: stored / dt, batchesAckedPerS: (w1.acked - w0.acked) / dt, cpuS: cpu,
    applianceUsPerStored: per(cpu.appliance),
    applianceWithRrdUsPerStored: per(cpu.appliance === null ? null : cpu.appliance + (cpu.rrdcached ?? 0)),
    otherPct: machine === null ? null : Math.max(0, (100 * (machine - ours)) / dt),
    samplesForwarded: w1.status.samplesSent - w0.status.samplesSent,
    bytesForwarded: w1.status.bytesSent - w0.status.bytesSent,
    requestsFailed: w1.status.requestsFailed - w0.status.requestsFailed,
    queuedMax, deferredStart: w0.deferred, deferredEnd: w1.deferred,
  };
}

function meanOf(xs: readonly (number | null)[]): number | null {
  return xs.length === 0 || xs.some((x) => x === null) ? null : (xs as number[]).reduce((a, b) => a + b, 0) / xs.length;
}

/** Several windows of the same kind as one: totals over their summed time. */
function sumWindows(ws: readonly WindowResult[], label: string): WindowResult {
  const add = (f: (w: WindowResult) => number | null): number | null => (ws.some((w) => f(w) === null) ? null : ws.reduce((a, w) => a + (f(w) as number), 0));
  const seconds = ws.reduce((a, w) => a + w.seconds, 0);
  const stored = ws.reduce((a, w) => a + w.storedSamples, 0);
  const appliance = add((w) => w.cpuS.appliance);
  const rrd = add((w) => w.cpuS.rrdcached);
  return {
    label, seconds, storedSamples: stored, storedPerS: stored / seconds, batchesAckedPerS: ws.reduce((a, w) => a + w.batchesAckedPerS * w.seconds, 0) / seconds,
    cpuS: { appliance, rrdcached: rrd, receiver: add((w) => w.cpuS.receiver), loadgen: add((w) => w.cpuS.loadgen) },
    applianceUsPerStored: appliance === null || stored <= 0 ? null : (appliance / stored) * 1e6,
    applianceWithRrdUsPerStored: appliance === null || stored <= 0 ? null : ((appliance + (rrd ?? 0)) / stored) * 1e6,
    otherPct: add((w) => (w.otherPct === null ? null : w.otherPct * w.seconds)) === null ? null : (add((w) => (w.otherPct === null ? null : w.otherPct * w.seconds)) as number) / seconds,
    samplesForwarded: ws.reduce((a, w) => a + w.samplesForwarded, 0), bytesForwarded: ws.reduce((a, w) => a + w.bytesForwarded, 0),
    requestsFailed: ws.reduce((a, w) => a + w.requestsFailed, 0), queuedMax: Math.max(...ws.map((w) => w.queuedMax)),
    deferredStart: ws[0]?.deferredStart ?? 0, deferredEnd: ws[ws.length - 1]?.deferredEnd ?? 0,
  };
}

function windowLine(w: WindowResult): string {
  const pct = (s: number | null): string => (s === null ? '—' : `${fmt((100 * s) / w.seconds, 1)} %`);
  return `${w.label.padEnd(14)} ${fmt(w.storedPerS).padStart(8)} stored/s  appliance ${pct(w.cpuS.appliance).padStart(7)} of a core = ${fmt(w.applianceUsPerStored, 1).padStart(6)} µs/stored sample`
    + ` (+ rrdcached ${pct(w.cpuS.rrdcached)}: ${fmt(w.applianceWithRrdUsPerStored, 1)} µs)  forwarded ${fmt(w.samplesForwarded / w.seconds)} samples/s`
    + `  receiver ${pct(w.cpuS.receiver)}  load generator ${pct(w.cpuS.loadgen)}  other processes ${w.otherPct === null ? '—' : `${fmt(w.otherPct)} %`}`
    + `  agents' queues ${fmt(w.deferredStart)} → ${fmt(w.deferredEnd)}`
    + (w.samplesForwarded > 0 ? `  remote-write queue ≤ ${fmt(w.queuedMax)} samples` : '');
}

// ---- the outage ---------------------------------------------------------------------------------

interface OutageResult {
  outageS: number;
  queuedSamplesAtEnd: number;
  queuedBytesAtEnd: number;
  droppedSamples: number;
  /** failed requests during the outage (the sender's retries) */
  retries: number;
  drained: boolean;
  drainS: number;
  /** the steady queue level the drain had to reach (the on window's highest) */
  drainedAtOrBelow: number;
  samplesForwardedInDrain: number;
  bytesForwardedInDrain: number;
  applianceCorePctInDrain: number | null;
  storedPerSInDrain: number;
}

async function outageAndDrain(b: Bench, steadyQueued: number, restart: (port: number) => Promise<StartedBroker>, port: number): Promise<OutageResult> {
  const rcv = b.receiver();
  if (!rcv) throw new Error('no receiver to stop');
  const o0 = await mark(b);
  await terminate(rcv, 5000);
  b.log(`receiver stopped: outage of ${fmt(b.opts.outageS)} s`);
  const outageEnd = o0.at + b.opts.outageS * 1000;
  let loggedAt = performance.now();
  while (performance.now() < outageEnd) {
    await sleep(Math.min(1000, Math.max(0, outageEnd - performance.now())));
    if (performance.now() - loggedAt >= 30_000) {
      loggedAt = performance.now();
      const s = (await federation(b.app)).status;
      b.log(`  outage ${fmt((performance.now() - o0.at) / 1000)} s: ${fmt(s.queuedSamples)} samples queued (${fmt(s.queuedBytes / 2 ** 20, 1)} MiB), ${fmt(s.requestsFailed - o0.status.requestsFailed)} failed requests`);
    }
  }
  const o1 = await mark(b);
  await restart(port);
  const r0 = await mark(b);
  b.log(`receiver back on port ${port}: ${fmt(o1.status.queuedSamples)} samples queued (${fmt(o1.status.queuedBytes / 2 ** 20, 1)} MiB); draining`);
  const deadline = r0.at + b.opts.drainTimeoutS * 1000;
  let drained = false;
  loggedAt = performance.now();
  while (performance.now() < deadline) {
    await sleep(250);
    const s = (await federation(b.app)).status;
    if (s.queuedSamples <= steadyQueued) {
      drained = true;
      break;
    }
    if (performance.now() - loggedAt >= 10_000) {
      loggedAt = performance.now();
      b.log(`  drain ${fmt((performance.now() - r0.at) / 1000)} s: ${fmt(s.queuedSamples)} samples queued`);
    }
  }
  const r1 = await mark(b);
  const drainS = (r1.at - r0.at) / 1000;
  const appCpu = diff(r0.cpu.appliance, r1.cpu.appliance);
  return {
    outageS: (o1.at - o0.at) / 1000,
    queuedSamplesAtEnd: o1.status.queuedSamples,
    queuedBytesAtEnd: o1.status.queuedBytes,
    droppedSamples: r1.status.samplesDropped - o0.status.samplesDropped,
    retries: o1.status.requestsFailed - o0.status.requestsFailed,
    drained, drainS, drainedAtOrBelow: steadyQueued,
    samplesForwardedInDrain: r1.status.samplesSent - r0.status.samplesSent,
    bytesForwardedInDrain: r1.status.bytesSent - r0.status.bytesSent,
    applianceCorePctInDrain: appCpu === null ? null : (100 * appCpu) / drainS,
    storedPerSInDrain: (r1.rrdUpdates - r0.rrdUpdates) / drainS,
  };
}

// ---- main ---------------------------------------------------------------------------------------

function loadavg(): string {
  return os.loadavg().map((x) => x.toFixed(2)).join(' ');
}

async function main(): Promise<number> {
  const repoRoot = process.env.RW_REPO_ROOT ?? process.cwd();
  const opts = parseOptions(process.argv.slice(2), repoRoot);
  if (!opts) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const cleanup = new Cleanup();
  cleanup.exitOnSignals();
  process.on('exit', () => { cleanup.runAll(); });
  const t0 = performance.now();
  const log = (line: string): void => { process.stdout.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`); };
  const startedAt = new Date();
  const loadStart = loadavg();
  log(`remote write end to end: ${fmt(opts.agents)} agents @ ${opts.intervalS} s, windows ${fmt(opts.windowS)} s (off, on, off), outage ${fmt(opts.outageS)} s`
    + `${opts.outageS !== 600 ? ' (the issue asks 600 s)' : ''}, downsampleS ${opts.downsampleS}; node ${process.version}, ${os.cpus().length} cores`);
  log(`load average at start: ${loadStart}`);
  const note = fdLimitNote(opts.agents);
  if (note) throw new Error(note);

  const snapshot = snapshotAppliance(opts, repoRoot, 'appliance-under-test-rw.js');
  log(`appliance under test: ${snapshot.source} built ${snapshot.builtAt}, sha256 ${snapshot.sha256.slice(0, 12)}`
    + (snapshot.gitHead ? `; tree at ${snapshot.gitHead} with ${snapshot.gitChangedFiles} changed files` : ''));
  const all = await ensureIdentities({ benchDir: opts.benchDir, repoRoot, applianceBinary: snapshot.file, cleanup, log }, opts.agents);
  const ids: AgentIdentity[] = all.slice(0, opts.agents);
  const quiet = await waitForQuiet(opts.quietWaitS, opts.quietThresholdPct);
  log(`other processes before the start: ${fmt(quiet.busyPct)} % of a core (waited ${fmt(quiet.waitedS)} s)`);

  const tmp = cleanup.tempDir('rw-e2e-');
  const { app, rrdPid } = await startApplianceWithAgents({
    cleanup, repoRoot, benchDir: opts.benchDir, dataDir: tmp.dir, ids, binary: snapshot.file, extraArgs: [],
    nodeArgs: opts.cpuProfDir !== null ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProfDir] : [],
  });
  const receiverScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'remote-write-receiver.js');
  let receiver: StartedBroker | null = await startBrokerScript(cleanup, 'remote-write receiver', receiverScript, [], 'rw-receiver ready');
  const port = receiver.port;
  const gen = new LoadGenerator({
    host: '127.0.0.1', port: app.mqttPort, agents: ids, intervalS: opts.intervalS, maxInflight: 1, keepaliveS: 15,
    connectConcurrency: 200, connectTimeoutMs: 30_000, announce: true, credentials: true, initialBacklogRounds: 0,
  });
  const b: Bench = { opts, app, rrdPid, gen, receiver: () => receiver, log };
  const remoteWriteOn = { appliance: 'bench', remoteWrite: { url: `http://127.0.0.1:${port}/api/v1/write`, downsampleS: opts.downsampleS, queueMaxBytes: opts.queueMaxBytes } };
  const remoteWriteOff = { appliance: 'bench', remoteWrite: null };
  const settle = async (what: string): Promise<void> => {
    log(`${what}; ${fmt(opts.settleS)} s to settle`);
    await sleep(opts.settleS * 1000);
  };
  try {
    // warm-up: connect, one full round (which creates the RRD files), the backlog it leaves
    const warmupDeadline = performance.now() + opts.warmupTimeoutS * 1000;
    await gen.connectAll(Date.now() + opts.warmupTimeoutS * 1000);
    log(`${fmt(gen.counters.connected)} agents connected`);
    if (gen.counters.connected === 0) throw new Error('no agent could connect');
    gen.startSchedule(200);
    while (performance.now() < warmupDeadline && gen.agentsAckedThrough(0) < gen.counters.connected) await sleep(100);
    await drainWarmupBacklog(gen, opts.agents, warmupDeadline, log);
    log(`warm-up done (${fmt(gen.agentsAckedThrough(0))} agents through their first round)`);

    // 1. off, then on and off again `cycles` times
    await federation(app, remoteWriteOff);
    await settle('remote write off');
    const offs = [await measureWindow(b, 'off')];
    log(windowLine(offs[0] as WindowResult));
    const ons: WindowResult[] = [];
    let rcv = { requests: 0, bytes: 0 };
    for (let c = 1; c <= opts.cycles; c++) {
      await federation(app, remoteWriteOn);
      await settle(`remote write on (${remoteWriteOn.remoteWrite.url})`);
      const rcv0 = await receiverStats(port);
      const w = await measureWindow(b, opts.cycles > 1 ? `on ${c}` : 'on');
      const rcv1 = await receiverStats(port);
      rcv = { requests: rcv.requests + rcv1.requests - rcv0.requests, bytes: rcv.bytes + rcv1.bytes - rcv0.bytes };
      ons.push(w);
      log(windowLine(w));
      await federation(app, remoteWriteOff);
      await settle('remote write off');
      const off = await measureWindow(b, opts.cycles > 1 ? `off ${c + 1}` : 'off (again)');
      offs.push(off);
      log(windowLine(off));
    }
    const on = sumWindows(ons, 'on (all)');

    // 2. the outage
    await federation(app, remoteWriteOn);
    await settle('remote write on');
    const outage = await outageAndDrain(b, Math.max(on.queuedMax, 1), async (p) => {
      receiver = await startBrokerScript(cleanup, 'remote-write receiver', receiverScript, [], 'rw-receiver ready', p);
      return receiver;
    }, port);

    // ---- report
    // the on windows against the off windows, each side's µs per stored sample averaged over its windows
    const offUs = meanOf(offs.map((w) => w.applianceUsPerStored));
    const onUs = meanOf(ons.map((w) => w.applianceUsPerStored));
    const added = offUs !== null && onUs !== null ? onUs / offUs - 1 : null;
    const offRrd = meanOf(offs.map((w) => w.applianceWithRrdUsPerStored));
    const onRrd = meanOf(ons.map((w) => w.applianceWithRrdUsPerStored));
    const addedRrd = offRrd !== null && onRrd !== null ? onRrd / offRrd - 1 : null;
    // each on window against the two off windows around it: how much the figure moves within the run
    const pairs = ons.map((w, i) => {
      const around = meanOf([offs[i]?.applianceUsPerStored ?? null, offs[i + 1]?.applianceUsPerStored ?? null]);
      return around !== null && w.applianceUsPerStored !== null ? w.applianceUsPerStored / around - 1 : null;
    });
    const wire = on.samplesForwarded > 0 ? on.bytesForwarded / on.samplesForwarded : null;
    const valuesPerStored = on.storedSamples > 0 ? on.samplesForwarded / on.storedSamples : null;
    const arrivalPerS = on.samplesForwarded / on.seconds;
    const drainPerS = outage.drainS > 0 ? outage.samplesForwardedInDrain / outage.drainS : null;
    const tenMinQueued = arrivalPerS * 600;
    const tenMinDrainS = drainPerS !== null && drainPerS > arrivalPerS ? tenMinQueued / (drainPerS - arrivalPerS) : null;
    const loadEnd = loadavg();
    const out: string[] = [
      '',
      `Remote write end to end (S19, B8): ${fmt(opts.agents)} agents @ ${opts.intervalS} s, windows of ${fmt(opts.windowS)} s, outage ${fmt(opts.outageS)} s, downsampleS ${opts.downsampleS}`,
      `  load average at start ${loadStart}, at end ${loadEnd} (${os.cpus().length} cores)`,
      ...[offs[0] as WindowResult, ...ons.flatMap((w, i) => [w, offs[i + 1] as WindowResult])].map((w) => `  ${windowLine(w)}`),
      `  appliance CPU per stored sample, remote write on against off (mean of the ${ons.length} on and ${offs.length} off windows): ${fmt(onUs, 1)} against ${fmt(offUs, 1)} µs = `
        + `${added === null ? '—' : `${added >= 0 ? '+' : ''}${fmt(100 * added, 1)} %`} — target ≤ +25 %: ${added === null ? 'n/a' : added <= 0.25 ? 'MET' : 'MISSED'}`
        + ` (with rrdcached: ${addedRrd === null ? '—' : `${addedRrd >= 0 ? '+' : ''}${fmt(100 * addedRrd, 1)} %`})`
        + (ons.length > 1 ? `; each on window against the off windows around it: ${pairs.map((p) => (p === null ? '—' : `${p >= 0 ? '+' : ''}${fmt(100 * p, 1)} %`)).join(', ')}` : ''),
      `  a stored sample (one series of one batch) is ${fmt(valuesPerStored, 2)} forwarded samples (one per value)`,
      `  wire: ${fmt(wire, 2)} bytes per forwarded sample (${fmt(wire !== null && valuesPerStored !== null ? wire * valuesPerStored : null, 1)} per stored sample), snappy-compressed protobuf;`
        + ` receiver counted ${fmt(rcv.bytes)} bytes in ${fmt(rcv.requests)} requests, the appliance ${fmt(on.bytesForwarded)} bytes; ${fmt(on.requestsFailed)} failed requests`,
      `  outage of ${fmt(outage.outageS)} s: ${fmt(outage.queuedSamplesAtEnd)} samples queued, ${fmt(outage.queuedBytesAtEnd / 2 ** 20, 1)} MiB on disk`
        + ` (${fmt(outage.queuedSamplesAtEnd > 0 ? outage.queuedBytesAtEnd / outage.queuedSamplesAtEnd : null, 1)} B/sample), ${fmt(outage.droppedSamples)} dropped,`
        + ` ${fmt(outage.retries)} failed requests meanwhile (one every ${fmt(outage.retries > 0 ? (1000 * outage.outageS) / outage.retries : null)} ms)`,
      `  drain: ${outage.drained ? `${fmt(outage.drainS, 1)} s` : `NOT DONE within ${fmt(opts.drainTimeoutS)} s`} until the queue was back to its steady level (≤ ${fmt(outage.drainedAtOrBelow)} samples),`
        + ` with the agents still sending: ${fmt(drainPerS)} samples/s forwarded (${fmt(outage.bytesForwardedInDrain / Math.max(outage.samplesForwardedInDrain, 1), 2)} B/sample),`
        + ` appliance ${fmt(outage.applianceCorePctInDrain, 1)} % of a core, ${fmt(outage.storedPerSInDrain)} stored/s meanwhile`,
      `  at this rate a 10-minute outage at ${fmt(opts.agents)} agents (${fmt(tenMinQueued)} samples at ${fmt(arrivalPerS)}/s) drains in ≈ ${fmt(tenMinDrainS)} s`
        + `${opts.outageS === 600 ? ' (measured above)' : ' (extrapolated: queued / (drain rate − arrival rate))'}`,
    ];
    process.stdout.write(out.join('\n') + '\n');
    mkdirSync(opts.resultsDir, { recursive: true });
    const file = path.join(opts.resultsDir, `remote-write-e2e-${startedAt.toISOString().replace(/[:]/g, '-').replace(/\..*$/, '')}.json`);
    writeFileSync(file, JSON.stringify({
      startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), options: opts, appliance: snapshot, loadStart, loadEnd,
      windows: [offs[0], ...ons.flatMap((w, i) => [w, offs[i + 1]])], receiver: { during: rcv },
      addedCpu: added, addedCpuEachOnWindow: pairs, addedCpuWithRrdcached: addedRrd, wireBytesPerSample: wire, valuesPerStored, outage, tenMinDrainS,
    }, null, 2) + '\n');
    process.stdout.write(`Results: ${path.relative(process.cwd(), file) || file}\n`);
    return outage.drained && outage.droppedSamples === 0 ? 0 : 1;
  } finally {
    await Promise.race([gen.stop(), sleep(5000)]);
    if (receiver) await terminate(receiver, 5000);
    // under --cpu-prof the appliance writes its profile only when it exits of itself (SIGTERM), not when killed
    await stopBenchAppliance(app, rrdPid, tmp.dir, opts.cpuProfDir !== null);
    tmp.remove();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`remote-write-e2e: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
