// The remote-write queue on disk (S19, B8): stored batches wait here until the endpoint accepts
// them, so a WAN outage of hours is sent afterwards, oldest first, and a restart of the appliance
// loses none of it. Segment files of JSON lines (one stored batch a line, its labels resolved),
// appended in order; a cursor file says how far the sender got. Bounded in bytes: at the bound
// the oldest segment is dropped and its samples counted (the sender's dropped counter, /metrics).
// Appends are buffered and written every FLUSH_MS (or at SEGMENT_BYTES): a crash loses at most
// that much forwarding, never a stored sample (the RRD store has its own journal).
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Sample } from '../../contract/metrics.js';
import type { SeriesOrigin } from './sample-series.js';

/** One stored batch of one agent, as it waits to be sent. */
export interface QueuedBatch {
  o: SeriesOrigin;
  s: Pick<Sample, 't' | 'f' | 'k' | 'v'>[];
}

export interface RemoteWriteQueueOptions {
  dir: string;
  maxBytes: number;
  /** a segment is closed and a new one begun past this size */
  segmentBytes?: number;
  /** told how many samples were dropped at the bound */
  onDropped?: (samples: number) => void;
}

export interface QueueChunk {
  batches: QueuedBatch[];
  /** what `ack` needs to move past these */
  end: { segment: number; offset: number };
  samples: number;
  /** bytes of the queue these batches took */
  bytes: number;
}

const SEGMENT_BYTES = 4 << 20;
const FLUSH_BYTES = 256 << 10;
const CURSOR_FILE = 'cursor.json';
const SEGMENT_NAME = /^(\d{12})\.jsonl$/;

function valuesIn(batch: QueuedBatch): number {
  let n = 0;
  for (const s of batch.s) for (const v of Object.values(s.v)) if (v !== null) n++;
  return n;
}

function segmentFile(dir: string, n: number): string {
  return path.join(dir, `${String(n).padStart(12, '0')}.jsonl`);
}

export class RemoteWriteQueue {
  private readonly segmentBytes: number;
  /** segment numbers on disk, oldest first, with their sizes (the last is appended to) */
  private readonly segments: { n: number; bytes: number; samples: number }[] = [];
  private cursor = { segment: 0, offset: 0 };
  private pending: string[] = [];
  private pendingBytes = 0;
  private pendingSamples = 0;
  private samplesAcked = 0;
  /** the cursor moved since it was last written (it is written at the next flush) */
  private cursorDirty = false;

  constructor(private readonly opts: RemoteWriteQueueOptions) {
    this.segmentBytes = opts.segmentBytes ?? SEGMENT_BYTES;
    mkdirSync(opts.dir, { recursive: true, mode: 0o750 });
    for (const name of readdirSync(opts.dir).sort()) {
      const m = SEGMENT_NAME.exec(name);
      if (!m) continue;
      const file = path.join(opts.dir, name);
      this.segments.push({ n: Number(m[1]), bytes: statSync(file).size, samples: this.countSamples(file, 0) });
    }
    try {
      const c = JSON.parse(readFileSync(path.join(opts.dir, CURSOR_FILE), 'utf8')) as { segment: number; offset: number };
      if (Number.isInteger(c.segment) && Number.isInteger(c.offset)) this.cursor = c;
    } catch {
      // none yet, or torn: from the oldest segment's start (a resend is harmless, a receiver drops duplicates)
    }
    if (this.segments.length === 0) this.segments.push({ n: Math.max(1, this.cursor.segment), bytes: 0, samples: 0 });
    const head = this.segments[0] as { n: number; bytes: number; samples: number };
    // the cursor names a segment on disk; else the oldest one is next, from its start
    if (!this.segments.some((s) => s.n === this.cursor.segment)) this.cursor = { segment: head.n, offset: 0 };
    if (this.cursor.segment === head.n && this.cursor.offset > 0) this.samplesAcked = head.samples - this.countSamples(segmentFile(opts.dir, head.n), this.cursor.offset);
  }

  /** Queues one stored batch (written within FLUSH_MS, or now past FLUSH_BYTES). */
  append(batch: QueuedBatch): void {
    const line = JSON.stringify(batch) + '\n';
    this.pending.push(line);
    this.pendingBytes += Buffer.byteLength(line);
    this.pendingSamples += valuesIn(batch);
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  /**
   * Writes what is buffered to the last segment, opening a new one past its size, keeps the bound,
   * and writes the cursor if the sender moved it. The cursor is written here (every FLUSH_MS)
   * rather than at each ack: a rename per request was a tenth of the sender's CPU in
   * scripts/bench/remote-write.ts, and a crash
   * between two flushes only resends what the endpoint already took (it drops duplicates).
   */
  flush(): void {
    this.writePending();
    if (this.cursorDirty) this.saveCursor();
  }

  private writePending(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    const samples = this.pendingSamples;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingSamples = 0;
    let tail = this.segments[this.segments.length - 1] ?? { n: 1, bytes: 0, samples: 0 };
    if (tail.bytes >= this.segmentBytes) {
      tail = { n: tail.n + 1, bytes: 0, samples: 0 };
      this.segments.push(tail);
    }
    const fd = openSync(segmentFile(this.opts.dir, tail.n), 'a', 0o640);
    try {
      const buf = Buffer.from(text);
      writeSync(fd, buf);
      tail.bytes += buf.byteLength;
      tail.samples += samples;
    } finally {
      closeSync(fd);
    }
    this.keepBound();
  }

  /** The oldest batches not yet acknowledged, up to about `maxBytes` of them (at least one). */
  peek(maxBytes: number): QueueChunk | null {
    this.writePending();
    for (;;) {
      const seg = this.segments.find((s) => s.n === this.cursor.segment);
      if (!seg) return null;
      if (this.cursor.offset < seg.bytes) break;
      // this segment is sent: on to the next one, if there is one
      const next = this.segments[this.segments.indexOf(seg) + 1];
      if (!next) return null;
      this.dropHead();
    }
    const seg = this.cursor.segment;
    const file = segmentFile(this.opts.dir, seg);
    const fd = openSync(file, 'r');
    let text: string;
    try {
      const size = this.segments.find((s) => s.n === seg)?.bytes ?? 0;
      const want = Math.min(size - this.cursor.offset, Math.max(maxBytes, 1));
      let buf = Buffer.alloc(want);
      let got = readSync(fd, buf, 0, want, this.cursor.offset);
      // a single line longer than maxBytes: read on to its end
      while (buf.subarray(0, got).lastIndexOf(10) < 0 && this.cursor.offset + got < size) {
        const more = Buffer.alloc(Math.min(size - this.cursor.offset - got, 1 << 20));
        const n = readSync(fd, more, 0, more.length, this.cursor.offset + got);
        buf = Buffer.concat([buf.subarray(0, got), more.subarray(0, n)]);
        got += n;
      }
      const end = buf.subarray(0, got).lastIndexOf(10) + 1;
      text = buf.subarray(0, end).toString('utf8');
    } finally {
      closeSync(fd);
    }
    const batches: QueuedBatch[] = [];
    let samples = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        const b = JSON.parse(line) as QueuedBatch;
        batches.push(b);
        samples += valuesIn(b);
      } catch {
        // a torn line from a crash mid-write: skipped
      }
    }
    const bytes = Buffer.byteLength(text);
    return { batches, samples, bytes, end: { segment: seg, offset: this.cursor.offset + bytes } };
  }

  /** The chunk `peek` gave was sent (or dropped): the cursor moves past it (on disk at the next flush). */
  ack(chunk: QueueChunk): void {
    if (chunk.end.segment !== this.cursor.segment || chunk.end.offset <= this.cursor.offset) return;
    this.cursor = { ...chunk.end };
    this.samplesAcked += chunk.samples;
    const seg = this.segments.find((s) => s.n === this.cursor.segment);
    if (seg && this.cursor.offset >= seg.bytes && this.segments.indexOf(seg) < this.segments.length - 1) this.dropHead();
    else this.cursorDirty = true;
  }

  /**
   * The time (unix s) of the oldest sample not yet acknowledged, null when none: how far behind the
   * endpoint is (GET /api/v1/federation status.oldestQueuedAt). Reads the first waiting line.
   */
  oldestSampleTime(): number | null {
    const chunk = this.peek(4096);
    const first = chunk?.batches[0];
    if (!first) return null;
    let t = Infinity;
    for (const s of first.s) if (s.t < t) t = s.t;
    return Number.isFinite(t) ? t : null;
  }

  get bytes(): number {
    return this.segments.reduce((a, s) => a + s.bytes, 0) + this.pendingBytes;
  }

  /** samples waiting (written or buffered) */
  get samples(): number {
    return this.segments.reduce((a, s) => a + s.samples, 0) - this.samplesAcked + this.pendingSamples;
  }

  /** Empties the queue (the endpoint was removed or changed). */
  clear(): void {
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingSamples = 0;
    for (const s of this.segments) rmSync(segmentFile(this.opts.dir, s.n), { force: true });
    const next = (this.segments[this.segments.length - 1]?.n ?? 0) + 1;
    this.segments.length = 0;
    this.segments.push({ n: next, bytes: 0, samples: 0 });
    this.cursor = { segment: next, offset: 0 };
    this.samplesAcked = 0;
    this.saveCursor();
  }

  /** Removes the head segment (sent, or dropped at the bound) and moves the cursor to the next. */
  private dropHead(): void {
    const head = this.segments.shift();
    if (!head) return;
    rmSync(segmentFile(this.opts.dir, head.n), { force: true });
    const unsent = head.n === this.cursor.segment ? head.samples - this.samplesAcked : head.samples;
    const next = this.segments[0] ?? { n: head.n + 1, bytes: 0, samples: 0 };
    if (this.segments.length === 0) this.segments.push(next);
    if (this.cursor.segment <= head.n) {
      this.cursor = { segment: next.n, offset: 0 };
      this.samplesAcked = 0;
    }
    this.saveCursor();
    if (unsent > 0) this.opts.onDropped?.(unsent);
  }

  /** At the bound: the oldest segments go, never the one being appended. */
  private keepBound(): void {
    while (this.bytes > this.opts.maxBytes && this.segments.length > 1) this.dropHead();
  }

  private saveCursor(): void {
    const file = path.join(this.opts.dir, CURSOR_FILE);
    writeFileSync(file + '.tmp', JSON.stringify(this.cursor));
    renameSync(file + '.tmp', file);
    this.cursorDirty = false;
  }

  /** Samples in a segment from byte `from` (at start, and for the cursor's segment). */
  private countSamples(file: string, from: number): number {
    let n = 0;
    for (const line of readFileSync(file).subarray(from).toString('utf8').split('\n')) {
      if (line === '') continue;
      try {
        n += valuesIn(JSON.parse(line) as QueuedBatch);
      } catch {
        // torn line
      }
    }
    return n;
  }
}
