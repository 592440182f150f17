// The agent's on-disk queue of metrics batches (B2: no sample lost while the appliance or the
// network is away). Every batch goes through it: the sampler appends at the tail, the MQTT
// session sends from the head and removes a batch only after its PUBACK, so live data is simply
// the queue's tail and a backlog is delivered in order before it.
//
// On disk, in <state-dir>/queue/:
// - segment files of JSON lines, "<t>\t<batch JSON>\n" (t = the batch's unix time, read for the
//   age bound without parsing the JSON). Appends go to the open segment, `<seq>.jsonl`; a full
//   one is sealed by renaming it `<seq>-<records>-<last t>.jsonl`, so that opening the queue
//   never reads more than the open segment, however long the backlog. A segment is deleted once
//   every batch in it is acknowledged (or dropped).
// - `state`: the read cursor (segment, byte offset and index of the first unacknowledged batch)
//   and the count of dropped batches, rewritten in place after each acknowledgement.
//
// Bounds: total bytes and age, from the appliance's configuration (CLI defaults until then).
// Beyond either, the OLDEST batches are dropped (whole segments for the size bound; single
// batches or segments for age), counted (kept across restarts, published in the inventory as
// `queue.dropped`) and logged.
//
// Durability (the fsync policy): a batch is written (write(2)) before it can be sent, so a crash
// or restart of the agent loses nothing. A power cut can lose what the kernel had not yet
// written: the open segment is fdatasync'd one second after an append (one sync covers every
// append of that second, off the event loop), unless by then every batch in it has been
// acknowledged, which is the normal case while the appliance is reachable (no sync, no disk
// write beyond the page cache's own). A segment is synced before it is sealed. The cursor is never
// synced: after a power cut it may be behind, and a few batches are sent twice; the appliance's
// RRD files refuse an update that is not newer than the last, so a repeat costs nothing.
// A torn last line (crash in the middle of an append) is cut off when the queue is reopened.
import {
  closeSync, constants, fdatasync, fdatasyncSync, fstatSync, ftruncateSync, mkdirSync, openSync, readdirSync, readSync,
  renameSync, unlinkSync, writeSync,
} from 'node:fs';
import path from 'node:path';
import type { MetricsBatch } from '../contract/metrics.js';
import { nowSeconds, type Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';

export interface QueueBounds {
  /** bytes of segment files kept on disk */
  maxBytes: number;
  /** seconds a batch may wait */
  maxAgeS: number;
}

/** Identifies one queued batch for `ack`. */
export interface RecordId {
  seq: number;
  index: number;
}

export interface QueuedBatch {
  id: RecordId;
  /** the batch's unix time */
  t: number;
  /** the batch as JSON, exactly as appended */
  payload: string;
}

export interface QueueStats {
  /** batches waiting (not yet acknowledged) */
  waiting: number;
  /** bytes of segment files on disk */
  bytes: number;
  /** batches dropped (oldest first, over a bound) since the queue was created */
  dropped: number;
  /** unix s of the last drop, or null */
  lastDropAt: number | null;
}

export interface DiskQueueDeps {
  dir: string;
  bounds: QueueBounds;
  clock: Clock;
  log: Logger;
  /** delay of the group fdatasync after an append */
  syncDelayMs?: number;
  /** segment size; by default a sixteenth of maxBytes, between 64 KiB and 4 MiB */
  segmentBytes?: number;
}

interface Segment {
  seq: number;
  /** complete records in the file */
  records: number;
  /** unix s of its newest record (0 when empty) */
  lastT: number;
  bytes: number;
  sealed: boolean;
}

const OPEN_NAME = /^(\d{12})\.jsonl$/;
const SEALED_NAME = /^(\d{12})-(\d+)-(\d+)\.jsonl$/;
const STATE_FILE = 'state';
/** the state is rewritten in place, padded to this size, so that one write replaces it whole */
const STATE_BYTES = 256;
const NEWLINE = 0x0a;
const TAB = 0x09;

const openName = (seq: number): string => `${String(seq).padStart(12, '0')}.jsonl`;
const sealedName = (s: Segment): string => `${String(s.seq).padStart(12, '0')}-${s.records}-${s.lastT}.jsonl`;

/** The unix time a batch stands for: its snapshot's or its first sample's. */
export function batchTime(batch: MetricsBatch): number {
  return batch.x?.t ?? batch.s[0]?.t ?? 0;
}

/**
 * Checks a record line "<digits>\t{…}" (without its newline) and returns its time, or -1. The
 * JSON itself is not parsed: it is ours, and a damaged one is refused and counted by the
 * appliance like any malformed payload.
 */
export function recordTime(buffer: Buffer, start: number, end: number): number {
  let t = 0;
  let i = start;
  for (; i < end; i++) {
    const code = buffer[i] ?? 0;
    if (code === TAB) break;
    if (code < 48 || code > 57) return -1;
    t = t * 10 + (code - 48);
  }
  if (i === start || i + 2 >= end || buffer[i + 1] !== 0x7b /* { */ || buffer[end - 1] !== 0x7d /* } */) return -1;
  return t;
}

export class DiskQueue {
  readonly #dir: string;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #syncDelayMs: number;
  readonly #fixedSegmentBytes: number | undefined;
  #bounds: QueueBounds;
  /** oldest first; the last one is open when not sealed */
  #segments: Segment[] = [];
  #writeFd: number | null = null;
  #stateFd: number;
  #syncTimer: unknown = null;
  #closed = false;
  /** the highest segment number used, so that numbers never repeat while the queue lives */
  #lastSeq = 0;

  // the read side: the head segment's file, the cursor and records read ahead of it
  #readFd: number | null = null;
  #readSeq = -1;
  /** byte offset and index of the first unacknowledged record in the head segment */
  #cursorOffset = 0;
  #cursorIndex = 0;
  /** where reading ahead continues */
  #readOffset = 0;
  #ahead: (QueuedBatch & { end: number })[] = [];
  #readBuffer = Buffer.allocUnsafe(64 * 1024);

  #dropped = 0;
  #lastDropAt: number | null = null;

  constructor(deps: DiskQueueDeps) {
    this.#dir = deps.dir;
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#bounds = { ...deps.bounds };
    this.#syncDelayMs = deps.syncDelayMs ?? 1000;
    this.#fixedSegmentBytes = deps.segmentBytes;
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    // read-write without O_APPEND: on Linux a positioned write to an O_APPEND file appends
    this.#stateFd = openSync(path.join(this.#dir, STATE_FILE), constants.O_RDWR | constants.O_CREAT, 0o600);
    this.#open();
  }

  // ---- opening ---------------------------------------------------------------------------------

  #open(): void {
    const found: Segment[] = [];
    for (const name of readdirSync(this.#dir)) {
      const sealed = SEALED_NAME.exec(name);
      if (sealed) {
        found.push({ seq: Number(sealed[1]), records: Number(sealed[2]), lastT: Number(sealed[3]), bytes: -1, sealed: true });
        continue;
      }
      const open = OPEN_NAME.exec(name);
      if (open) found.push({ seq: Number(open[1]), records: 0, lastT: 0, bytes: -1, sealed: false });
    }
    found.sort((a, b) => a.seq - b.seq);
    this.#lastSeq = found.at(-1)?.seq ?? 0;
    for (const [n, segment] of found.entries()) {
      if (segment.sealed) {
        const fd = openSync(this.#path(segment), 'r');
        segment.bytes = fstatSync(fd).size;
        closeSync(fd);
      } else {
        this.#recover(segment);
        // an open segment that is not the last: the agent stopped between sealing and renaming
        if (n < found.length - 1 && segment.bytes > 0) this.#seal(segment, null);
      }
      if (segment.bytes === 0 && (segment.sealed || n < found.length - 1)) unlinkSync(this.#path(segment));
    }
    this.#segments = found.filter((s, n) => s.bytes > 0 || (!s.sealed && n === found.length - 1));
    this.#readState();
    const last = this.#segments.at(-1);
    if (last && !last.sealed) this.#writeFd = openSync(this.#path(last), 'a');
    this.#enforceBounds();
  }

  /** Counts the records of an open segment and cuts off a torn or damaged tail. */
  #recover(segment: Segment): void {
    const file = this.#path(segment);
    const fd = openSync(file, 'r+');
    try {
      const size = fstatSync(fd).size;
      let offset = 0;
      let good = 0;
      let buffer = Buffer.allocUnsafe(Math.min(Math.max(size, 1), 1024 * 1024));
      let carry = 0;
      while (offset < size) {
        const n = readSync(fd, buffer, carry, buffer.length - carry, offset);
        if (n === 0) break;
        offset += n;
        const filled = carry + n;
        let start = 0;
        for (;;) {
          const end = buffer.indexOf(NEWLINE, start);
          if (end < 0 || end >= filled) break;
          const t = recordTime(buffer, start, end);
          if (t < 0) {
            offset = size; // damaged: everything from here on is suspect
            break;
          }
          segment.records++;
          segment.lastT = Math.max(segment.lastT, t);
          good += end + 1 - start;
          start = end + 1;
        }
        if (offset >= size) break;
        carry = filled - start;
        if (carry === buffer.length) {
          const bigger = Buffer.allocUnsafe(buffer.length * 2); // one record longer than the buffer
          buffer.copy(bigger, 0, start, filled);
          buffer = bigger;
        } else {
          buffer.copy(buffer, 0, start, filled);
        }
      }
      if (good < size) {
        this.#log.warn('queue: cut off a torn or damaged end of a segment (an append interrupted by a crash)', {
          file, keptBytes: good, cutBytes: size - good,
        });
        ftruncateSync(fd, good);
      }
      segment.bytes = good;
    } finally {
      closeSync(fd);
    }
  }

  #readState(): void {
    const buffer = Buffer.alloc(STATE_BYTES);
    const n = readSync(this.#stateFd, buffer, 0, STATE_BYTES, 0);
    let state: { seq?: unknown; offset?: unknown; index?: unknown; dropped?: unknown; lastDropAt?: unknown } = {};
    if (n > 0) {
      try {
        state = JSON.parse(buffer.toString('utf8', 0, n)) as typeof state;
      } catch {
        this.#log.warn('queue: the cursor file is damaged; the oldest batches on disk may be sent again');
      }
    }
    const num = (v: unknown): number => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0);
    this.#dropped = num(state.dropped);
    this.#lastDropAt = typeof state.lastDropAt === 'number' ? state.lastDropAt : null;
    const head = this.#segments[0];
    if (!head) return;
    const seq = num(state.seq);
    const at = this.#segments.find((s) => s.seq === seq);
    // the cursor's segment is the head (anything before it was deleted after being acknowledged)
    if (at === head && num(state.offset) <= head.bytes && num(state.index) <= head.records) {
      this.#setHead(head, num(state.offset), num(state.index));
    } else {
      this.#setHead(head, 0, 0);
    }
  }

  #writeState(): void {
    const text = JSON.stringify({
      seq: this.#readSeq, offset: this.#cursorOffset, index: this.#cursorIndex,
      dropped: this.#dropped, lastDropAt: this.#lastDropAt,
    });
    writeSync(this.#stateFd, text.padEnd(STATE_BYTES, ' '), 0, 'utf8');
  }

  #path(segment: Segment): string {
    return path.join(this.#dir, segment.sealed ? sealedName(segment) : openName(segment.seq));
  }

  // ---- writing ---------------------------------------------------------------------------------

  #segmentBytes(): number {
    return this.#fixedSegmentBytes ?? Math.min(4 * 1024 * 1024, Math.max(64 * 1024, Math.floor(this.#bounds.maxBytes / 16)));
  }

  /** Appends one batch at the tail; then drops the oldest if a bound is exceeded. */
  append(batch: MetricsBatch): void {
    this.appendRecord(batchTime(batch), JSON.stringify(batch));
  }

  /**
   * Appends one record, a JSON object (`{…}`, one line) standing for unix time `t`: the web-log
   * queue's messages (agent/weblog/weblog-sources.ts) take this way, the metrics batches `append`.
   */
  appendRecord(t: number, json: string): void {
    if (this.#closed) throw new Error('queue closed');
    const line = `${t}\t${json}\n`;
    const bytes = Buffer.byteLength(line);
    let tail = this.#segments.at(-1);
    if (tail && !tail.sealed && tail.bytes > 0 && tail.bytes + bytes > this.#segmentBytes()) {
      this.#seal(tail, this.#writeFd);
      this.#writeFd = null;
    }
    tail = this.#segments.at(-1);
    if (!tail || tail.sealed) {
      tail = { seq: ++this.#lastSeq, records: 0, lastT: 0, bytes: 0, sealed: false };
      this.#segments.push(tail);
      this.#writeFd = openSync(this.#path(tail), 'a', 0o600);
      if (this.#segments.length === 1) this.#setHead(tail, 0, 0);
    }
    if (this.#writeFd === null) this.#writeFd = openSync(this.#path(tail), 'a', 0o600);
    writeSync(this.#writeFd, line);
    // the reader has read everything before this record (the normal case: the appliance keeps
    // up): it takes the record from here rather than reading back and decoding what was just written
    if (this.#readSeq === tail.seq && this.#readOffset === tail.bytes) {
      this.#ahead.push({
        id: { seq: tail.seq, index: this.#cursorIndex + this.#ahead.length },
        t, payload: line.slice(line.indexOf('\t') + 1, -1), end: tail.bytes + bytes,
      });
      this.#readOffset = tail.bytes + bytes;
    }
    tail.bytes += bytes;
    tail.records++;
    tail.lastT = Math.max(tail.lastT, t);
    this.#enforceBounds();
    this.#scheduleSync();
  }

  /** Syncs and renames an open segment to its sealed name; `fd` is closed. */
  #seal(segment: Segment, fd: number | null): void {
    const before = this.#path(segment);
    if (fd !== null) {
      fdatasyncSync(fd);
      closeSync(fd);
    }
    segment.sealed = true;
    // a reader's descriptor on this file stays valid across the rename
    renameSync(before, this.#path(segment));
  }

  #scheduleSync(): void {
    if (this.#syncTimer !== null) return;
    this.#syncTimer = this.#clock.setTimeout(() => {
      this.#syncTimer = null;
      const tail = this.#segments.at(-1);
      if (this.#closed || this.#writeFd === null || !tail || tail.sealed) return;
      // everything written has been acknowledged: the appliance has it, no need to make it durable
      if (this.#readSeq === tail.seq && this.#cursorIndex === tail.records) return;
      fdatasync(this.#writeFd, (error) => {
        // EBADF: the segment was sealed (and synced) meanwhile
        if (error && error.code !== 'EBADF' && !this.#closed) this.#log.warn('queue: fdatasync failed', { error });
      });
    }, this.#syncDelayMs);
  }

  // ---- bounds ----------------------------------------------------------------------------------

  setBounds(bounds: QueueBounds): void {
    this.#bounds = { ...bounds };
    this.#enforceBounds();
  }

  get bounds(): QueueBounds {
    return { ...this.#bounds };
  }

  #enforceBounds(): void {
    const oldestKept = nowSeconds(this.#clock) - this.#bounds.maxAgeS;
    let droppedNow = 0;
    let reason = '';
    // whole segments: over the size bound (never the open tail), or entirely too old
    for (;;) {
      const head = this.#segments[0];
      if (!head) break;
      const total = this.#segments.reduce((sum, s) => sum + s.bytes, 0);
      const overSize = total > this.#bounds.maxBytes && this.#segments.length > 1;
      const tooOld = head.records > 0 && head.lastT < oldestKept;
      if (!overSize && !tooOld) break;
      const unacked = head.records - (this.#readSeq === head.seq ? this.#cursorIndex : 0);
      droppedNow += unacked;
      reason = overSize ? `over the queue's ${this.#bounds.maxBytes} bytes` : `older than ${this.#bounds.maxAgeS} s`;
      this.#deleteHead();
    }
    if (droppedNow > 0) this.#recordDrop(droppedNow, reason);
  }

  #recordDrop(count: number, reason: string): void {
    this.#dropped += count;
    this.#lastDropAt = nowSeconds(this.#clock);
    this.#log.warn(`queue: dropped the ${count} oldest unsent batches (${reason})`, {
      droppedTotal: this.#dropped, waiting: this.waiting,
    });
    this.#writeState();
  }

  /** Removes the head segment (acknowledged, dropped or empty) and moves the cursor on. */
  #deleteHead(): void {
    const head = this.#segments.shift();
    if (!head) return;
    if (this.#readSeq === head.seq) this.#closeReader();
    if (!head.sealed && this.#writeFd !== null) {
      closeSync(this.#writeFd);
      this.#writeFd = null;
    }
    try {
      unlinkSync(this.#path(head));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const next = this.#segments[0];
    if (next) this.#setHead(next, 0, 0);
    else this.#readSeq = -1;
    this.#writeState();
  }

  // ---- reading ---------------------------------------------------------------------------------

  #setHead(segment: Segment, offset: number, index: number): void {
    if (this.#readSeq !== segment.seq) this.#closeReader();
    this.#readSeq = segment.seq;
    this.#cursorOffset = offset;
    this.#cursorIndex = index;
    this.#readOffset = offset;
    this.#ahead = [];
  }

  #closeReader(): void {
    if (this.#readFd !== null) closeSync(this.#readFd);
    this.#readFd = null;
    this.#ahead = [];
  }

  /** Reads records ahead of the cursor from the head segment; false when it has no more. */
  #readAhead(head: Segment): boolean {
    if (this.#readOffset >= head.bytes) return false;
    if (this.#readFd === null) this.#readFd = openSync(this.#path(head), 'r');
    const readIndexBase = this.#cursorIndex + this.#ahead.length;
    let n: number;
    for (;;) {
      const wanted = Math.min(this.#readBuffer.length, head.bytes - this.#readOffset);
      n = readSync(this.#readFd, this.#readBuffer, 0, wanted, this.#readOffset);
      const newline = this.#readBuffer.indexOf(NEWLINE);
      if (newline >= 0 && newline < n) break;
      if (n < wanted || wanted >= head.bytes - this.#readOffset) {
        // the file is not what this queue wrote (changed behind its back): skip the rest of it
        this.#log.error('queue: a segment ends without a newline; its rest is skipped', {
          segment: this.#path(head), offset: this.#readOffset, bytes: head.bytes - this.#readOffset,
        });
        this.#ahead.push({ id: { seq: head.seq, index: readIndexBase }, t: 0, payload: '', end: head.bytes });
        this.#readOffset = head.bytes;
        return true;
      }
      // one record longer than the buffer (a big routes snapshot): grow it
      this.#readBuffer = Buffer.allocUnsafe(this.#readBuffer.length * 2);
    }
    let start = 0;
    let index = readIndexBase;
    for (;;) {
      const end = this.#readBuffer.indexOf(NEWLINE, start);
      if (end < 0 || end >= n) break;
      const t = recordTime(this.#readBuffer, start, end);
      const tab = this.#readBuffer.indexOf(TAB, start);
      this.#ahead.push({
        id: { seq: head.seq, index },
        t: Math.max(t, 0),
        payload: t < 0 ? '' : this.#readBuffer.toString('utf8', tab + 1, end),
        end: this.#readOffset + end + 1,
      });
      index++;
      start = end + 1;
    }
    this.#readOffset += start;
    return true;
  }

  /**
   * The oldest unacknowledged batch, or null when none waits. Batches past the age bound are
   * dropped (counted) on the way; the same batch is returned until it is acknowledged.
   */
  peek(): QueuedBatch | null {
    const oldestKept = nowSeconds(this.#clock) - this.#bounds.maxAgeS;
    let expired = 0;
    for (;;) {
      const head = this.#segments[0];
      if (!head) break;
      const next = this.#ahead[0];
      if (next) {
        if (next.t >= oldestKept && next.payload !== '') {
          if (expired > 0) this.#recordDrop(expired, `older than ${this.#bounds.maxAgeS} s`);
          return { id: next.id, t: next.t, payload: next.payload };
        }
        if (next.payload !== '') expired++;
        this.#advance(next);
        continue;
      }
      if (this.#readAhead(head)) continue;
      if (!head.sealed) break; // the open tail is exhausted: the queue is empty
      this.#deleteHead(); // sealed and fully read and acknowledged
    }
    if (expired > 0) this.#recordDrop(expired, `older than ${this.#bounds.maxAgeS} s`);
    return null;
  }

  #advance(record: { end: number }): void {
    this.#ahead.shift();
    this.#cursorOffset = record.end;
    this.#cursorIndex++;
  }

  /** Removes a batch after its PUBACK. An id that is not the head's (dropped meanwhile) is ignored. */
  ack(id: RecordId): void {
    const next = this.#ahead[0];
    if (!next || next.id.seq !== id.seq || next.id.index !== id.index) return;
    this.#advance(next);
    const head = this.#segments[0];
    if (head?.sealed && this.#cursorIndex >= head.records) this.#deleteHead();
    else this.#writeState();
  }

  get waiting(): number {
    let waiting = 0;
    for (const segment of this.#segments) waiting += segment.records;
    const head = this.#segments[0];
    return head && this.#readSeq === head.seq ? waiting - this.#cursorIndex : waiting;
  }

  stats(): QueueStats {
    return {
      waiting: this.waiting,
      bytes: this.#segments.reduce((sum, s) => sum + s.bytes, 0),
      dropped: this.#dropped,
      lastDropAt: this.#lastDropAt,
    };
  }

  /** Syncs the open segment and the cursor, closes every file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#syncTimer !== null) this.#clock.clearTimeout(this.#syncTimer);
    this.#syncTimer = null;
    this.#writeState();
    if (this.#writeFd !== null) {
      fdatasyncSync(this.#writeFd);
      closeSync(this.#writeFd);
    }
    this.#writeFd = null;
    this.#closeReader();
    closeSync(this.#stateFd);
  }
}
