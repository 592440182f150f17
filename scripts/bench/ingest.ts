// Ingest benchmark (S19): how much agent traffic the appliance stores, how fast samples reach the
// live stream, and what that costs in CPU and memory, next to a baseline measured in the same run
// with the same load: (a) bare Aedes (no auth, no ingest) and (b) Debian's Mosquitto.
//
// Levels: 1,000 / 5,000 / 10,000 agents at a 5 s interval; a flat-out probe (every agent starts
// with a deep queue, as after an outage) whose acknowledged throughput defines the rate the
// appliance can sustain; then twice that rate. Each level and target: a fresh broker (and for the
// appliance a fresh data dir with the enrolled agents copied in), connect + one full round of
// warm-up (which also creates the RRD files), a measured window, then verification: every sample
// the appliance acknowledged must be in rrdcached (health rrdUpdates) and a random subset of
// series is read back through the API and compared value by value.
//
//   node scripts/bench/run.mjs scripts/bench/ingest.ts --quick     (~3 min, 2,000 agents)
//   node scripts/bench/run.mjs scripts/bench/ingest.ts             (full, ~15 min)
//   … --help for every flag
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { HealthResponse } from '../../contract/api.js';
import {
  fdLimitNote, LoadGenerator, openFileLimit, SAMPLES_PER_BATCH,
  SIM_SERIES, sleep, type AgentIdentity, type LoadSnapshot,
} from '../loadgen.js';
import {
  drainWarmupBacklog, ensureIdentities as ensureEnrolled, getHealth, snapshotAppliance, startApplianceWithAgents, stopBenchAppliance, waitForQuiet,
} from './bench-appliance.js';
import { LatencyTracker } from './latency.js';
import { MAX_ROWS_PER_READ, prng, readBackSeries, type ApiTarget } from './read-back.js';
import { MqttSubscriber } from './mqtt-subscriber.js';
import { Cleanup, startBareAedes, startMosquitto, terminate, type Managed } from './processes.js';
import { cpuSnapshot, machineBusySeconds, RssSampler } from './proc-stats.js';
import {
  fmt, levelTable, TARGET_LABEL, type CpuUse, type LevelSpec, type RunResult, type TargetKind, type TimelinePoint, type Verification,
} from './report.js';
import { rrdcachedStats } from './rrdcached-stats.js';
import { SseSubscriber } from './sse-subscriber.js';

const ALL_TARGETS: readonly TargetKind[] = ['appliance', 'aedes', 'mosquitto'];

// ---- options ------------------------------------------------------------------------------------

interface Options {
  quick: boolean;
  levels: number[];
  intervalS: number;
  windowS: number;
  probeWindowS: number;
  warmupTimeoutS: number;
  targets: TargetKind[];
  maxInflight: number;
  maxAgents: number;
  probeAgents: number;
  probeBacklogRounds: number;
  /** skip the probe and take this as the sustainable rate (msg/s) */
  sustainable: number | null;
  twice: boolean;
  verifySeries: number;
  benchDir: string;
  resultsDir: string;
  applianceArgs: string[];
  cpuProf: boolean;
  /** extra Node flags for the appliance, e.g. --perf-basic-prof to profile the window with perf */
  nodeArgs: string[];
  connectConcurrency: number;
  quietWaitS: number;
  quietThresholdPct: number;
  /** the appliance bundle to measure; copied once at the start (see snapshotAppliance) */
  appliance: string;
  /** open the appliance's window only once rrdcached writes RRD files (see waitForFileWrites) */
  flushWait: boolean;
}

const HELP = `Usage: node scripts/bench/run.mjs scripts/bench/ingest.ts [options]

  --quick                  short run (~3 min): one level (2,000 agents), 10 s windows
  --levels 1000,5000,10000 agent counts measured at --interval (default; --quick: 2000)
  --interval 5             seconds between batches per agent
  --window 30              measured seconds per level and target (--quick: 10)
  --probe-window 30        measured seconds of the flat-out probe (--quick: 10)
  --warmup-timeout 600     longest wait for connect, the first full round (which creates the RRD
                           files) and the drain of the backlog it leaves in the agents (s)
  --targets appliance,aedes,mosquitto
  --max-inflight 1         unacknowledged publishes per simulated agent (the real agent's: 1)
  --max-agents 15000       most agents the twice-sustainable level may use (--quick: 4000)
  --probe-agents N         agents in the flat-out probe (default: half the largest level)
  --probe-backlog 720      rounds queued per agent at the start of the probe
  --sustainable R          skip the probe; take R msg/s as the sustainable rate
  --no-twice               skip the twice-sustainable level
  --verify-series 40       series read back through the API after each appliance run
  --bench-dir DIR          enrolled identities + template database, kept between runs (default var/bench)
  --results-dir DIR        where the JSON goes (default bench-results)
  --appliance-arg ARG      extra appliance flag (repeat: --appliance-arg=--max-concurrent-writes --appliance-arg=1024)
  --cpu-prof               run the appliance under node --cpu-prof (profiles kept in <bench-dir>/profiles)
  --node-arg FLAG          a Node flag for the appliance (repeatable), e.g. --perf-basic-prof to profile
                           the window with \`perf record -p PID\` (the PID is logged when the window opens)
Environment: RW_BENCH_LOG=FILE appends the appliance's log (stderr) to FILE.
  --connect-concurrency 200
  --quiet-wait 20          before each run, wait up to this long (s) for other processes to go quiet (--quick: 0)
  --quiet-threshold 35     "quiet": everything else together uses less than this % of one core
  --no-flush-wait          open the appliance's window right after the warm-up, before rrdcached has
                           written any RRD file (by default the window waits for its first writes,
                           ~5 min after the files' first updates: steady state includes them;
                           --quick does not wait)
  --appliance FILE         the appliance bundle to measure (default dist/appliance.js; build it first)`;

function parseOptions(argv: string[], repoRoot: string): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      levels: { type: 'string' },
      interval: { type: 'string', default: '5' },
      window: { type: 'string' },
      'probe-window': { type: 'string' },
      'warmup-timeout': { type: 'string', default: '600' },
      targets: { type: 'string', default: ALL_TARGETS.join(',') },
      'max-inflight': { type: 'string', default: '1' },
      'max-agents': { type: 'string' },
      'probe-agents': { type: 'string' },
      'probe-backlog': { type: 'string', default: '720' },
      sustainable: { type: 'string' },
      'no-twice': { type: 'boolean', default: false },
      'verify-series': { type: 'string', default: '40' },
      'bench-dir': { type: 'string', default: path.join(repoRoot, 'var', 'bench') },
      'results-dir': { type: 'string', default: path.join(repoRoot, 'bench-results') },
      'appliance-arg': { type: 'string', multiple: true, default: [] },
      'cpu-prof': { type: 'boolean', default: false },
      'node-arg': { type: 'string', multiple: true, default: [] },
      'connect-concurrency': { type: 'string', default: '200' },
      'quiet-wait': { type: 'string' },
      'quiet-threshold': { type: 'string', default: '35' },
      appliance: { type: 'string', default: path.join(repoRoot, 'dist', 'appliance.js') },
      'no-flush-wait': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return null;
  const int = (flag: string, text: string | undefined, fallback: number, min = 1): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${flag}: expected a whole number ≥ ${min}, got "${text}"`);
    return n;
  };
  const quick = values.quick;
  const levels = (values.levels ?? (quick ? '2000' : '1000,5000,10000')).split(',').map((s) => int('levels', s.trim(), 0));
  const targets = values.targets.split(',').map((s) => s.trim());
  for (const t of targets) if (!(ALL_TARGETS as readonly string[]).includes(t)) throw new Error(`--targets: unknown target "${t}" (${ALL_TARGETS.join(', ')})`);
  return {
    quick,
    levels,
    intervalS: int('interval', values.interval, 5),
    windowS: int('window', values.window, quick ? 10 : 30),
    probeWindowS: int('probe-window', values['probe-window'], quick ? 10 : 30),
    warmupTimeoutS: int('warmup-timeout', values['warmup-timeout'], 600),
    targets: targets as TargetKind[],
    maxInflight: int('max-inflight', values['max-inflight'], 1),
    maxAgents: int('max-agents', values['max-agents'], quick ? 4000 : 15000),
    // flat out, the agent count matters less than the queue each one has: half the largest level
    // saturates the appliance while creating half the RRD files in the warm-up
    probeAgents: int('probe-agents', values['probe-agents'], Math.max(1, Math.round(Math.max(...levels) / 2))),
    probeBacklogRounds: int('probe-backlog', values['probe-backlog'], 720),
    sustainable: values.sustainable === undefined ? null : int('sustainable', values.sustainable, 1),
    twice: !values['no-twice'],
    verifySeries: int('verify-series', values['verify-series'], 40, 0),
    benchDir: path.resolve(values['bench-dir']),
    resultsDir: path.resolve(values['results-dir']),
    applianceArgs: values['appliance-arg'],
    cpuProf: values['cpu-prof'],
    nodeArgs: values['node-arg'],
    connectConcurrency: int('connect-concurrency', values['connect-concurrency'], 200),
    quietWaitS: int('quiet-wait', values['quiet-wait'], quick ? 0 : 20, 0),
    quietThresholdPct: int('quiet-threshold', values['quiet-threshold'], 35, 1),
    appliance: path.resolve(values.appliance),
    flushWait: !values['no-flush-wait'] && !quick,
  };
}

// ---- context ------------------------------------------------------------------------------------

interface Ctx {
  opts: Options;
  repoRoot: string;
  /** the snapshot of the appliance bundle every run of this benchmark starts */
  applianceBinary: string;
  cleanup: Cleanup;
  bareAedesScript: string;
  identities: AgentIdentity[];
  log(line: string): void;
}

async function ensureIdentities(ctx: Ctx, count: number): Promise<void> {
  ctx.identities = await ensureEnrolled({ ...ctx, benchDir: ctx.opts.benchDir }, count);
}

// ---- one run: one target at one level -----------------------------------------------------------

function cpuUse(seconds: number | null, msgs: number, windowS: number): CpuUse | null {
  if (seconds === null) return null;
  return { seconds, usPerMsg: msgs > 0 ? (seconds / msgs) * 1e6 : null, corePct: (100 * seconds) / windowS };
}

function diff(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || b === null || b === undefined ? null : b - a;
}

async function verifyAppliance(ctx: Ctx, api: ApiTarget, gen: LoadGenerator, level: LevelSpec, ids: readonly AgentIdentity[]): Promise<Verification> {
  const h = await getHealth(api);
  const snap = gen.snapshot();
  const samplesAcked = snap.metricsAcked * SAMPLES_PER_BATCH;
  const problems: string[] = [];
  const v: Verification = {
    metricsAcked: snap.metricsAcked,
    samplesAcked,
    rrdUpdates: h.counters.rrdUpdates,
    rrdUpdateErrors: h.counters.rrdUpdateErrors,
    badPayloads: h.counters.badPayloads,
    messagesIn: h.counters.messagesIn,
    publishesSent: snap.metricsSent + snap.announcementsSent,
    inflightAtEnd: snap.inflight,
    lostSamples: samplesAcked - h.counters.rrdUpdates,
    seriesChecked: 0,
    valuesChecked: 0,
    valuesMissing: 0,
    valuesWrong: 0,
    problems,
  };
  if (v.lostSamples !== 0) problems.push(`${fmt(samplesAcked)} samples acknowledged but rrdUpdates is ${fmt(h.counters.rrdUpdates)}`);

  // a random subset of agents, one random series each, read back and compared value by value
  const rand = prng(level.agents * 7919 + level.intervalS);
  const candidates = ids.map((_, i) => i).filter((i) => gen.ackedRange(i) !== null);
  const picks = Math.min(ctx.opts.verifySeries, candidates.length);
  for (let n = 0; n < picks; n++) {
    const j = n + Math.floor(rand() * (candidates.length - n));
    const chosen = candidates[j];
    const here = candidates[n];
    if (chosen === undefined || here === undefined) break;
    candidates[j] = here;
    candidates[n] = chosen;
    const agentIndex = chosen;
    const range = gen.ackedRange(agentIndex);
    const id = ids[agentIndex];
    const seriesIndex = Math.floor(rand() * SIM_SERIES.length);
    if (!range || !id) continue;
    const fromRound = Math.max(range.from, range.to - MAX_ROWS_PER_READ);
    const r = await readBackSeries(api, {
      agentId: id.agentId, agentIndex, seriesIndex, intervalS: level.intervalS, fromT: gen.roundTime(fromRound), toT: gen.roundTime(range.to),
    });
    if (r.read) v.seriesChecked++;
    v.valuesChecked += r.checked;
    v.valuesMissing += r.missing;
    v.valuesWrong += r.wrong;
    problems.push(...r.problems);
  }
  return v;
}

interface WindowMark {
  at: number;
  machine: number | null;
  gen: LoadSnapshot;
  cpu: Record<string, number | null>;
  health: HealthResponse | null;
}

/**
 * rrdcached holds each file's updates for -w 300 s plus a random -z 0…300 s before it writes
 * them: a window right after the warm-up measures a daemon that has written nothing to disk yet,
 * and no steady state. Its first writes begin ~300 s after the files' first updates, and go on
 * at about the steady rate from then on (the random delays spread them). The window opens
 * FLUSH_SETTLE_MS after the first write is seen, waiting at most FLUSH_WAIT_MAX_MS.
 */
const FLUSH_SETTLE_MS = 15_000;
const FLUSH_WAIT_MAX_MS = 660_000;

/** Waits for rrdcached's first RRD file writes; returns the seconds waited. */
async function waitForFileWrites(ctx: Ctx, dataDir: string): Promise<number> {
  const started = performance.now();
  let loggedAt = started;
  while (performance.now() - started < FLUSH_WAIT_MAX_MS) {
    const written = (await rrdcachedStats(dataDir))?.UpdatesWritten ?? 0;
    if (written > 0) {
      await sleep(FLUSH_SETTLE_MS);
      break;
    }
    if (performance.now() - loggedAt > 60_000) {
      loggedAt = performance.now();
      ctx.log(`  waiting for rrdcached's first RRD file writes (${fmt((performance.now() - started) / 1000)} s)`);
    }
    await sleep(2_000);
  }
  return (performance.now() - started) / 1000;
}

async function runOne(ctx: Ctx, target: TargetKind, level: LevelSpec): Promise<RunResult> {
  const { opts } = ctx;
  const ids = ctx.identities.slice(0, level.agents);
  const result: RunResult = {
    target, level: level.id, ok: false, agents: level.agents, intervalS: level.intervalS, connected: 0, connectS: 0, warmupS: 0,
    warmupComplete: false, flushWaitS: 0, rrdFilesWrittenPerS: null, windowS: 0, offeredMsgPerS: level.offeredMsgPerS, sentMsgPerS: 0, ackedMsgPerS: 0, samplesPerS: 0,
    deferredStart: 0, deferredEnd: 0, ingestBacklogMax: null, latency: { sent: 0, delivered: 0, p50Ms: null, p99Ms: null, maxMs: null, meanMs: null },
    subscriberCutoffs: 0, cpu: { broker: null, rrdcached: null, loadgen: null },
    rssMb: { brokerPeak: null, brokerWindowFirstHalfMean: null, brokerWindowSecondHalfMean: null, rrdcachedPeak: null, loadgenPeak: null },
    load: { disconnects: 0, refused: 0, connectFailures: 0, protocolErrors: 0 }, brokerLogBytes: 0, verification: null, timeline: [],
    otherCpuPct: null, quietWaitS: 0, busyBeforePct: null, harnessLagMaxMs: 0,
  };
  const quiet = await waitForQuiet(opts.quietWaitS, opts.quietThresholdPct);
  result.quietWaitS = quiet.waitedS;
  result.busyBeforePct = quiet.busyPct;
  const tmp = ctx.cleanup.tempDir(`rw-b-${target.slice(0, 4)}-`);
  let broker: Managed | null = null;
  let api: ApiTarget | null = null;
  let rrdPid: number | null = null;
  let gen: LoadGenerator | null = null;
  let sse: SseSubscriber | null = null;
  let sub: MqttSubscriber | null = null;
  const rss = new RssSampler(() => ({ broker: broker?.pid ?? null, rrdcached: rrdPid, loadgen: process.pid }));
  const windowS = level.backlogRounds > 0 ? opts.probeWindowS : opts.windowS;
  try {
    // 1. the target, fresh
    let mqttPort: number;
    if (target === 'appliance') {
      const profDir = path.join(opts.benchDir, 'profiles');
      if (opts.cpuProf) mkdirSync(profDir, { recursive: true });
      const started = await startApplianceWithAgents({
        cleanup: ctx.cleanup, repoRoot: ctx.repoRoot, benchDir: opts.benchDir, dataDir: tmp.dir, ids, binary: ctx.applianceBinary, extraArgs: opts.applianceArgs,
        nodeArgs: [
          ...opts.nodeArgs,
          ...(opts.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-name', `appliance-${level.id}-${Date.now()}.cpuprofile`] : []),
        ],
      });
      const app = started.app;
      broker = app;
      api = app;
      mqttPort = app.mqttPort;
      rrdPid = started.rrdPid;
    } else if (target === 'aedes') {
      const b = await startBareAedes(ctx.cleanup, ctx.bareAedesScript);
      broker = b;
      mqttPort = b.port;
    } else {
      const b = await startMosquitto(ctx.cleanup, tmp.dir);
      broker = b;
      mqttPort = b.port;
    }
    rss.start();

    // 2. the subscriber that measures publish → delivery
    const lat = new LatencyTracker(ids.length);
    const index = new Map(ids.map((id, i) => [id.agentId, i] as const));
    const deliver = (agentId: string, t: number, at: number): void => {
      const i = index.get(agentId);
      if (i !== undefined) lat.onDelivered(i, t, at);
    };
    if (api !== null) {
      sse = new SseSubscriber({ httpPort: api.httpPort, apiToken: api.apiToken, onSample: deliver });
      await sse.start();
    } else {
      sub = new MqttSubscriber({ port: mqttPort, onDelivery: deliver });
      await sub.start();
    }

    // 3. warm-up: connect, then one full round (which creates the appliance's RRD files)
    gen = new LoadGenerator({
      host: '127.0.0.1', port: mqttPort, agents: ids, intervalS: level.intervalS, maxInflight: opts.maxInflight, keepaliveS: 15,
      connectConcurrency: opts.connectConcurrency, connectTimeoutMs: 30_000, announce: true, credentials: target === 'appliance',
      initialBacklogRounds: level.backlogRounds, hooks: { onMetricsSent: (i, t, at) => lat.onSent(i, t, at) },
    });
    const g = gen;
    const t0 = performance.now();
    const warmupDeadline = t0 + opts.warmupTimeoutS * 1000;
    // connecting counts against the warm-up time: an appliance that cannot take the agents in
    // time is measured with those it did take
    await g.connectAll(Date.now() + opts.warmupTimeoutS * 1000);
    result.connected = g.counters.connected;
    result.connectS = (performance.now() - t0) / 1000;
    if (result.connected === 0) throw new Error(`no agent could connect (refused ${g.counters.refused}, failed attempts ${g.counters.connectFailures})`);
    const t1 = performance.now();
    g.startSchedule(200);
    while (performance.now() < warmupDeadline && g.agentsAckedThrough(0) < result.connected) await sleep(100);
    // the queue that built up while files were being created drains before the window opens
    if (level.backlogRounds === 0) await drainWarmupBacklog(g, level.agents, warmupDeadline, (line) => ctx.log(line));
    result.warmupComplete = g.agentsAckedThrough(0) >= result.connected && performance.now() < warmupDeadline;
    result.warmupS = (performance.now() - t1) / 1000;
    if (target === 'appliance' && level.backlogRounds === 0 && opts.flushWait) result.flushWaitS = await waitForFileWrites(ctx, tmp.dir);

    // 4. the measured window
    const pids = (): Record<string, number | null> => ({ broker: broker?.pid ?? null, rrdcached: rrdPid, loadgen: process.pid });
    const mark = async (): Promise<WindowMark> => {
      const cpu = cpuSnapshot(pids());
      const machine = machineBusySeconds();
      const snap = g.snapshot();
      const at = performance.now();
      return { at, machine, gen: snap, cpu, health: api !== null ? await getHealth(api) : null };
    };
    const written0 = target === 'appliance' ? (await rrdcachedStats(tmp.dir))?.UpdatesWritten : undefined;
    const w0 = await mark();
    lat.openWindow();
    ctx.log(`  window open for ${windowS} s (${target} pid ${broker.pid ?? '?'})`);
    let prevSnap = w0.gen;
    // the window ends by the clock, not by a count of 1 s steps: when this process is starved
    // (flat out, it drives thousands of sockets), timers fire late and steps stretch
    const windowEnd = w0.at + windowS * 1000;
    for (let s = 1; performance.now() < windowEnd; s++) {
      await sleep(Math.max(0, Math.min(w0.at + s * 1000, windowEnd) - performance.now()));
      const snap = g.snapshot();
      result.harnessLagMaxMs = Math.max(result.harnessLagMaxMs, snap.atMs - prevSnap.atMs - 1000);
      let backlog: number | null = null;
      if (api !== null) {
        backlog = (await getHealth(api)).counters.ingestBacklog;
        result.ingestBacklogMax = Math.max(result.ingestBacklogMax ?? 0, backlog);
      }
      const point: TimelinePoint = {
        s,
        ackedPerS: ((snap.metricsAcked - prevSnap.metricsAcked) * 1000) / (snap.atMs - prevSnap.atMs),
        deferred: snap.deferred,
        backlog,
        brokerRssMb: (() => { const k = rss.peakKb('broker', performance.now() - 400); return k === null ? null : k / 1024; })(),
      };
      result.timeline.push(point);
      prevSnap = snap;
    }
    const w1 = await mark();
    lat.closeWindow();
    const written1 = target === 'appliance' ? (await rrdcachedStats(tmp.dir))?.UpdatesWritten : undefined;
    const dt = (w1.at - w0.at) / 1000;
    if (written0 !== undefined && written1 !== undefined) result.rrdFilesWrittenPerS = (written1 - written0) / dt;
    const acked = w1.gen.metricsAcked - w0.gen.metricsAcked;
    result.windowS = dt;
    result.sentMsgPerS = (w1.gen.metricsSent - w0.gen.metricsSent) / dt;
    result.ackedMsgPerS = acked / dt;
    result.samplesPerS = w0.health && w1.health
      ? (w1.health.counters.rrdUpdates - w0.health.counters.rrdUpdates) / dt
      : (acked * SAMPLES_PER_BATCH) / dt;
    result.deferredStart = w0.gen.deferred;
    result.deferredEnd = w1.gen.deferred;
    result.cpu = {
      broker: cpuUse(diff(w0.cpu.broker, w1.cpu.broker), acked, dt),
      rrdcached: cpuUse(diff(w0.cpu.rrdcached, w1.cpu.rrdcached), acked, dt),
      loadgen: cpuUse(diff(w0.cpu.loadgen, w1.cpu.loadgen), acked, dt),
    };
    const ours = [diff(w0.cpu.broker, w1.cpu.broker), diff(w0.cpu.rrdcached, w1.cpu.rrdcached), diff(w0.cpu.loadgen, w1.cpu.loadgen)]
      .reduce<number>((n, x) => n + (x ?? 0), 0);
    const machine = diff(w0.machine, w1.machine);
    result.otherCpuPct = machine === null ? null : Math.max(0, (100 * (machine - ours)) / dt);
    const mid = (w0.at + w1.at) / 2;
    result.rssMb.brokerWindowFirstHalfMean = mb(rss.meanKb('broker', w0.at, mid));
    result.rssMb.brokerWindowSecondHalfMean = mb(rss.meanKb('broker', mid, w1.at));

    // 5. settle: stop publishing, let in-flight publishes be acknowledged and delivered
    g.hold();
    await g.settle(30_000);
    let last = -1;
    for (let i = 0; i < 40 && lat.delivered !== last; i++) {
      last = lat.delivered;
      await sleep(250);
    }
    result.latency = lat.summary();
    result.subscriberCutoffs = sse?.cutoffs ?? 0;
    if (api !== null) result.verification = await verifyAppliance(ctx, api, g, level, ids);
    const end = g.snapshot();
    result.load = { disconnects: end.disconnects, refused: end.refused, connectFailures: end.connectFailures, protocolErrors: end.protocolErrors };
    result.ok = true;
  } catch (e) {
    result.error = e instanceof Error ? e.message : String(e);
    if (broker) result.error += `\n--- ${TARGET_LABEL[target]} output (tail) ---\n${broker.tail()}`;
  } finally {
    rss.sample();
    rss.stop();
    result.rssMb.brokerPeak = mb(rss.peakKb('broker'));
    result.rssMb.rrdcachedPeak = mb(rss.peakKb('rrdcached'));
    result.rssMb.loadgenPeak = mb(rss.peakKb('loadgen'));
    result.brokerLogBytes = broker?.stderrBytes() ?? 0;
    sse?.stop();
    sub?.stop();
    if (gen) await Promise.race([gen.stop(), sleep(5000)]);
    if (broker) await stopTarget(ctx, target, broker, rrdPid, tmp.dir);
    tmp.remove();
  }
  return result;
}

function mb(kb: number | null): number | null {
  return kb === null ? null : kb / 1024;
}

async function stopTarget(ctx: Ctx, target: TargetKind, broker: Managed, rrdPid: number | null, dataDir: string): Promise<void> {
  if (target !== 'appliance') {
    await terminate(broker, 5000);
    return;
  }
  await stopBenchAppliance(broker, rrdPid, dataDir, ctx.opts.cpuProf);
}

// ---- levels, probe, report ------------------------------------------------------------------

async function runLevel(ctx: Ctx, level: LevelSpec, all: RunResult[]): Promise<RunResult[]> {
  await ensureIdentities(ctx, level.agents);
  const runs: RunResult[] = [];
  for (const target of ctx.opts.targets) {
    ctx.log(`-- ${level.title} → ${TARGET_LABEL[target]} …`);
    const r = await runOne(ctx, target, level);
    runs.push(r);
    all.push(r);
    ctx.log(r.ok
      ? `   acked ${fmt(r.ackedMsgPerS)} msg/s, p99 ${fmt(r.latency.p99Ms, 1)} ms, CPU ${fmt(r.cpu.broker?.usPerMsg)} µs/msg, peak RSS ${fmt(r.rssMb.brokerPeak)} MB, queued ${fmt(r.deferredStart)} → ${fmt(r.deferredEnd)} (connect ${fmt(r.connectS, 1)} s, warm-up ${fmt(r.warmupS, 1)} s${r.rrdFilesWrittenPerS !== null ? `, rrdcached wrote ${fmt(r.rrdFilesWrittenPerS)} files/s` : ''}; other processes ${fmt(r.otherCpuPct)}% of a core)`
      : `   FAILED: ${r.error ?? ''}`);
  }
  return runs;
}

function scheduledLevel(agents: number, intervalS: number): LevelSpec {
  return { id: `agents-${agents}`, title: `${fmt(agents)} agents @ ${intervalS} s`, agents, intervalS, backlogRounds: 0, offeredMsgPerS: agents / intervalS };
}

/** Agents and interval for an offered rate: the longest interval (most realistic) that stays within maxAgents. */
function levelForRate(rate: number, maxIntervalS: number, maxAgents: number): { agents: number; intervalS: number; capped: boolean } {
  for (let i = maxIntervalS; i >= 1; i--) {
    const agents = Math.round(rate * i);
    if (agents <= maxAgents) return { agents, intervalS: i, capped: false };
  }
  return { agents: maxAgents, intervalS: 1, capped: true };
}

interface Verdict {
  target: string;
  met: boolean | null;
  detail: string;
}

function verdicts(levels: LevelSpec[], runs: RunResult[]): Verdict[] {
  const app = (id: string): RunResult | undefined => runs.find((r) => r.level === id && r.target === 'appliance' && r.ok);
  const out: Verdict[] = [];
  const ten = levels.find((l) => l.agents === 10_000 && l.intervalS === 5 && l.backlogRounds === 0);
  const r10 = ten ? app(ten.id) : undefined;
  if (!ten || !r10) {
    out.push({ target: '10,000 agents at 5 s', met: null, detail: 'level not run' });
  } else {
    const offered = ten.offeredMsgPerS ?? 0;
    const keptUp = r10.ackedMsgPerS >= 0.97 * offered && r10.deferredEnd - r10.deferredStart <= Math.max(10, ten.agents / 100);
    const v = r10.verification;
    const noLoss = v !== null && v.lostSamples === 0 && v.valuesMissing === 0 && v.valuesWrong === 0 && v.rrdUpdateErrors === 0 && v.badPayloads === 0;
    out.push({
      target: '10,000 agents at 5 s sustained with no loss', met: keptUp && noLoss,
      detail: `acked ${fmt(r10.ackedMsgPerS)} of ${fmt(offered)} msg/s offered; agents' queues ${fmt(r10.deferredStart)} → ${fmt(r10.deferredEnd)}; `
        + (v ? `lost ${fmt(v.lostSamples)}, read back ${fmt(v.valuesChecked)} values: ${fmt(v.valuesMissing)} missing, ${fmt(v.valuesWrong)} wrong` : 'not verified'),
    });
    const p99 = r10.latency.p99Ms;
    out.push({ target: 'p99 publish→SSE under 1 s at 10,000 agents', met: p99 !== null && p99 < 1000, detail: `p99 ${fmt(p99, 1)} ms (p50 ${fmt(r10.latency.p50Ms, 1)} ms, max ${fmt(r10.latency.maxMs)} ms)` });
    const peak = r10.rssMb.brokerPeak;
    // the customer's broker alone, same connections and load: the floor under this target
    const bare = runs.find((r) => r.level === ten.id && r.target === 'aedes' && r.ok)?.rssMb.brokerPeak;
    out.push({
      target: 'appliance RSS under 300 MB at 10,000 agents', met: peak !== null && peak < 300,
      detail: `peak ${fmt(peak)} MB (rrdcached ${fmt(r10.rssMb.rrdcachedPeak)} MB more)${bare !== undefined && bare !== null ? `; bare Aedes alone at the same load: ${fmt(bare)} MB` : ''}`,
    });
  }
  const twice = levels.find((l) => l.id === 'twice-sustainable');
  const r2 = twice ? app(twice.id) : undefined;
  if (!r2) {
    out.push({ target: 'appliance RSS bounded at twice the sustainable rate', met: null, detail: 'level not run' });
  } else {
    const a = r2.rssMb.brokerWindowFirstHalfMean;
    const b = r2.rssMb.brokerWindowSecondHalfMean;
    const bounded = a !== null && b !== null && b <= a * 1.1 + 5;
    out.push({
      target: 'appliance RSS bounded at twice the sustainable rate', met: bounded,
      detail: `peak ${fmt(r2.rssMb.brokerPeak)} MB; window mean ${fmt(a)} → ${fmt(b)} MB (1st → 2nd half); the excess waits in the agents: queues ${fmt(r2.deferredStart)} → ${fmt(r2.deferredEnd)}`,
    });
  }
  return out;
}

function environment(): Record<string, unknown> {
  const firstLine = (cmd: string, args: string[]): string => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0]?.trim() ?? '';
    } catch (e) {
      // `mosquitto -h` exits non-zero after printing its version
      const out = (e as { stdout?: string }).stdout ?? '';
      return out.split('\n')[0]?.trim() ?? '';
    }
  };
  return {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    openFileLimit: openFileLimit(),
    mosquitto: firstLine('/usr/sbin/mosquitto', ['-h']),
    rrdcached: firstLine('rrdtool', ['--version']),
  };
}

async function main(): Promise<number> {
  const repoRoot = process.env.RW_REPO_ROOT ?? process.cwd();
  const opts = parseOptions(process.argv.slice(2), repoRoot);
  if (!opts) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  const cleanup = new Cleanup();
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    process.stdout.write(`\n${sig}: stopping children and removing temporary directories…\n`);
    for (const p of cleanup.runAll()) process.stderr.write(`cleanup: ${p}\n`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => { cleanup.runAll(); });

  const startedAt = new Date();
  const appliance = snapshotAppliance(opts, repoRoot);
  const ctx: Ctx = {
    opts, repoRoot, cleanup, identities: [], applianceBinary: appliance.file,
    bareAedesScript: path.join(path.dirname(fileURLToPath(import.meta.url)), 'bare-aedes.js'),
    log: (line) => process.stdout.write(`[${((performance.now()) / 1000).toFixed(0).padStart(4)} s] ${line}\n`),
  };
  const env = environment();
  ctx.log(`rackwatch ingest benchmark${opts.quick ? ' (quick)' : ''}: node ${process.version}, ${String(env.cpus)} cores, ${String(env.memoryGb)} GB; ${String(env.mosquitto)}; ${String(env.rrdcached)}`);
  ctx.log(`appliance under test: ${appliance.source} built ${appliance.builtAt}, sha256 ${appliance.sha256.slice(0, 12)}`
    + (appliance.gitHead ? `; tree at ${appliance.gitHead} with ${appliance.gitChangedFiles} changed files` : ''));
  ctx.log(`levels ${opts.levels.map((n) => fmt(n)).join(' / ')} agents @ ${opts.intervalS} s, window ${opts.windowS} s, probe window ${opts.probeWindowS} s, max in flight ${opts.maxInflight}/agent; targets ${opts.targets.join(', ')}`);
  const biggest = Math.max(...opts.levels, opts.probeAgents, opts.twice ? opts.maxAgents : 0);
  const note = fdLimitNote(biggest);
  if (note) ctx.log(`NOTE: ${note}; levels above the limit are skipped`);
  const fdLimit = openFileLimit() ?? Number.POSITIVE_INFINITY;
  const fits = (agents: number): boolean => agents + 256 <= fdLimit;
  const maxAgents = Math.min(opts.maxAgents, Number.isFinite(fdLimit) ? fdLimit - 256 : opts.maxAgents);

  const levels: LevelSpec[] = [];
  const runs: RunResult[] = [];
  for (const n of opts.levels) {
    if (!fits(n)) continue;
    const level = scheduledLevel(n, opts.intervalS);
    levels.push(level);
    await runLevel(ctx, level, runs);
  }

  // the rate the appliance can sustain: its acknowledged throughput when every agent has more
  // to send than it can take (flat out), cross-checked with the scheduled levels that kept up
  let sustainable = opts.sustainable;
  let sustainableHow = 'given with --sustainable';
  if (sustainable === null && fits(opts.probeAgents)) {
    const probe: LevelSpec = {
      id: 'flat-out', title: 'flat-out probe', agents: opts.probeAgents, intervalS: opts.intervalS,
      backlogRounds: opts.probeBacklogRounds, offeredMsgPerS: null,
    };
    levels.push(probe);
    const probeRuns = await runLevel(ctx, probe, runs);
    const appProbe = probeRuns.find((r) => r.target === 'appliance' && r.ok);
    if (appProbe) {
      sustainable = appProbe.ackedMsgPerS;
      sustainableHow = `acknowledged throughput of the appliance in the flat-out probe (${fmt(opts.probeAgents)} agents with ${opts.probeBacklogRounds} queued batches each)`;
    }
  }
  const keptUp = runs
    .filter((r) => r.target === 'appliance' && r.ok && r.offeredMsgPerS !== null && r.ackedMsgPerS >= 0.97 * r.offeredMsgPerS && r.deferredEnd - r.deferredStart <= Math.max(10, r.agents / 100))
    .reduce((m, r) => Math.max(m, r.offeredMsgPerS ?? 0), 0);
  if (sustainable !== null) ctx.log(`sustainable rate: ${fmt(sustainable)} msg/s (${sustainableHow}); highest scheduled level that kept up: ${fmt(keptUp)} msg/s`);

  let twiceNote = '';
  if (opts.twice && sustainable !== null && sustainable > 0) {
    const shape = levelForRate(2 * sustainable, opts.intervalS, maxAgents);
    if (shape.capped) twiceNote = `capped at ${fmt(shape.agents)} agents @ 1 s (--max-agents / fd limit): offers ${fmt(shape.agents)} msg/s instead of ${fmt(2 * sustainable)}`;
    const twice: LevelSpec = {
      id: 'twice-sustainable', title: `twice the sustainable rate (2 × ${fmt(sustainable)} msg/s)`, agents: shape.agents, intervalS: shape.intervalS,
      backlogRounds: 0, offeredMsgPerS: shape.agents / shape.intervalS,
    };
    levels.push(twice);
    await runLevel(ctx, twice, runs);
  }

  // ---- report
  process.stdout.write('\n');
  for (const level of levels) process.stdout.write(levelTable(level, runs.filter((r) => r.level === level.id)) + '\n\n');
  if (sustainable !== null) process.stdout.write(`Sustainable rate: ${fmt(sustainable)} msg/s = ${fmt(sustainable * SAMPLES_PER_BATCH)} samples/s (${sustainableHow}); highest scheduled level that kept up: ${fmt(keptUp)} msg/s.\n`);
  if (twiceNote) process.stdout.write(`Twice-sustainable level ${twiceNote}.\n`);
  const v = verdicts(levels, runs);
  process.stdout.write('Targets:\n');
  for (const x of v) process.stdout.write(`  [${x.met === null ? 'n/a' : x.met ? 'MET' : 'MISSED'}] ${x.target}: ${x.detail}\n`);
  process.stdout.write(`Harness: load generator, SSE/MQTT subscriber and this script share one Node process and the machine's ${String(env.cpus)} cores with the broker under test.\n`);

  mkdirSync(opts.resultsDir, { recursive: true });
  const file = path.join(opts.resultsDir, `ingest-${startedAt.toISOString().replace(/[:]/g, '-').replace(/\..*$/, '')}.json`);
  writeFileSync(file, JSON.stringify({
    startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), options: opts, environment: env, appliance,
    sustainable: { msgPerS: sustainable, how: sustainableHow, highestScheduledKeptUp: keptUp }, levels, runs, targets: v,
  }, null, 2) + '\n');
  process.stdout.write(`Results: ${path.relative(process.cwd(), file) || file}\n`);
  const failed = runs.filter((r) => !r.ok).length;
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`ingest benchmark: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
