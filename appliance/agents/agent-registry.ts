// The appliance's view of its agents: identity and inventory (SQLite) plus what changes every
// message (online status, last seen, latest values), kept in memory and announced on the live
// hub. Last-seen times reach SQLite in batched transactions, each at most LAST_SEEN_SAVE_MS behind.
import type { AgentDetail, AgentSummary, AgentWithLatest, LatestSeries } from '../../contract/api.js';
import type { AgentStatus } from '../../contract/agent-status.js';
import type { AgentSnapshot } from '../../contract/fleet-api.js';
import type { Inventory } from '../../contract/inventory.js';
import type { MetricsBatch, Snapshot } from '../../contract/metrics.js';
import type { Clock } from '../../core/clock.js';
import type { AgentListing, AgentRepository, AgentRow } from './agent-repository.js';
import type { LiveHub } from '../live/live-hub.js';

/**
 * How far behind the last-seen time SQLite holds may be (it is what a restart shows until the
 * agent is heard again). Writing every agent's at every flush (5 s) took 2.4 % of the CPU at
 * 10,000 agents, in one transaction that held the event loop each time.
 */
export const LAST_SEEN_SAVE_MS = 60_000;
/** how often the registry looks for last-seen times to save */
export const LAST_SEEN_FLUSH_MS = 5_000;
/**
 * How far behind the snapshot SQLite keeps may be (S1, S15): a new agent's first one is saved at
 * the next flush, later ones at most once a minute per agent (top processes come every 15 s; at
 * 10,000 agents a write per snapshot would be 667 writes a second on the board's SD card).
 */
export const SNAPSHOT_SAVE_MS = 60_000;
/** A snapshot larger than this (as JSON) is served from memory but not kept: a bound on the table (docs/bounds.md). */
export const SNAPSHOT_MAX_BYTES = 256 * 1024;

interface LiveState {
  status: AgentStatus;
  lastSeen: number | null;
  /** the last-seen time SQLite holds */
  savedLastSeen: number | null;
  intervalS: number | null;
  /** the interval changed since it was saved (it is saved with the last-seen time) */
  intervalUnsaved: boolean;
  /** `${family}\0${key}` → latest series */
  latest: Map<string, LatestSeries>;
  /** the latest of each snapshot part (routes, top processes, current visitors); SQLite keeps it (SNAPSHOT_SAVE_MS behind) */
  snapshot: AgentSnapshot | null;
  /** when the snapshot was last saved (null: the one held is not saved yet, or none was) */
  snapshotSavedAt: number | null;
}

export interface AgentRegistryDeps {
  repo: AgentRepository;
  hub: LiveHub;
  clock: Clock;
  /**
   * Saving last-seen times failed (RES: a full or read-only disk): told instead of thrown out of
   * the timer; the times stay pending and are saved at a later flush.
   */
  onWriteError?: (where: string, err: unknown) => void;
}

export class AgentRegistry {
  private readonly live = new Map<string, LiveState>();
  private readonly dirtyLastSeen = new Set<string>();
  private readonly dirtySnapshots = new Set<string>();
  /** metrics publishes of each agent that arrived and whose acknowledgement is still withheld */
  private readonly awaiting = new Map<string, number>();

  private flushTimer: unknown = null;

  constructor(private readonly deps: AgentRegistryDeps) {}

  /** Starts saving last-seen times every LAST_SEEN_FLUSH_MS. */
  start(): void {
    if (this.flushTimer !== null) return;
    const tick = (): void => {
      this.flushLastSeen();
      this.flushSnapshots();
      const handle = this.deps.clock.setTimeout(tick, LAST_SEEN_FLUSH_MS);
      handle.unref?.();
      this.flushTimer = handle;
    };
    const handle = this.deps.clock.setTimeout(tick, LAST_SEEN_FLUSH_MS);
    handle.unref?.();
    this.flushTimer = handle;
  }

  /** Stops the timer and saves every pending last-seen time (before the database closes). */
  stop(): void {
    if (this.flushTimer !== null) this.deps.clock.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.flushLastSeen(true);
    this.flushSnapshots(true);
  }

  private state(id: string): LiveState {
    let s = this.live.get(id);
    if (!s) {
      const row = this.deps.repo.listing(id);
      const lastSeen = row?.lastSeen ?? null;
      s = { status: 'offline', lastSeen, savedLastSeen: lastSeen, intervalS: row?.intervalS ?? null, intervalUnsaved: false, latest: new Map(), snapshot: this.deps.repo.loadSnapshot(id), snapshotSavedAt: null };
      this.live.set(id, s);
    }
    return s;
  }

  exists(id: string): boolean {
    return this.live.has(id) || this.deps.repo.listing(id) !== null;
  }

  /** A newly enrolled agent: announce it so open UIs list it at once. */
  added(row: AgentRow): void {
    this.deps.hub.publish('agent', row.id, this.summaryOf(row));
  }

  setStatus(id: string, status: AgentStatus): void {
    // the Last Will or disconnect of a server just removed (S4) must not bring it back
    if (!this.exists(id)) return;
    const s = this.state(id);
    if (status === 'online') this.touch(id, s);
    if (s.status === status) return;
    s.status = status;
    this.deps.hub.publish('status', id, { agentId: id, status, at: this.deps.clock.now() });
  }

  /**
   * A metrics publish arrived: the agent is heard from now, before its samples are stored. Under
   * overload they wait for a write slot for seconds, and an agent that is talking must not be
   * judged silent meanwhile (at 10,000 agents that turned an overload into an alert storm).
   */
  heard(id: string): void {
    if (this.exists(id)) this.touch(id, this.state(id));
    this.awaiting.set(id, (this.awaiting.get(id) ?? 0) + 1);
  }

  /** A publish that was `heard` has been stored or dropped: its acknowledgement is no longer withheld. */
  settled(id: string): void {
    const n = (this.awaiting.get(id) ?? 0) - 1;
    if (n > 0) this.awaiting.set(id, n);
    else this.awaiting.delete(id);
  }

  /**
   * True while a publish of this agent waits for its acknowledgement. Under overload that takes
   * seconds, and the broker reads nothing more from the agent meanwhile (backpressure): the agent
   * is talking, the appliance is behind, and it must not be judged silent.
   */
  isTalking(id: string): boolean {
    return this.awaiting.has(id);
  }

  /**
   * A stored batch's samples: the latest values and the live stream (the agent was `heard` on
   * arrival). `json`: the payload's text, relayed to the stream as it is when it holds exactly the
   * stream's batch (no snapshot) on one line: at 10,000 agents a JSON.stringify per batch was
   * 6.7 % of the CPU.
   */
  recordSamples(id: string, batch: Pick<MetricsBatch, 'i' | 's' | 'x'>, json?: string): void {
    const s = this.state(id);
    const intervalS = batch.i;
    if (s.intervalS !== intervalS) {
      s.intervalS = intervalS;
      s.intervalUnsaved = true;
      this.dirtyLastSeen.add(id); // saved with the last-seen time, at the next flush
    }
    for (const sample of batch.s) {
      const mapKey = `${sample.f}\0${sample.k ?? ''}`;
      const prev = s.latest.get(mapKey);
      // a backlog delivered after an outage must not overwrite newer live values
      if (prev && prev.t > sample.t) continue;
      // The values are copied, into the series' own object when the fields are the same: keeping
      // the parsed sample instead held every batch for an interval, long enough to be promoted to
      // the old generation, where only a major GC frees it.
      if (prev && overwriteValues(prev.values, sample.v)) {
        prev.t = sample.t;
        continue;
      }
      const values = { ...sample.v };
      s.latest.set(mapKey, sample.k !== undefined ? { family: sample.f, t: sample.t, values, key: sample.k } : { family: sample.f, t: sample.t, values });
    }
    // an SSE data line ends at CR or LF (a regular expression here was 0.8 % of the CPU)
    const relay = json !== undefined && batch.x === undefined && !json.includes('\n') && !json.includes('\r');
    this.deps.hub.publish('sample', id, { agentId: id, batch: { v: 1, i: intervalS, s: batch.s } }, relay ? `{"agentId":${JSON.stringify(id)},"batch":${json}}` : undefined);
  }

  /**
   * Keeps the latest of each snapshot part; a part older than the one held (a backlog delivered
   * after an outage) does not replace it. Routes, top processes and visitors come from collectors
   * with their own intervals, so each part keeps its own time.
   */
  recordSnapshot(id: string, x: Snapshot): void {
    const s = this.state(id);
    const next: AgentSnapshot = { ...s.snapshot };
    if (x.routes && !(next.routes && next.routes.t > x.t)) next.routes = { t: x.t, entries: x.routes };
    if (x.top && !(next.top && next.top.t > x.t)) next.top = { t: x.t, ...x.top };
    if (x.visitors && !(next.visitors && next.visitors.t > x.t)) next.visitors = { t: x.t, entries: x.visitors };
    s.snapshot = next;
    this.dirtySnapshots.add(id);
  }

  /** The latest routes, top processes and current visitors of an agent (alert causes, the UI); null before the first. */
  latestSnapshot(id: string): AgentSnapshot | null {
    return this.live.get(id)?.snapshot ?? this.deps.repo.loadSnapshot(id);
  }

  /** Writes changed snapshots to SQLite, each at most SNAPSHOT_SAVE_MS behind; `all`: every changed one (at shutdown). */
  flushSnapshots(all = false): void {
    const now = this.deps.clock.now();
    const entries: { id: string; json: string; atMs: number }[] = [];
    for (const id of this.dirtySnapshots) {
      const s = this.live.get(id);
      if (!s?.snapshot) {
        this.dirtySnapshots.delete(id);
        continue;
      }
      if (!all && s.snapshotSavedAt !== null && now - s.snapshotSavedAt < SNAPSHOT_SAVE_MS) continue;
      this.dirtySnapshots.delete(id);
      s.snapshotSavedAt = now;
      const json = JSON.stringify(s.snapshot);
      if (Buffer.byteLength(json) <= SNAPSHOT_MAX_BYTES) entries.push({ id, json, atMs: now });
    }
    if (entries.length === 0) return;
    try {
      this.deps.repo.saveSnapshots(entries);
    } catch (e) {
      for (const entry of entries) this.dirtySnapshots.add(entry.id); // retried at a later flush
      if (!this.deps.onWriteError) throw e;
      this.deps.onWriteError('snapshots', e);
    }
  }

  /** A server was removed (S4): forget its live state and tell open UIs. */
  removed(id: string, hostname: string): void {
    this.live.delete(id);
    this.dirtyLastSeen.delete(id);
    this.dirtySnapshots.delete(id);
    this.deps.hub.publish('agent', id, { id, hostname, status: 'unknown', lastSeen: null, interval: null, removed: true });
  }

  recordInventory(id: string, inventory: Inventory): void {
    this.deps.repo.saveInventory(id, inventory);
    this.announce(id);
  }

  /** Tells open UIs a server's listing changed (a new display name, S4). */
  announce(id: string): void {
    const row = this.deps.repo.listing(id);
    if (row) this.deps.hub.publish('agent', id, this.summaryOf(row));
  }

  private touch(id: string, s: LiveState): void {
    s.lastSeen = this.deps.clock.now();
    this.dirtyLastSeen.add(id);
  }

  /**
   * Writes to SQLite the last-seen times more than LAST_SEEN_SAVE_MS newer than the saved ones,
   * and changed intervals (called on a timer); `all`: every pending one (at shutdown).
   */
  flushLastSeen(all = false): void {
    const entries: { id: string; lastSeen: number; intervalS: number | null }[] = [];
    for (const id of this.dirtyLastSeen) {
      const s = this.live.get(id);
      if (!s) {
        this.dirtyLastSeen.delete(id);
        continue;
      }
      const behindMs = (s.lastSeen ?? 0) - (s.savedLastSeen ?? -Infinity);
      if (!all && !s.intervalUnsaved && behindMs < LAST_SEEN_SAVE_MS) continue;
      entries.push({ id, lastSeen: s.lastSeen ?? 0, intervalS: s.intervalS });
      s.savedLastSeen = s.lastSeen;
      s.intervalUnsaved = false;
      this.dirtyLastSeen.delete(id);
    }
    if (entries.length === 0) return;
    try {
      this.deps.repo.saveLastSeen(entries);
    } catch (e) {
      for (const entry of entries) {
        const s = this.live.get(entry.id);
        if (!s) continue;
        s.savedLastSeen = null; // pending again: the next flush retries
        this.dirtyLastSeen.add(entry.id);
      }
      if (!this.deps.onWriteError) throw e;
      this.deps.onWriteError('last-seen', e);
    }
  }

  private summaryOf(row: AgentListing): AgentSummary {
    const s = this.live.get(row.id);
    return {
      id: row.id,
      hostname: row.hostname,
      // a pre-registered server has never been heard from: neither online nor offline
      status: s?.status ?? (row.awaitingAgent ? 'unknown' : 'offline'),
      lastSeen: s?.lastSeen ?? row.lastSeen,
      interval: s?.intervalS ?? row.intervalS,
      ...(row.address !== null ? { address: row.address } : {}),
      ...(row.awaitingAgent ? { awaitingAgent: true } : {}),
      ...(row.displayName !== null ? { displayName: row.displayName } : {}),
    };
  }

  list(): AgentSummary[] {
    return this.deps.repo.listings().map((row) => this.summaryOf(row));
  }

  /** The summaries with every series' latest values (`GET /agents?latest=1`, S9): the list's columns in one answer. */
  listWithLatest(): AgentWithLatest[] {
    return this.deps.repo.listings().map((row) => ({ ...this.summaryOf(row), latest: [...(this.live.get(row.id)?.latest.values() ?? [])] }));
  }

  detail(id: string): AgentDetail | null {
    const row = this.deps.repo.get(id);
    if (!row) return null;
    const s = this.live.get(id);
    return {
      ...this.summaryOf(row),
      createdAt: row.createdAt,
      inventory: row.inventory,
      latest: s ? [...s.latest.values()] : [],
      snapshot: s ? s.snapshot : this.deps.repo.loadSnapshot(id),
    };
  }

  onlineCount(): number {
    let n = 0;
    for (const s of this.live.values()) if (s.status === 'online') n++;
    return n;
  }
}

/**
 * Copies `source` into `target` when both have the same fields (then the numbers are stored in
 * place, with no allocation); false, and `target` unchanged, when the fields differ.
 */
function overwriteValues(target: Record<string, number | null>, source: Readonly<Record<string, number | null>>): boolean {
  let fields = 0;
  for (const k in source) {
    if (!Object.hasOwn(target, k)) return false;
    fields++;
  }
  for (const _field in target) if (--fields < 0) return false;
  for (const k in source) target[k] = source[k] ?? null;
  return true;
}
