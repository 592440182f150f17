// Load generator: N simulated agents in one process, each publishing like the real agent
// (agent/session.ts, agent/scheduler.ts): it connects as its enrolled identity with a Last Will,
// announces `online` and its inventory (retained, QoS 1), then publishes one QoS 1 metrics batch
// of a nominal server (cpu, load, memory, 3 filesystems, 2 interfaces; ≈ the size of a real
// batch) per interval. Timestamps are the interval's slot (a multiple of the interval, as the
// real scheduler stamps them), so they increase strictly per agent and fall on RRD step
// boundaries, which makes every stored value checkable (`sampleValue`). The agents' send times
// are spread uniformly across the interval.
//
// Each agent keeps at most `maxInflight` unacknowledged publishes (the real agent: one, see
// agent/session.ts; the benchmark's default too). A sample it cannot send yet
// waits in its queue (a range of rounds, like the real agent's disk queue, so it costs no memory)
// and is sent oldest first as acknowledgements come back; `deferred` counts them.
//
// MQTT is spoken with `mqtt-packet` over plain sockets: mqtt.js keeps timers, stores and
// reconnect state per client, which is too heavy for 10,000 clients in one process.
//
// Module (used by scripts/bench/ingest.ts) and CLI:
//   node scripts/bench/run.mjs scripts/loadgen.ts --http http://127.0.0.1:8080 --token T --agents 1000
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';
import type { EnrollResponse } from '../contract/api.js';
import type { Inventory } from '../contract/inventory.js';
import { FAMILIES, type Family, type MetricsBatch, type Sample } from '../contract/metrics.js';
import { NOMINAL_SERVER } from '../appliance/store/rrd-layout.js';
import { valuesToSend } from '../contract/value-precision.js';
import { agentTopic, STATUS_OFFLINE, STATUS_ONLINE } from '../contract/topics.js';

// ---- identities -------------------------------------------------------------------------------

export interface AgentIdentity {
  agentId: string;
  secret: string;
  hostname: string;
}

export interface EnrollOptions {
  /** the appliance's HTTP address, e.g. http://127.0.0.1:8080 */
  httpUrl: string;
  token: string;
  count: number;
  /** enrollment requests in flight at once (each costs the appliance one scrypt hash) */
  concurrency: number;
  /** JSON file that keeps identities across runs; only valid for the appliance data they were enrolled in */
  cacheFile: string;
  /** called every few hundred enrollments */
  progress?: (done: number, total: number) => void;
}

interface IdentityCache {
  version: 1;
  identities: AgentIdentity[];
}

const ENROLL_TIMEOUT_MS = 30_000;
/** bounded retries of one enrollment (a refused connection under load, a 5xx) */
const ENROLL_ATTEMPTS = 3;

export async function readIdentityCache(cacheFile: string): Promise<AgentIdentity[]> {
  let text: string;
  try {
    text = await readFile(cacheFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const parsed = JSON.parse(text) as Partial<IdentityCache>;
  if (parsed.version !== 1 || !Array.isArray(parsed.identities)) throw new Error(`${cacheFile}: not an identity cache (delete it to enroll anew)`);
  return parsed.identities;
}

async function writeIdentityCache(cacheFile: string, identities: readonly AgentIdentity[]): Promise<void> {
  await mkdir(path.dirname(cacheFile), { recursive: true });
  const tmp = `${cacheFile}.tmp`;
  const body: IdentityCache = { version: 1, identities: [...identities] };
  await writeFile(tmp, JSON.stringify(body), { mode: 0o600 });
  // rename: a run interrupted mid-write never leaves a half-written cache behind
  await rename(tmp, cacheFile);
}

/**
 * Returns `count` identities: those in the cache first, the missing ones enrolled through
 * POST /api/v1/enroll with at most `concurrency` requests at once. The cache is rewritten every
 * few hundred enrollments, so an interrupted run keeps what it enrolled.
 */
export async function enrollAgents(opts: EnrollOptions): Promise<AgentIdentity[]> {
  const identities = await readIdentityCache(opts.cacheFile);
  if (identities.length >= opts.count) return identities.slice(0, opts.count);
  const first = identities.length;
  let next = first;
  let sinceSave = 0;
  const enrollOne = async (n: number): Promise<AgentIdentity> => {
    const hostname = `bench-${String(n).padStart(6, '0')}`;
    let lastError: unknown;
    for (let attempt = 1; attempt <= ENROLL_ATTEMPTS; attempt++) {
      try {
        const res = await fetch(new URL('/api/v1/enroll', opts.httpUrl), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: opts.token, hostname }),
          signal: AbortSignal.timeout(ENROLL_TIMEOUT_MS),
        });
        const body = await res.text();
        // 4xx (wrong token, storage full) will not get better by retrying
        if (res.status >= 400 && res.status < 500) throw Object.assign(new Error(`enroll ${hostname}: HTTP ${res.status} ${body}`), { final: true });
        if (res.status !== 201) throw new Error(`enroll ${hostname}: HTTP ${res.status} ${body}`);
        const r = JSON.parse(body) as EnrollResponse;
        return { agentId: r.agentId, secret: r.secret, hostname };
      } catch (e) {
        lastError = e;
        if ((e as { final?: boolean }).final) break;
        await sleep(200 * attempt);
      }
    }
    throw lastError;
  };
  const worker = async (): Promise<void> => {
    while (next < opts.count) {
      const n = next++;
      identities[n] = await enrollOne(n);
      if (++sinceSave >= 500) {
        sinceSave = 0;
        // only a contiguous prefix is saved: a hole would be an identity that does not exist
        const prefix: AgentIdentity[] = [];
        for (const id of identities) {
          if (!id) break;
          prefix.push(id);
        }
        await writeIdentityCache(opts.cacheFile, prefix);
        opts.progress?.(prefix.length, opts.count);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, () => worker()));
  } finally {
    const prefix: AgentIdentity[] = [];
    for (const id of identities) {
      if (!id) break;
      prefix.push(id);
    }
    if (prefix.length > first) await writeIdentityCache(opts.cacheFile, prefix);
  }
  return identities.slice(0, opts.count);
}

// ---- what a simulated agent publishes -----------------------------------------------------------

export interface SeriesDef {
  family: Family;
  key?: string;
}

/** Keys a simulated host reports for each keyed family: the first N are used. */
const SIM_KEYS: Readonly<Record<string, readonly string[]>> = {
  cpucore: ['cpu0', 'cpu1', 'cpu2', 'cpu3', 'cpu4', 'cpu5', 'cpu6', 'cpu7'],
  fs: ['/', '/var', '/home', '/srv', '/opt', '/tmp'],
  net: ['eth0', 'eth1', 'eth2', 'eth3'],
  disk: ['sda', 'sdb', 'sdc', 'sdd'],
};

/**
 * The series of one simulated host: the nominal server the appliance plans its capacity for
 * (appliance/store/rrd-layout.ts NOMINAL_SERVER: cpu, per-core cpu, load, memory, TCP states,
 * 3 filesystems, 2 interfaces, a disk), so a simulated batch has the shape and size of a real
 * agent's and follows the contract when it changes.
 */
export const SIM_SERIES: readonly SeriesDef[] = (Object.entries(NOMINAL_SERVER) as [Family, number][]).flatMap(([family, count]) => {
  if (!FAMILIES[family].keyed) return [{ family }];
  const keys = SIM_KEYS[family] ?? Array.from({ length: count }, (_, i) => `${family}${i}`);
  return keys.slice(0, count).map((key) => ({ family, key }));
});
export const SAMPLES_PER_BATCH = SIM_SERIES.length;
const CORES = SIM_SERIES.filter((s) => s.family === 'cpucore').length || 1;

/** A 32-bit integer hash (murmur3's finaliser over a running mix): cheap, deterministic, well spread. */
function hash32(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ b ^ (h >>> 13), 0xc2b2ae35);
  h = Math.imul(h ^ c ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ d ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const GIB = 2 ** 30;
const PAGE = 4096;

/** 16, 32 or 64 GiB, by host size class */
function memoryBytes(size: number): number {
  return 16 * 2 ** size * GIB;
}

/**
 * Hosts come in a few sizes (memory, filesystem sizes) and their changing values cycle through
 * a fixed number of variants, chosen per agent and round: payloads can then be serialised once
 * per (size, variant) and stamped with t, which keeps the load generator's own CPU per message
 * small (serialising 80 doubles costs ~20 µs; the generator shares 2 cores with the broker it
 * measures) while every agent still sends different values every round.
 */
const HOST_CLASSES = 3;
const VARIANTS = 256;

function hostClass(agentIndex: number): number {
  return agentIndex % HOST_CLASSES;
}

function variantOf(agentIndex: number, t: number, intervalS: number): number {
  return (agentIndex * 7919 + Math.floor(t / intervalS)) % VARIANTS;
}

/** A series' values as the real agent sends them (at its precision, contract/value-precision.ts). */
export function seriesValues(agentIndex: number, seriesIndex: number, t: number, intervalS: number): Record<string, number | null> {
  return sentValues(hostClass(agentIndex), variantOf(agentIndex, t, intervalS), seriesIndex);
}

function sentValues(size: number, variant: number, seriesIndex: number): Record<string, number | null> {
  return valuesToSend(variantValues(size, variant, seriesIndex));
}

/**
 * The values a simulated agent measures for one series at time t: deterministic (so the
 * benchmark can check what rrdcached stored), consistent with each other (used + available =
 * total, idle = 100 − the rest) and those of a healthy fleet, below the default alert rules'
 * levels (appliance/alerts/rule-types.ts), because a benchmark of ingest must not turn into a
 * benchmark of an alert storm. Percentages and rates come with full double precision, as a
 * real agent's collectors measure them (sentValues rounds them as the agent does); byte counts
 * are whole pages.
 */
function variantValues(size: number, variant: number, seriesIndex: number): Record<string, number> {
  const def = SIM_SERIES[seriesIndex];
  if (!def) throw new RangeError(`no simulated series ${seriesIndex}`);
  /** uniform in [0, 1) for the n-th number of this series in this variant */
  const u = (n: number): number => hash32(variant, seriesIndex, n, 1) / 4294967296;
  /** a constant of the host's size class (filesystem sizes) */
  const fixed = (n: number): number => hash32(size, seriesIndex, n, 2) / 4294967296;
  const pages = (bytes: number): number => Math.floor(bytes / PAGE) * PAGE;
  switch (def.family) {
    case 'cpu':
    case 'cpucore': {
      const user = 2 + 30 * u(0);
      const system = 1 + 8 * u(1);
      const iowait = 3 * u(2);
      const steal = 0.5 * u(3);
      return { user, system, iowait, steal, idle: 100 - user - system - iowait - steal };
    }
    case 'load': {
      const load1 = Math.round((0.05 + 1.2 * u(0)) * 100) / 100;
      return { load1, load5: Math.round((0.05 + 1.1 * u(1)) * 100) / 100, load15: Math.round((0.05 + 1.0 * u(2)) * 100) / 100 };
    }
    case 'memory': {
      const total = memoryBytes(size);
      const used = pages(total * (0.2 + 0.5 * u(0)));
      const swapTotal = 8 * GIB;
      return {
        total, used, available: total - used, cached: pages((total - used) * 0.6 * u(1)),
        swap_total: swapTotal, swap_used: pages(swapTotal * 0.05 * u(2)),
      };
    }
    case 'fs': {
      const size = pages((50 + 950 * fixed(0)) * GIB);
      const used = pages(size * (0.2 + 0.5 * u(0)));
      const inodes = 6_553_600;
      return { size, used, avail: size - used, inodes, inodes_used: Math.floor(inodes * (0.05 + 0.3 * u(1))) };
    }
    case 'net': {
      const rxPackets = 20_000 * u(2);
      const txPackets = 15_000 * u(3);
      return {
        rx_bytes: rxPackets * (200 + 1200 * u(0)), tx_bytes: txPackets * (200 + 1200 * u(1)), rx_packets: rxPackets, tx_packets: txPackets,
        rx_errs: 0, tx_errs: 0, rx_drop: u(4) < 0.05 ? 0.2 * u(5) : 0, tx_drop: 0, colls: 0, up: 1,
      };
    }
    case 'disk': {
      const reads = 300 * u(0);
      const writes = 500 * u(1);
      return { reads, writes, read_bytes: reads * 4096 * (1 + 15 * u(2)), write_bytes: writes * 4096 * (1 + 15 * u(3)), busy: 25 * u(4) };
    }
    case 'tcp':
      return {
        established: Math.floor(10 + 490 * u(0)), syn_sent: Math.floor(3 * u(1)), syn_recv: Math.floor(2 * u(2)),
        fin_wait1: Math.floor(3 * u(3)), fin_wait2: Math.floor(5 * u(4)), time_wait: Math.floor(200 * u(5)), close: 0,
        close_wait: Math.floor(4 * u(6)), last_ack: Math.floor(2 * u(7)), listen: Math.floor(8 + 20 * u(8)), closing: 0,
      };
    case 'smart':
      // a healthy drive: passed, no bad sectors, a fifth of its endurance used, warm
      return { healthy: 1, reallocated: 0, pending: 0, media_errors: 0, pct_used: 20, critical_warn: 0, temperature: 30 + Math.floor(15 * u(0)), failing: 0 };
    case 'check':
    case 'weblog':
      // written by the appliance from check results and web log aggregates: no simulated agent sends them as metrics
      throw new RangeError(`family ${def.family} is not simulated`);
  }
}

/** The value of one field (by its index in the contract's field order); what verification compares. */
export function sampleValue(agentIndex: number, seriesIndex: number, fieldIndex: number, t: number, intervalS: number): number | null {
  const field = fieldNames(seriesIndex)[fieldIndex];
  if (field === undefined) throw new RangeError(`series ${seriesIndex} has no field ${fieldIndex}`);
  return seriesValues(agentIndex, seriesIndex, t, intervalS)[field] ?? null;
}

const FIELDS_OF: readonly (readonly string[])[] = SIM_SERIES.map((s) => Object.keys(FAMILIES[s.family].fields));

export function fieldNames(seriesIndex: number): readonly string[] {
  return FIELDS_OF[seriesIndex] ?? [];
}

function fieldValues(size: number, variant: number, seriesIndex: number): Record<string, number | null> {
  const all = sentValues(size, variant, seriesIndex);
  const v: Record<string, number | null> = {};
  // exactly the contract's fields, in its order: a field added to the contract is sent as unknown
  for (const field of FIELDS_OF[seriesIndex] ?? []) v[field] = all[field] ?? null;
  return v;
}

/** One agent's batch at t, as an object (PayloadCache produces the same JSON, faster). */
export function metricsBatch(agentIndex: number, t: number, intervalS: number): MetricsBatch {
  const size = hostClass(agentIndex);
  const variant = variantOf(agentIndex, t, intervalS);
  const s: Sample[] = SIM_SERIES.map((def, si) => {
    const v = fieldValues(size, variant, si);
    return def.key === undefined ? { t, f: def.family, v } : { t, f: def.family, k: def.key, v };
  });
  return { v: 1, i: intervalS, s };
}

/**
 * Metrics payloads as bytes: each (size, variant) is serialised once into the text around its
 * timestamps, and a payload is those pieces joined with t. The JSON is byte for byte what
 * JSON.stringify(metricsBatch(…)) gives.
 */
export class PayloadCache {
  private readonly pieces = new Map<number, string[]>();

  constructor(private readonly intervalS: number) {}

  payload(agentIndex: number, t: number): Buffer {
    const size = hostClass(agentIndex);
    const variant = variantOf(agentIndex, t, this.intervalS);
    const key = size * VARIANTS + variant;
    let parts = this.pieces.get(key);
    if (!parts) {
      parts = this.build(size, variant);
      this.pieces.set(key, parts);
    }
    return Buffer.from(parts.join(String(t)));
  }

  private build(size: number, variant: number): string[] {
    const parts: string[] = [];
    let text = `{"v":1,"i":${this.intervalS},"s":[`;
    SIM_SERIES.forEach((def, si) => {
      parts.push(`${text}${si > 0 ? ',' : ''}{"t":`);
      text = `,"f":${JSON.stringify(def.family)}${def.key !== undefined ? `,"k":${JSON.stringify(def.key)}` : ''},"v":${JSON.stringify(fieldValues(size, variant, si))}}`;
    });
    parts.push(`${text}]}`);
    return parts;
  }
}

export function inventoryOf(agentIndex: number, hostname: string, intervalS: number): Inventory {
  return {
    v: 1,
    hostname,
    os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', kernel: '6.1.0-28-amd64', arch: 'x64' },
    cpu: { model: 'Intel(R) Xeon(R) E-2224G CPU @ 3.50GHz', cores: CORES },
    memoryBytes: memoryBytes(hostClass(agentIndex)),
    interfaces: ['eth0', 'eth1'].map((name, i) => ({
      name,
      mac: `52:54:00:${(agentIndex >> 8 & 0xff).toString(16).padStart(2, '0')}:${(agentIndex & 0xff).toString(16).padStart(2, '0')}:0${i}`,
      addresses: [`10.${i}.${agentIndex >> 8 & 0xff}.${agentIndex & 0xff}`],
    })),
    filesystems: [
      { mount: '/', device: '/dev/sda2', type: 'ext4', sizeBytes: 107_374_182_400 },
      { mount: '/var', device: '/dev/sda3', type: 'ext4', sizeBytes: 214_748_364_800 },
      { mount: '/home', device: '/dev/sdb1', type: 'xfs', sizeBytes: 1_099_511_627_776 },
    ],
    agentVersion: '0.1.0',
    interval: intervalS,
  };
}

// ---- the generator ------------------------------------------------------------------------------

export interface LoadHooks {
  /** a metrics batch stamped `t` was written to agent `agentIndex`'s socket at `atMs` (performance.now()) */
  onMetricsSent?(agentIndex: number, t: number, atMs: number): void;
  /** a metrics batch of agent `agentIndex` was acknowledged (PUBACK) at `atMs` (performance.now()); an agent's acknowledgements come in the order it sent */
  onMetricsAcked?(agentIndex: number, atMs: number): void;
}

export interface LoadOptions {
  host: string;
  port: number;
  agents: readonly AgentIdentity[];
  intervalS: number;
  /** unacknowledged QoS 1 publishes per agent (the real agent: 1); the rest wait in the agent's queue */
  maxInflight: number;
  /** MQTT keepalive (s): PINGREQ after this long without sending anything */
  keepaliveS: number;
  /** connection attempts in flight at once */
  connectConcurrency: number;
  connectTimeoutMs: number;
  /** announce `online` + inventory (retained, QoS 1) after each connect, as the real agent does */
  announce: boolean;
  /** send credentials (the appliance needs them; an anonymous baseline broker ignores them) */
  credentials: boolean;
  /**
   * rounds every agent already has queued at start (stamped in the past), as after an outage:
   * with enough of them the agents publish flat out and the broker's throughput is the limit
   */
  initialBacklogRounds: number;
  /**
   * reconnect for as long as it runs, the backoff starting over after each successful connect
   * (the real agent; the soak restarts the appliance many times); default: at most 5 attempts
   */
  persistent?: boolean;
  hooks?: LoadHooks;
}

export interface LoadCounters {
  connected: number;
  connectFailures: number;
  /** CONNACK with a non-zero return code (4/5: the identity is not known to this appliance) */
  refused: number;
  disconnects: number;
  reconnects: number;
  metricsSent: number;
  metricsAcked: number;
  announcementsSent: number;
  announcementsAcked: number;
  pingsSent: number;
  pingResponses: number;
  bytesSent: number;
  protocolErrors: number;
}

export interface LoadSnapshot extends LoadCounters {
  atMs: number;
  /** samples waiting in agents' queues (rounds sampled but not yet sent) */
  deferred: number;
  inflight: number;
  rounds: number;
}

interface InflightPublish {
  messageId: number;
  /** metrics round, or -1 for an announcement */
  round: number;
}

class SimAgent {
  socket: net.Socket | null = null;
  connected = false;
  dead = false;
  nextMessageId = 1;
  readonly inflight: InflightPublish[] = [];
  /** newest round sampled (queued) */
  sampledRound = -1;
  /** newest round written to the socket */
  sentRound = -1;
  /** newest round acknowledged (acknowledgements come in order: the broker handles one client's packets in turn) */
  ackedRound = -1;
  /** first round ever sent: its RRD row is partly before the file's start, so checks skip it */
  firstRound = -1;
  lastSendMs = 0;
  connectAttempts = 0;
  constructor(
    readonly index: number,
    readonly identity: AgentIdentity,
    readonly metricsTopic: string,
    /** ms after each slot at which this agent samples and publishes */
    readonly phaseMs: number,
  ) {}
}

/** bounds on the generator's own loops */
const TICK_MS = 5;
const KEEPALIVE_SWEEP_MS = 1000;
const MAX_RECONNECTS_PER_AGENT = 5;
const RECONNECT_DELAY_MS = 1000;
/** MQTT 3.1.1 CONNACK return codes that mean the credentials were refused (§3.2.2.3) */
const CREDENTIALS_REFUSED = new Set([4, 5]);

export class LoadGenerator {
  readonly counters: LoadCounters = {
    connected: 0, connectFailures: 0, refused: 0, disconnects: 0, reconnects: 0, metricsSent: 0, metricsAcked: 0,
    announcementsSent: 0, announcementsAcked: 0, pingsSent: 0, pingResponses: 0, bytesSent: 0, protocolErrors: 0,
  };
  private readonly agents: SimAgent[];
  private readonly pingPacket = generate({ cmd: 'pingreq' });
  private readonly payloads: PayloadCache;
  private stopping = false;
  /** no new publishes (samples keep queueing): used to let in-flight acknowledgements settle */
  private holding = false;
  private samplingStopped = false;
  private tickTimer: NodeJS.Timeout | null = null;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private readonly reconnectTimers = new Set<NodeJS.Timeout>();
  private baseS = 0;
  private round = 0;
  private cursor = 0;
  private roundsStarted = 0;
  private deferredPeakValue = 0;

  constructor(private readonly opts: LoadOptions) {
    const n = opts.agents.length;
    const intervalMs = opts.intervalS * 1000;
    this.payloads = new PayloadCache(opts.intervalS);
    this.agents = opts.agents.map((id, i) => new SimAgent(i, id, agentTopic(id.agentId, 'metrics'), Math.floor(((i + 0.5) * intervalMs) / n)));
  }

  get agentCount(): number {
    return this.agents.length;
  }

  /** Index of an agent id (for matching deliveries), undefined when it is not one of ours. */
  indexMap(): Map<string, number> {
    return new Map(this.agents.map((a) => [a.identity.agentId, a.index]));
  }

  /** Timestamp (unix s) of a round. */
  roundTime(round: number): number {
    return this.baseS + round * this.opts.intervalS;
  }

  /**
   * Opens every connection, `connectConcurrency` at a time; resolves when all have succeeded or
   * given up, or once `deadlineMs` (Date.now()) has passed: no attempt starts after it, and the
   * agents not connected by then stay offline.
   */
  async connectAll(deadlineMs = Number.POSITIVE_INFINITY): Promise<void> {
    // pings start with the first connection: connecting thousands of agents can take longer
    // than the broker's keepalive grace (1.5 × keepalive), and an agent that says nothing for
    // that long is disconnected
    this.keepaliveTimer ??= setInterval(this.sweepKeepalive, KEEPALIVE_SWEEP_MS);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < this.agents.length && !this.stopping && Date.now() < deadlineMs) {
        const agent = this.agents[next++];
        if (agent) await this.connectWithRetries(agent, deadlineMs);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.opts.connectConcurrency) }, () => worker()));
  }

  /** Starts the sampling schedule; the first slot is at least `leadMs` away. */
  startSchedule(leadMs = 500): void {
    const intervalMs = this.opts.intervalS * 1000;
    const k = this.opts.initialBacklogRounds;
    const firstSlotS = (Math.ceil((Date.now() + leadMs) / intervalMs) * intervalMs) / 1000;
    // rounds 0…k-1 are the backlog, stamped in the past; round k is the first live slot
    this.baseS = firstSlotS - k * this.opts.intervalS;
    this.round = k;
    this.cursor = 0;
    for (const a of this.agents) {
      a.sampledRound = k - 1;
      this.trySend(a);
    }
    this.tickTimer = setTimeout(this.tick, TICK_MS);
    this.keepaliveTimer ??= setInterval(this.sweepKeepalive, KEEPALIVE_SWEEP_MS);
  }

  /** Stops sampling new rounds; what agents have queued is still sent (to drain their queues). */
  stopSampling(): void {
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = null;
    this.samplingStopped = true;
  }

  /** Stops sampling new rounds and sending; in-flight publishes still get their acknowledgements. */
  hold(): void {
    this.holding = true;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    this.tickTimer = null;
  }

  /** Resolves true once no publish awaits an acknowledgement, false after timeoutMs. */
  async settle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.inflightCount() === 0) return true;
      await sleep(50);
    }
    return this.inflightCount() === 0;
  }

  /** Closes every connection (DISCONNECT first, so the brokers see a clean end). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.hold();
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
    for (const t of this.reconnectTimers) clearTimeout(t);
    this.reconnectTimers.clear();
    const disconnect = generate({ cmd: 'disconnect' });
    const closing: Promise<void>[] = [];
    for (const a of this.agents) {
      const s = a.socket;
      if (!s || s.destroyed) continue;
      closing.push(new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.end(disconnect);
        // a broker that does not close its side within a second is not waited for
        setTimeout(() => s.destroy(), 1000).unref();
      }));
    }
    await Promise.all(closing);
  }

  snapshot(): LoadSnapshot {
    let deferred = 0;
    let inflight = 0;
    for (const a of this.agents) {
      deferred += a.sampledRound - a.sentRound;
      inflight += a.inflight.length;
    }
    if (deferred > this.deferredPeakValue) this.deferredPeakValue = deferred;
    return { ...this.counters, atMs: performance.now(), deferred, inflight, rounds: this.roundsStarted };
  }

  get deferredPeak(): number {
    return this.deferredPeakValue;
  }

  /** Agents whose first `round` has been acknowledged (warm-up ends when all have). */
  agentsAckedThrough(round: number): number {
    let n = 0;
    for (const a of this.agents) if (a.ackedRound >= round) n++;
    return n;
  }

  /** Per agent: the acknowledged rounds whose stored values are fully defined (for verification). */
  ackedRange(agentIndex: number): { from: number; to: number } | null {
    const a = this.agents[agentIndex];
    if (!a || a.firstRound < 0 || a.ackedRound <= a.firstRound) return null;
    return { from: a.firstRound + 1, to: a.ackedRound };
  }

  /** Closes the connections of these agents without a DISCONNECT, as a restarted agent's end looks; they reconnect and resend what was not acknowledged. */
  dropConnections(agentIndexes: Iterable<number>): number {
    let n = 0;
    for (const i of agentIndexes) {
      const s = this.agents[i]?.socket;
      if (s && !s.destroyed) {
        s.destroy();
        n++;
      }
    }
    return n;
  }

  liveAgents(): number {
    let n = 0;
    for (const a of this.agents) if (a.connected) n++;
    return n;
  }

  private inflightCount(): number {
    let n = 0;
    for (const a of this.agents) n += a.inflight.length;
    return n;
  }

  private readonly tick = (): void => {
    this.tickTimer = null;
    if (this.holding || this.samplingStopped) return;
    const now = Date.now();
    const n = this.agents.length;
    // at most one full round per tick, so a stalled process catches up in bounded steps
    for (let budget = n; budget > 0; budget--) {
      const a = this.agents[this.cursor];
      if (!a) break;
      const due = this.roundTime(this.round) * 1000 + a.phaseMs;
      if (due > now) break;
      if (this.round > a.sampledRound) a.sampledRound = this.round;
      this.trySend(a);
      if (++this.cursor === n) {
        this.cursor = 0;
        this.round++;
        this.roundsStarted++;
      }
    }
    this.tickTimer = setTimeout(this.tick, TICK_MS);
  };

  private readonly sweepKeepalive = (): void => {
    const now = Date.now();
    const idleMs = this.opts.keepaliveS * 1000;
    for (const a of this.agents) {
      if (a.connected && a.socket && now - a.lastSendMs >= idleMs) this.write(a, this.pingPacket, () => this.counters.pingsSent++);
    }
  };

  private write(a: SimAgent, packet: Buffer, counted: () => void): void {
    const s = a.socket;
    if (!s || s.destroyed) return;
    // write() returning false only means the socket buffers it: the in-flight cap bounds how much
    s.write(packet);
    a.lastSendMs = Date.now();
    this.counters.bytesSent += packet.length;
    counted();
  }

  private trySend(a: SimAgent): void {
    while (!this.holding && a.connected && a.inflight.length < this.opts.maxInflight && a.sentRound < a.sampledRound) {
      const round = a.sentRound + 1;
      const t = this.roundTime(round);
      const payload = this.payloads.payload(a.index, t);
      const messageId = this.nextId(a);
      const packet = generate({ cmd: 'publish', topic: a.metricsTopic, payload, qos: 1, messageId, retain: false, dup: false });
      a.inflight.push({ messageId, round });
      a.sentRound = round;
      if (a.firstRound < 0) a.firstRound = round;
      this.write(a, packet, () => this.counters.metricsSent++);
      this.opts.hooks?.onMetricsSent?.(a.index, t, performance.now());
    }
  }

  private nextId(a: SimAgent): number {
    const id = a.nextMessageId;
    a.nextMessageId = id >= 65535 ? 1 : id + 1;
    return id;
  }

  private async connectWithRetries(a: SimAgent, deadlineMs = Number.POSITIVE_INFINITY): Promise<void> {
    while (!this.stopping && !a.dead && (this.opts.persistent === true || a.connectAttempts < MAX_RECONNECTS_PER_AGENT) && Date.now() < deadlineMs) {
      a.connectAttempts++;
      try {
        await this.connectOne(a);
        return;
      } catch {
        this.counters.connectFailures++;
        if (a.dead) return;
        await sleep(RECONNECT_DELAY_MS * Math.min(a.connectAttempts, MAX_RECONNECTS_PER_AGENT));
      }
    }
  }

  private connectOne(a: SimAgent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: this.opts.host, port: this.opts.port, noDelay: true });
      a.socket = socket;
      const parser = createParser({ protocolVersion: 4 });
      let settled = false;
      const settle = (err: Error | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          socket.destroy();
          reject(err);
        } else {
          resolve();
        }
      };
      const timer = setTimeout(() => settle(new Error('connect timed out')), this.opts.connectTimeoutMs);
      parser.on('packet', (packet: Packet) => {
        if (packet.cmd === 'connack') {
          const rc = packet.returnCode ?? 0;
          if (rc !== 0) {
            this.counters.refused++;
            if (CREDENTIALS_REFUSED.has(rc)) a.dead = true;
            settle(new Error(`CONNACK ${rc}`));
            return;
          }
          a.connected = true;
          if (this.opts.persistent === true) a.connectAttempts = 0;
          this.counters.connected++;
          settle(null);
          this.onConnected(a);
        } else if (packet.cmd === 'puback') {
          this.onPuback(a, packet.messageId ?? -1);
        } else if (packet.cmd === 'pingresp') {
          this.counters.pingResponses++;
        } else {
          this.counters.protocolErrors++;
        }
      });
      parser.on('error', () => {
        this.counters.protocolErrors++;
        socket.destroy();
      });
      socket.on('data', (chunk: Buffer) => parser.parse(chunk));
      socket.on('error', (err) => settle(err));
      socket.on('close', () => {
        settle(new Error('connection closed'));
        this.onClosed(a, socket);
      });
      const connect = generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId: a.identity.agentId,
        clean: true,
        keepalive: this.opts.keepaliveS,
        ...(this.opts.credentials ? { username: a.identity.agentId, password: Buffer.from(a.identity.secret) } : {}),
        will: { topic: agentTopic(a.identity.agentId, 'status'), payload: Buffer.from(STATUS_OFFLINE), qos: 1, retain: true },
      });
      socket.write(connect);
      a.lastSendMs = Date.now();
    });
  }

  private onConnected(a: SimAgent): void {
    if (this.opts.announce) {
      const status = agentTopic(a.identity.agentId, 'status');
      const inventory = agentTopic(a.identity.agentId, 'inventory');
      for (const [topic, body] of [[status, STATUS_ONLINE], [inventory, JSON.stringify(inventoryOf(a.index, a.identity.hostname, this.opts.intervalS))]] as const) {
        const messageId = this.nextId(a);
        a.inflight.push({ messageId, round: -1 });
        this.write(a, generate({ cmd: 'publish', topic, payload: Buffer.from(body), qos: 1, messageId, retain: true, dup: false }), () => this.counters.announcementsSent++);
      }
    }
    this.trySend(a);
  }

  private onPuback(a: SimAgent, messageId: number): void {
    const i = a.inflight.findIndex((p) => p.messageId === messageId);
    const p = a.inflight[i];
    if (!p) {
      this.counters.protocolErrors++;
      return;
    }
    a.inflight.splice(i, 1);
    if (p.round < 0) {
      this.counters.announcementsAcked++;
    } else {
      this.counters.metricsAcked++;
      if (p.round > a.ackedRound) a.ackedRound = p.round;
      this.opts.hooks?.onMetricsAcked?.(a.index, performance.now());
    }
    this.trySend(a);
  }

  private onClosed(a: SimAgent, socket: net.Socket): void {
    if (a.socket !== socket) return;
    const wasConnected = a.connected;
    a.connected = false;
    a.socket = null;
    if (!wasConnected) return;
    this.counters.connected--;
    if (this.stopping) return;
    this.counters.disconnects++;
    // unacknowledged batches go back to the queue and are sent again after the reconnect (a
    // batch the broker stored but whose PUBACK was lost is then refused by rrdcached as stale)
    const rounds = a.inflight.filter((p) => p.round >= 0).map((p) => p.round);
    if (rounds.length > 0) a.sentRound = Math.min(...rounds) - 1;
    a.inflight.length = 0;
    if (a.dead || (this.opts.persistent !== true && a.connectAttempts >= MAX_RECONNECTS_PER_AGENT)) return;
    const timer = setTimeout(() => {
      this.reconnectTimers.delete(timer);
      this.counters.reconnects++;
      void this.connectWithRetries(a);
    }, RECONNECT_DELAY_MS);
    this.reconnectTimers.add(timer);
  }
}

// ---- helpers ----------------------------------------------------------------------------------

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The soft limit on open files of this process (Linux /proc), or null when unknown. */
export function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (!m?.[1]) return null;
    return m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]);
  } catch {
    return null;
  }
}

/** A note when `sockets` connections (plus some slack) do not fit under the fd limit, else null. */
export function fdLimitNote(sockets: number): string | null {
  const limit = openFileLimit();
  const need = sockets + 256;
  if (limit === null || limit >= need) return null;
  return `open-file limit is ${limit}, but ${sockets} connections need about ${need}: raise it first (ulimit -n ${Math.max(need, 65536)})`;
}

// ---- CLI --------------------------------------------------------------------------------------

const CLI_HELP = `Usage: node scripts/bench/run.mjs scripts/loadgen.ts [options]

Enrolls (or reuses) N simulated agents and publishes like real agents until stopped or --duration.
  --http URL           appliance HTTP address (default http://127.0.0.1:8080)
  --mqtt-port P        the appliance's MQTT port (default 1883)
  --token T            enrollment token (required unless every identity is cached)
  --agents N           simulated agents (default 1000)
  --interval S         seconds between batches per agent (default 5)
  --duration S         stop after S seconds (default 60; 0 = until Ctrl-C)
  --max-inflight K     unacknowledged publishes per agent (default 4)
  --cache FILE         identity cache (default var/bench/loadgen-identities.json)
  --concurrency C      enrollments and connects in flight (default 64)`;

async function cliMain(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      http: { type: 'string', default: 'http://127.0.0.1:8080' },
      'mqtt-port': { type: 'string', default: '1883' },
      token: { type: 'string', default: '' },
      agents: { type: 'string', default: '1000' },
      interval: { type: 'string', default: '5' },
      duration: { type: 'string', default: '60' },
      'max-inflight': { type: 'string', default: '4' },
      cache: { type: 'string', default: path.join(process.env.RW_REPO_ROOT ?? process.cwd(), 'var', 'bench', 'loadgen-identities.json') },
      concurrency: { type: 'string', default: '64' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(CLI_HELP + '\n');
    return 0;
  }
  const int = (name: string, text: string, min: number): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected a whole number ≥ ${min}, got "${text}"`);
    return n;
  };
  const count = int('agents', values.agents, 1);
  const intervalS = int('interval', values.interval, 1);
  const durationS = int('duration', values.duration, 0);
  const note = fdLimitNote(count);
  if (note) process.stdout.write(`note: ${note}\n`);
  const httpUrl = values.http;
  const identities = await enrollAgents({
    httpUrl, token: values.token, count, concurrency: int('concurrency', values.concurrency, 1), cacheFile: values.cache,
    progress: (done, total) => process.stdout.write(`enrolled ${done}/${total}\n`),
  });
  const mqttPort = int('mqtt-port', values['mqtt-port'], 1);
  const gen = new LoadGenerator({
    host: new URL(httpUrl).hostname, port: mqttPort, agents: identities, intervalS, maxInflight: int('max-inflight', values['max-inflight'], 1),
    keepaliveS: 15, connectConcurrency: int('concurrency', values.concurrency, 1), connectTimeoutMs: 15_000,
    announce: true, credentials: true, initialBacklogRounds: 0,
  });
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
    if (durationS > 0) setTimeout(resolve, durationS * 1000).unref();
  });
  const t0 = performance.now();
  await gen.connectAll();
  process.stdout.write(`connected ${gen.counters.connected}/${count} in ${((performance.now() - t0) / 1000).toFixed(1)} s (refused ${gen.counters.refused}, failed attempts ${gen.counters.connectFailures})\n`);
  gen.startSchedule();
  let last = gen.snapshot();
  const report = setInterval(() => {
    const now = gen.snapshot();
    const dt = (now.atMs - last.atMs) / 1000;
    process.stdout.write(`sent ${((now.metricsSent - last.metricsSent) / dt).toFixed(0)} msg/s, acked ${((now.metricsAcked - last.metricsAcked) / dt).toFixed(0)} msg/s, in flight ${now.inflight}, queued in agents ${now.deferred}, connected ${now.connected}\n`);
    last = now;
  }, 5000);
  await stopped;
  clearInterval(report);
  gen.hold();
  await gen.settle(10_000);
  await gen.stop();
  const end = gen.snapshot();
  process.stdout.write(`done: ${end.metricsAcked} batches acknowledged (${end.metricsAcked * SAMPLES_PER_BATCH} samples), ${end.deferred} still queued, ${end.disconnects} disconnects\n`);
  return 0;
}

// Run as a CLI only when this file is the program: ingest.ts bundles this module too, and
// import.meta.url would then name that bundle, so the program's file name is what is checked.
if (/(^|[\\/])loadgen\.[jt]s$/.test(process.argv[1] ?? '')) {
  cliMain(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`loadgen: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
