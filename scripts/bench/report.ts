// Results of the ingest benchmark: the shape written to bench-results/*.json, and the text
// tables printed at the end (one per load level: appliance next to bare Aedes and Mosquitto,
// with ratios), followed by the verdict against the targets.
import type { LatencySummary } from './latency.js';

export type TargetKind = 'appliance' | 'aedes' | 'mosquitto';
export const TARGET_LABEL: Record<TargetKind, string> = { appliance: 'appliance', aedes: 'bare Aedes', mosquitto: 'mosquitto' };

export interface LevelSpec {
  /** stable id used in the JSON: `agents-10000`, `flat-out`, `twice-sustainable` */
  id: string;
  title: string;
  agents: number;
  intervalS: number;
  /** rounds each agent has queued at the start (> 0: publish flat out, as after an outage) */
  backlogRounds: number;
  /** nominal offered rate (agents / interval); null when flat out */
  offeredMsgPerS: number | null;
}

export interface CpuUse {
  seconds: number;
  /** CPU time per acknowledged message in the window, µs */
  usPerMsg: number | null;
  /** share of one core over the window, % */
  corePct: number;
}

export interface Verification {
  metricsAcked: number;
  samplesAcked: number;
  rrdUpdates: number;
  rrdUpdateErrors: number;
  badPayloads: number;
  messagesIn: number;
  /** publishes the load generator wrote (metrics + announcements) */
  publishesSent: number;
  inflightAtEnd: number;
  /** samplesAcked − rrdUpdates: acknowledged but not in rrdcached (must be 0) */
  lostSamples: number;
  seriesChecked: number;
  valuesChecked: number;
  valuesMissing: number;
  valuesWrong: number;
  problems: string[];
}

export interface TimelinePoint {
  s: number;
  ackedPerS: number;
  deferred: number;
  backlog: number | null;
  brokerRssMb: number | null;
}

export interface RunResult {
  target: TargetKind;
  level: string;
  ok: boolean;
  error?: string;
  agents: number;
  intervalS: number;
  connected: number;
  connectS: number;
  warmupS: number;
  warmupComplete: boolean;
  /** seconds waited after the warm-up for rrdcached's first file writes (appliance; 0 when not waited) */
  flushWaitS: number;
  /** RRD files rrdcached wrote per second during the window (its STATS UpdatesWritten); null: not an appliance run */
  rrdFilesWrittenPerS: number | null;
  windowS: number;
  offeredMsgPerS: number | null;
  sentMsgPerS: number;
  ackedMsgPerS: number;
  /** appliance: Δ rrdUpdates / Δt over the window; baselines: acknowledged × samples per batch */
  samplesPerS: number;
  deferredStart: number;
  deferredEnd: number;
  ingestBacklogMax: number | null;
  latency: LatencySummary;
  subscriberCutoffs: number;
  cpu: { broker: CpuUse | null; rrdcached: CpuUse | null; loadgen: CpuUse | null };
  rssMb: {
    brokerPeak: number | null;
    brokerWindowFirstHalfMean: number | null;
    brokerWindowSecondHalfMean: number | null;
    rrdcachedPeak: number | null;
    loadgenPeak: number | null;
  };
  load: { disconnects: number; refused: number; connectFailures: number; protocolErrors: number };
  /** CPU of everything else on the machine during the window (% of one core): a shared machine's noise */
  otherCpuPct: number | null;
  /** seconds waited before the run for the machine to be quiet, and how busy it was when the run began (% of one core) */
  quietWaitS: number;
  busyBeforePct: number | null;
  /** the longest a 1 s step of the window overran: this process (load generator + subscriber) falling behind */
  harnessLagMaxMs: number;
  brokerLogBytes: number;
  verification: Verification | null;
  timeline: TimelinePoint[];
}

// ---- formatting ----------------------------------------------------------------------------------

export function fmt(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ratio(a: number | null | undefined, b: number | null | undefined): string {
  if (a === null || a === undefined || b === null || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '—';
  return `${(a / b).toFixed(2)}×`;
}

interface Row {
  label: string;
  value(r: RunResult): number | null | undefined;
  digits: number;
  /** ratios make no sense for some rows (counts that are 0 for the baselines) */
  ratio: boolean;
}

const ROWS: Row[] = [
  { label: 'acknowledged msg/s', value: (r) => r.ackedMsgPerS, digits: 0, ratio: true },
  { label: 'samples/s stored (appliance) / accepted', value: (r) => r.samplesPerS, digits: 0, ratio: true },
  { label: 'samples queued in agents: start → end', value: () => null, digits: 0, ratio: false },
  { label: 'publish→SSE / →delivery p50 ms', value: (r) => r.latency.p50Ms, digits: 1, ratio: true },
  { label: 'publish→SSE / →delivery p99 ms', value: (r) => r.latency.p99Ms, digits: 1, ratio: true },
  { label: 'publish→SSE / →delivery max ms', value: (r) => r.latency.maxMs, digits: 0, ratio: true },
  { label: 'delivered to subscriber %', value: (r) => (r.latency.sent > 0 ? (100 * r.latency.delivered) / r.latency.sent : null), digits: 2, ratio: false },
  { label: 'broker process CPU µs/msg', value: (r) => r.cpu.broker?.usPerMsg, digits: 0, ratio: true },
  { label: '  + rrdcached CPU µs/msg', value: (r) => r.cpu.rrdcached?.usPerMsg, digits: 0, ratio: false },
  { label: 'broker process CPU % of a core', value: (r) => r.cpu.broker?.corePct, digits: 0, ratio: true },
  { label: '  + rrdcached CPU % of a core', value: (r) => r.cpu.rrdcached?.corePct, digits: 0, ratio: false },
  { label: 'peak RSS MB (broker process)', value: (r) => r.rssMb.brokerPeak, digits: 0, ratio: true },
  { label: '  window mean RSS MB, 1st → 2nd half', value: () => null, digits: 0, ratio: false },
  { label: '  + peak RSS MB rrdcached', value: (r) => r.rssMb.rrdcachedPeak, digits: 0, ratio: false },
  { label: 'load generator CPU µs/msg (harness)', value: (r) => r.cpu.loadgen?.usPerMsg, digits: 0, ratio: false },
  { label: 'warm-up s (connect; first round)', value: () => null, digits: 0, ratio: false },
  { label: 'RRD files rrdcached wrote per s in the window', value: (r) => r.rrdFilesWrittenPerS, digits: 0, ratio: false },
  { label: 'other processes on the machine, % of a core', value: (r) => r.otherCpuPct, digits: 0, ratio: false },
];

function cell(row: Row, r: RunResult | undefined): string {
  if (!r) return 'not run';
  if (!r.ok) return 'FAILED';
  switch (row.label) {
    case 'samples queued in agents: start → end':
      return `${fmt(r.deferredStart)} → ${fmt(r.deferredEnd)}`;
    case '  window mean RSS MB, 1st → 2nd half':
      return `${fmt(r.rssMb.brokerWindowFirstHalfMean)} → ${fmt(r.rssMb.brokerWindowSecondHalfMean)}`;
    case 'warm-up s (connect; first round)':
      return `${fmt(r.connectS, 1)}; ${fmt(r.warmupS, 1)}${r.warmupComplete ? '' : ' (timeout)'}${r.flushWaitS > 0 ? ` + ${fmt(r.flushWaitS, 0)} for rrdcached's writes` : ''}`;
    default:
      return fmt(row.value(r), row.digits);
  }
}

export function levelTable(level: LevelSpec, runs: RunResult[]): string {
  const by = (k: TargetKind): RunResult | undefined => runs.find((r) => r.target === k);
  const app = by('appliance');
  const aedes = by('aedes');
  const mosq = by('mosquitto');
  const offered = level.offeredMsgPerS === null ? 'flat out: every agent starts with a deep queue' : `offered ${fmt(level.offeredMsgPerS)} msg/s`;
  const header = ['metric', 'appliance', 'bare Aedes', 'mosquitto', 'appl/Aedes', 'appl/mosq'];
  const lines: string[][] = [header];
  for (const row of ROWS) {
    const val = (r: RunResult | undefined): number | null => (r?.ok ? (row.value(r) ?? null) : null);
    lines.push([
      row.label, cell(row, app), cell(row, aedes), cell(row, mosq),
      row.ratio ? ratio(val(app), val(aedes)) : '',
      row.ratio ? ratio(val(app), val(mosq)) : '',
    ]);
  }
  const widths = header.map((_, c) => Math.max(...lines.map((l) => (l[c] ?? '').length)));
  const out = [`== ${level.title}: ${fmt(level.agents)} agents, interval ${level.intervalS} s, ${offered} ==`];
  for (const [i, l] of lines.entries()) {
    out.push(l.map((c, j) => (j === 0 ? c.padEnd(widths[j] ?? 0) : c.padStart(widths[j] ?? 0))).join('  '));
    if (i === 0) out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  for (const r of runs) {
    if (!r.ok) out.push(`  ${TARGET_LABEL[r.target]} FAILED: ${r.error ?? 'unknown error'}`);
    const notes: string[] = [];
    if (r.connected < r.agents) notes.push(`only ${fmt(r.connected)} of ${fmt(r.agents)} agents connected`);
    if (r.load.disconnects > 0) notes.push(`${fmt(r.load.disconnects)} disconnects`);
    if (r.load.connectFailures > 0) notes.push(`${fmt(r.load.connectFailures)} failed connection attempts (no CONNACK within 30 s, retried)`);
    if (r.load.protocolErrors > 0) notes.push(`${fmt(r.load.protocolErrors)} protocol errors`);
    if (r.subscriberCutoffs > 0) notes.push(`SSE reader cut off ${r.subscriberCutoffs}× (reconnected with Last-Event-ID)`);
    if (r.ingestBacklogMax !== null) notes.push(`ingestBacklog max ${fmt(r.ingestBacklogMax)}`);
    if (r.harnessLagMaxMs > 500) notes.push(`the load generator fell behind (a 1 s step took ${fmt(1000 + r.harnessLagMaxMs)} ms): this column is limited by the harness`);
    if ((r.busyBeforePct ?? 0) >= 35) notes.push(`machine busy with other work when the run began (${fmt(r.busyBeforePct)}% of a core after waiting ${fmt(r.quietWaitS)} s)`);
    if (notes.length) out.push(`  ${TARGET_LABEL[r.target]}: ${notes.join('; ')}`);
  }
  const v = app?.verification;
  if (v) {
    out.push(`  verification (appliance): ${fmt(v.metricsAcked)} batches acknowledged = ${fmt(v.samplesAcked)} samples; rrdUpdates ${fmt(v.rrdUpdates)}; `
      + `lost ${fmt(v.lostSamples)}; rrdUpdateErrors ${fmt(v.rrdUpdateErrors)}; badPayloads ${fmt(v.badPayloads)}; `
      + `messagesIn ${fmt(v.messagesIn)} for ${fmt(v.publishesSent)} publishes sent (the broker adds a Last Will per dropped connection); unacknowledged at end ${fmt(v.inflightAtEnd)}`);
    out.push(`  series read back through /api/v1/agents/:id/series: ${fmt(v.seriesChecked)} series, ${fmt(v.valuesChecked)} values, `
      + `${fmt(v.valuesMissing)} missing, ${fmt(v.valuesWrong)} wrong`);
    for (const p of v.problems.slice(0, 5)) out.push(`    ! ${p}`);
  }
  return out.join('\n');
}
