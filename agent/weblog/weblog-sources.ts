// The access logs of the agent's configuration (S11, B6), each followed by a WeblogTail: polled
// every second (a burst beyond the per-poll byte budget is spread over the next polls), and at
// the end of each of its intervals (whole multiples of intervalS in Unix time) its WeblogInterval
// is handed over, those of every source ending at the same second in one message
// (weblog-message.ts), which main.ts appends to the web-log disk queue.
//
// Exactly once across restarts: a source's read position is committed (written to
// <state-dir>/weblog-positions.json) only right after its interval was handed over, never while
// lines it has read are only in memory. An agent stopped mid-interval (or killed) sends nothing
// for that interval, and after the restart reads those lines again from the committed position:
// they count in the interval in progress then, once. A power cut between the queue's write and
// the positions' may count an interval's lines twice; never none.
//
// `apply` takes the configuration's complete list: an unchanged source keeps running untouched,
// a changed one (any field) is restarted, from its committed position when its path is the
// same (a new format reads the lines since the last interval again, in the new format), a removed
// one stops and its position is forgotten.
import type { AgentWeblogSource } from '../../contract/weblog-sources.js';
import type { WeblogInterval } from '../../contract/weblog.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { LogPositions } from '../checks/check-runners.js';
import type { LogPosition } from '../checks/log-follower.js';
import type { LogPositionStore } from '../checks/log-positions.js';
import { weblogMessages } from './weblog-message.js';
import { WeblogTail } from './weblog-tail.js';

export const WEBLOG_POSITIONS_FILE = 'weblog-positions.json';

/** one poll of every source per second */
export const WEBLOG_POLL_MS = 1000;
/** ms into the second of each poll: clear of the collectors' ticks on the second */
const POLL_OFFSET_MS = 250;
/**
 * bytes read per source in one slice of a poll: the lines of a slice are in memory at once (a
 * whole second of a 10,000 lines/s log would be 2.5 MB of strings, the agent's RSS budget is
 * tight), and the event loop serves MQTT and the collectors between two slices
 */
export const WEBLOG_BYTES_PER_SLICE = 512 * 1024;
/**
 * slices per source and poll at most: 8 MiB a second, ~35,000 lines of 240 bytes; more (a
 * backlog, a file read from its start) waits for the next poll, so a burst is spread
 */
export const WEBLOG_SLICES_PER_POLL = 16;

export interface WeblogSourcesDeps {
  clock: Clock;
  log: Logger;
  /** the committed positions (weblog-positions.json) */
  positions: LogPositionStore;
  /** one message's payload for `…/weblog` and the earliest interval start in it; appended durably */
  onMessage: (t: number, payload: string) => void;
  /** bytes per slice (default WEBLOG_BYTES_PER_SLICE) */
  maxBytesPerSlice?: number;
}

interface Entry {
  source: AgentWeblogSource;
  key: string;
  tail: WeblogTail;
  /** polled and flushed only once started (a compressed rotated file may be read first) */
  ready: boolean;
  closed: boolean;
  /** unix s at which its current interval ends */
  endS: number;
}

/** Positions as read: the committed one until the tail moves, then the live one, committed at each interval's end. */
class LivePositions implements LogPositions {
  private readonly live = new Map<string, { path: string; position: LogPosition | null }>();

  constructor(private readonly store: LogPositionStore) {}

  get(id: string, path: string): LogPosition | null {
    const e = this.live.get(id);
    return e && e.path === path ? (e.position ? { ...e.position } : null) : this.store.get(id, path);
  }

  set(id: string, path: string, position: LogPosition | null): void {
    this.live.set(id, { path, position: position ? { ...position } : null });
  }

  commit(id: string): void {
    const e = this.live.get(id);
    if (e) this.store.set(id, e.path, e.position);
  }

  /** A restarted source reads on from its committed position. */
  forget(id: string): void {
    this.live.delete(id);
  }
}

export class WeblogSources {
  private readonly entries = new Map<string, Entry>();
  private readonly live: LivePositions;
  private timer: unknown = null;
  private ticking = false;
  private stopped = false;
  private sentMessages = 0;

  constructor(private readonly deps: WeblogSourcesDeps) {
    this.live = new LivePositions(deps.positions);
  }

  get sources(): number {
    return this.entries.size;
  }

  get messages(): number {
    return this.sentMessages;
  }

  /** Switches to this list of sources (the configuration's complete list). */
  apply(sources: readonly AgentWeblogSource[]): void {
    if (this.stopped) return;
    const next = new Map(sources.map((s) => [s.id, s]));
    let changed = 0;
    let removed = 0;
    for (const [id, entry] of this.entries) {
      const source = next.get(id);
      if (source && JSON.stringify(source) === entry.key) continue;
      this.retire(entry);
      this.entries.delete(id);
      if (source) changed++;
      else removed++;
    }
    this.deps.positions.retain(new Set(next.keys()));
    let added = 0;
    for (const source of sources) {
      if (this.entries.has(source.id)) continue;
      this.begin(source);
      added++;
    }
    this.deps.positions.save();
    if (added > 0 || removed > 0) this.deps.log.info('web logs applied', { sources: this.entries.size, added: added - changed, changed, removed });
    if (this.entries.size > 0) this.arm();
    else this.disarm();
  }

  /** Stops polling and closes every file. What was read since each source's last interval is read again after the next start. */
  stop(): void {
    this.stopped = true;
    this.disarm();
    for (const entry of this.entries.values()) this.retire(entry);
    this.entries.clear();
  }

  private begin(source: AgentWeblogSource): void {
    this.live.forget(source.id);
    const committed = this.deps.positions.get(source.id, source.path);
    const tail = new WeblogTail(source, {
      positions: this.live, log: this.deps.log, maxBytesPerPoll: this.deps.maxBytesPerSlice ?? WEBLOG_BYTES_PER_SLICE,
    });
    const nowS = Math.floor(this.deps.clock.now() / 1000);
    const entry: Entry = { source, key: JSON.stringify(source), tail, ready: false, closed: false, endS: intervalEnd(nowS, source.intervalS) };
    this.entries.set(source.id, entry);
    tail.start().then(() => {
      if (entry.closed) {
        tail.close();
        return;
      }
      entry.ready = true;
      // a new source read from the end of its file: where it starts is kept at once, so that an
      // agent stopped before its first interval ends does not skip the lines written meanwhile
      if (committed === null && source.fromStart !== true) {
        this.live.commit(source.id);
        this.deps.positions.save();
      }
    }, (error: unknown) => {
      // start() only throws on a bug (its reading problems become the interval's `problem`)
      this.deps.log.error('cannot start following a web log', { source: source.id, path: source.path, error });
    });
  }

  private retire(entry: Entry): void {
    entry.closed = true;
    if (entry.ready) entry.tail.close();
    this.live.forget(entry.source.id);
  }

  private arm(): void {
    // a poll in progress arms the next when it ends
    if (this.timer !== null || this.ticking || this.stopped) return;
    const now = this.deps.clock.now();
    const delay = (Math.floor(now / 1000) + 1) * 1000 + POLL_OFFSET_MS - now;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = null;
      this.ticking = true;
      this.tick().catch((error: unknown) => {
        this.deps.log.error('polling the web logs failed', { error });
      }).finally(() => {
        this.ticking = false;
        if (this.entries.size > 0) this.arm();
      });
    }, delay);
  }

  private disarm(): void {
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** One poll of every source, then the intervals that ended. */
  private async tick(): Promise<void> {
    for (const entry of [...this.entries.values()]) {
      for (let slice = 0; slice < WEBLOG_SLICES_PER_POLL; slice++) {
        if (!entry.ready || entry.closed || this.stopped) break;
        if (!entry.tail.poll()) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    if (this.stopped) return;
    const nowS = Math.floor(this.deps.clock.now() / 1000);
    const due: WeblogInterval[] = [];
    const flushed: Entry[] = [];
    for (const entry of this.entries.values()) {
      if (!entry.ready) continue;
      const i = entry.source.intervalS;
      // a clock stepped back by more than an interval: start again from the current one
      if (entry.endS - nowS > i) entry.endS = intervalEnd(nowS, i);
      if (nowS < entry.endS) continue;
      // after a long pause (a suspended VM) the interval that ends now takes what was read
      const endS = Math.floor(nowS / i) * i;
      due.push(entry.tail.flush(endS - i, i));
      flushed.push(entry);
      entry.endS = endS + i;
    }
    if (due.length === 0) return;
    const t = Math.min(...due.map((d) => d.t));
    for (const payload of weblogMessages(due)) {
      try {
        this.deps.onMessage(t, payload);
        this.sentMessages++;
      } catch (error) {
        this.deps.log.error('cannot queue a web log message; its intervals are lost', { error });
      }
    }
    for (const entry of flushed) this.live.commit(entry.source.id);
    this.deps.positions.save();
  }
}

/** The end (unix s) of the interval of `intervalS` in progress at `nowS`. */
function intervalEnd(nowS: number, intervalS: number): number {
  return (Math.floor(nowS / intervalS) + 1) * intervalS;
}
