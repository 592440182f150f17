// The server list's state: every enrolled agent with its status, last-seen time and latest CPU,
// memory, fullest filesystem, network and load figures, and a short CPU history for the tile wall's
// sparkline (S9). Loaded from the API, then kept current by the live stream (new agents, status
// changes, samples). Re-renders are batched: with hundreds of agents sending samples, rendering
// the list once per event would keep the browser busy for nothing.
import type { AgentSummary, AgentWithLatest, LatestSeries, StreamEvents } from '../../contract/api.js';
import { streamSeries, type LiveStream } from './live-stream.js';
import { filesystemUsedPct } from '../../contract/filesystem-use.js';
import { cpuBusyPct, isChartedInterface, memoryUsedPct } from './metric-fields.js';
import { errorReason } from './api-client.js';

export interface AgentRow extends AgentSummary {
  cpuPct: number | null;
  memPct: number | null;
  /** the fullest filesystem's used %, and its mount point */
  diskPct?: number | null;
  diskMount?: string | null;
  /** bytes per second over every interface but loopback */
  netInBps?: number | null;
  netOutBps?: number | null;
  load1?: number | null;
  /** the latest CPU figures, oldest first, at most CPU_HISTORY_POINTS */
  cpuHistory?: readonly number[];
  /** per filesystem used % and per interface rates, from which the figures above are made */
  fsPctByMount?: Readonly<Record<string, number>>;
  netByIface?: Readonly<Record<string, readonly [number, number]>>;
  /** per series (family, or family/key) the time (ms) of the sample its figures come from */
  seriesAt?: Readonly<Record<string, number>>;
}

/** CPU figures kept per server for the tile wall's sparkline: a few minutes at the usual intervals. */
export const CPU_HISTORY_POINTS = 40;

function fullest(byMount: Readonly<Record<string, number>>): { pct: number | null; mount: string | null } {
  let best: { pct: number | null; mount: string | null } = { pct: null, mount: null };
  for (const [mount, pct] of Object.entries(byMount)) if (best.pct === null || pct > best.pct) best = { pct, mount };
  return best;
}

function netTotals(byIface: Readonly<Record<string, readonly [number, number]>>): { inBps: number; outBps: number } {
  let inBps = 0;
  let outBps = 0;
  for (const [rx, tx] of Object.values(byIface)) {
    inBps += rx;
    outBps += tx;
  }
  return { inBps, outBps };
}

function finite(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export type AgentsPhase = 'loading' | 'ready' | 'error';

export interface AgentsSnapshot {
  phase: AgentsPhase;
  /** by host name */
  rows: readonly AgentRow[];
  error: string | null;
  /** unix ms of the next automatic retry while phase is 'error' */
  retryAt: number | null;
}

export interface AgentsApi {
  /** with each server's latest values (`?latest=1`) while the fleet is small (AGENT_LIST_LATEST_MAX) */
  listAgents(signal?: AbortSignal): Promise<AgentWithLatest[]>;
}

const RENDER_BATCH_MS = 250;
const RETRY_MIN_MS = 2_000;
const RETRY_MAX_MS = 30_000;
/** Times may come as unix seconds or ms; a value below 1e12 is seconds (before 2001 in ms). */
export function toMs(t: number): number {
  return t < 1e12 ? t * 1000 : t;
}

/** The list's figures from a batch of latest values; fields absent from it stay as they were. */
export function withLatest(row: AgentRow, samples: readonly LatestSeries[]): AgentRow {
  let next = row;
  for (const s of samples) {
    // an agent detail read while samples streamed in may be older than what the row shows
    const series = s.key === undefined ? s.family : `${s.family}/${s.key}`;
    const at = toMs(s.t);
    if ((next.seriesAt?.[series] ?? -Infinity) > at) continue;
    next = { ...next, seriesAt: { ...next.seriesAt, [series]: at } };
    if (s.family === 'cpu') {
      const cpuPct = cpuBusyPct(s.values);
      if (cpuPct !== null) next = { ...next, cpuPct, cpuHistory: [...(next.cpuHistory ?? []), cpuPct].slice(-CPU_HISTORY_POINTS) };
    } else if (s.family === 'memory') {
      const memPct = memoryUsedPct(s.values);
      if (memPct !== null) next = { ...next, memPct };
    } else if (s.family === 'fs' && s.key !== undefined) {
      const pct = filesystemUsedPct(s.values);
      if (pct !== null) {
        const fsPctByMount = { ...next.fsPctByMount, [s.key]: pct };
        const top = fullest(fsPctByMount);
        next = { ...next, fsPctByMount, diskPct: top.pct, diskMount: top.mount };
      }
    } else if (s.family === 'net' && s.key !== undefined && isChartedInterface(s.key)) {
      const rx = finite(s.values.rx_bytes);
      const tx = finite(s.values.tx_bytes);
      if (rx !== null && tx !== null) {
        const netByIface = { ...next.netByIface, [s.key]: [rx, tx] as const };
        const sum = netTotals(netByIface);
        next = { ...next, netByIface, netInBps: sum.inBps, netOutBps: sum.outBps };
      }
    } else if (s.family === 'load') {
      const load1 = finite(s.values.load1);
      if (load1 !== null) next = { ...next, load1 };
    }
    const seen = toMs(s.t);
    if (next.lastSeen === null || seen > next.lastSeen) next = { ...next, lastSeen: seen };
  }
  return next;
}

/** A fresh summary with the figures the row had (they come from samples, not from the list). */
function withFigures(summary: AgentSummary, old: AgentRow | undefined): AgentRow {
  if (!old) return { ...summary, cpuPct: null, memPct: null };
  const { cpuPct, memPct, diskPct, diskMount, netInBps, netOutBps, load1, cpuHistory, fsPctByMount, netByIface, seriesAt } = old;
  return { ...summary, cpuPct, memPct, diskPct, diskMount, netInBps, netOutBps, load1, cpuHistory, fsPctByMount, netByIface, seriesAt };
}

function byHostname(a: AgentRow, b: AgentRow): number {
  return a.hostname.localeCompare(b.hostname, undefined, { numeric: true }) || a.id.localeCompare(b.id);
}

export class AgentsStore {
  private rows = new Map<string, AgentRow>();
  private snapshot: AgentsSnapshot = { phase: 'loading', rows: [], error: null, retryAt: null };
  private readonly listeners = new Set<() => void>();
  private renderTimer: ReturnType<typeof setTimeout> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private retryMs = RETRY_MIN_MS;
  private loadController: AbortController | null = null;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly api: AgentsApi,
    private readonly stream: LiveStream,
  ) {}

  start(): void {
    this.unsubscribe.push(
      this.stream.on('agent', (a) => this.onAgent(a)),
      this.stream.on('status', (s) => this.onStatus(s)),
      this.stream.on('sample', (s) => this.onSample(s)),
      this.stream.onResync(() => this.reload()),
    );
    this.reload();
  }

  stop(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.loadController?.abort();
    if (this.renderTimer) clearTimeout(this.renderTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.renderTimer = this.retryTimer = null;
  }

  get current(): AgentsSnapshot {
    return this.snapshot;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads the list now (the operator pressed "retry", or the stream came back). */
  reload(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.loadController?.abort();
    const controller = new AbortController();
    this.loadController = controller;
    this.load(controller.signal).catch((e: unknown) => {
      if (controller.signal.aborted) return;
      const delay = this.retryMs;
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
      this.snapshot = { ...this.snapshot, phase: 'error', error: errorReason(e), retryAt: Date.now() + delay };
      this.retryTimer = setTimeout(() => this.reload(), delay);
      this.emit();
    });
  }

  private async load(signal: AbortSignal): Promise<void> {
    const listed = await this.api.listAgents(signal);
    const next = new Map<string, AgentRow>();
    for (const { latest, ...s } of listed) {
      // the list's own latest values fill the CPU/memory/disk/network columns (S9): one request for
      // the whole list, not a detail a server; a large fleet's come without them, from the stream
      const row = withFigures(s, this.rows.get(s.id));
      next.set(s.id, latest ? withLatest(row, latest) : row);
    }
    this.rows = next;
    this.retryMs = RETRY_MIN_MS;
    this.snapshot = { ...this.snapshot, phase: 'ready', error: null, retryAt: null };
    this.emit();
  }

  private onAgent(a: AgentSummary): void {
    if (a.removed) {
      // a server removed by an operator (S4)
      if (this.rows.delete(a.id)) this.emit();
      return;
    }
    this.put(withFigures(a, this.rows.get(a.id)));
  }

  private onStatus(s: StreamEvents['status']): void {
    const row = this.rows.get(s.agentId);
    // an unknown agent's status is followed by its `agent` event; a reload also catches it
    if (row) this.put({ ...row, status: s.status });
  }

  private onSample(s: StreamEvents['sample']): void {
    const row = this.rows.get(s.agentId);
    if (row) this.put(withLatest(row, streamSeries(s)));
  }

  private put(row: AgentRow): void {
    this.rows.set(row.id, row);
    this.emit();
  }

  private emit(): void {
    if (this.renderTimer) return;
    this.renderTimer = setTimeout(() => {
      this.renderTimer = null;
      this.snapshot = { ...this.snapshot, rows: [...this.rows.values()].sort(byHostname) };
      for (const l of this.listeners) l();
    }, this.snapshot.rows.length === 0 && this.rows.size > 0 ? 0 : RENDER_BATCH_MS);
  }
}
