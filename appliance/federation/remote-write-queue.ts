// The remote-write queue on disk (S19, B8): stored batches wait here until the endpoint accepts
// them, so a WAN outage of hours is sent afterwards, oldest first, and a restart of the appliance
// loses none of it. Bounded in bytes: at the bound the oldest segment is dropped and its samples
// counted (the sender's dropped counter, /metrics).
//
// What is queued is the request itself. Appended batches are held in memory and, every FLUSH_MS
// (the federation feature's timer) or once a full round has arrived, encoded into snappy-compressed
// WriteRequests (RemoteWriteEncoder: split by host over up to `requestsPerRound`) and appended to
// the segment as records, each a request's body as it goes on the wire. The sender posts a record
// as it is; nothing is encoded twice, and a retry or an outage's drain costs a file read, not an
// encoding. Before this the queue held JSON lines that the sender parsed and encoded at each send:
// JSON both ways was about a third of remote write's CPU (docs/benchmarks.md "Remote write end to
// end"), and a compressed request is smaller on disk than the JSON (16 against 24 bytes a sample).
//
// A record: a 20-byte header (magic, body length, samples, oldest sample time, the shard of its
// round and the round's shard count), then the body. The records of one flush are one round's
// requests: split by host, so that no series is in two of them and they can be sent side by side.
// A crash loses at most FLUSH_MS of forwarding, never a stored sample (the RRD store has its own
// journal); a record torn by a crash is cut off when the queue is next opened.
import { closeSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { QueuedBatch } from './queued-batch.js';
import { RemoteWriteEncoder } from './remote-write-encoding.js';

export type { QueuedBatch, QueuedSample } from './queued-batch.js';

export interface RemoteWriteQueueOptions {
  dir: string;
  maxBytes: number;
  /** a segment is closed and a new one begun past this size */
  segmentBytes?: number;
  /** requests a round is split into at most (remoteWrite.parallelRequests); default 1 */
  requestsPerRound?: number;
  /** told how many samples were dropped at the bound */
  onDropped?: (samples: number) => void;
}

/** One round: requests that may be sent side by side (no series in two of them). */
export interface QueueChunk {
  /** snappy-compressed WriteRequests, as they go on the wire */
  bodies: Buffer[];
  /** forwarded samples in each body */
  samplesPerBody: number[];
  /** what `ack` needs to move past these */
  end: { segment: number; offset: number };
  samples: number;
  /** bytes of the queue these records took */
  bytes: number;
}

/** about Prometheus's own max_samples_per_send: a request of a round holds about this many */
export const SAMPLES_PER_REQUEST = 2000;
const SEGMENT_BYTES = 4 << 20;
const CURSOR_FILE = 'cursor.json';
const SEGMENT_NAME = /^(\d{12})\.rwq$/;
/** the JSON-lines segments of the queue before records (migrated when found) */
const LEGACY_SEGMENT_NAME = /^(\d{12})\.jsonl$/;
const MAGIC = 0x52575131; // "RWQ1"
const HEADER_BYTES = 20;
/** a body longer than this is a corrupt header (a round's request is at most a few hundred kB) */
const MAX_BODY_BYTES = 64 << 20;

interface RecordHeader {
  bodyBytes: number;
  samples: number;
  oldest: number;
  shard: number;
  shards: number;
}

function readHeader(buf: Buffer, at = 0): RecordHeader | null {
  if (buf.length - at < HEADER_BYTES || buf.readUInt32LE(at) !== MAGIC) return null;
  const bodyBytes = buf.readUInt32LE(at + 4);
  if (bodyBytes > MAX_BODY_BYTES) return null;
  return { bodyBytes, samples: buf.readUInt32LE(at + 8), oldest: buf.readUInt32LE(at + 12), shard: buf.readUInt16LE(at + 16), shards: buf.readUInt16LE(at + 18) };
}

function header(h: RecordHeader): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_BYTES);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(h.bodyBytes, 4);
  buf.writeUInt32LE(h.samples, 8);
  buf.writeUInt32LE(Math.max(0, Math.min(0xffffffff, Math.floor(h.oldest))), 12);
  buf.writeUInt16LE(h.shard, 16);
  buf.writeUInt16LE(h.shards, 18);
  return buf;
}

/** Forwarded samples in a batch: its non-null values. */
export function valuesIn(batch: QueuedBatch): number {
  let n = 0;
  for (const s of batch.s) {
    for (const f in s.v) if (s.v[f] !== null && s.v[f] !== undefined) n++;
  }
  return n;
}

function segmentFile(dir: string, n: number): string {
  return path.join(dir, `${String(n).padStart(12, '0')}.rwq`);
}

/** The whole records in a segment's bytes: their total length and samples (a torn tail left out). */
function scanRecords(buf: Buffer, from: number): { bytes: number; samples: number } {
  let at = from;
  let samples = 0;
  for (;;) {
    const h = readHeader(buf, at);
    if (!h || at + HEADER_BYTES + h.bodyBytes > buf.length) break;
    samples += h.samples;
    at += HEADER_BYTES + h.bodyBytes;
  }
  return { bytes: at - from, samples };
}

export class RemoteWriteQueue {
  private readonly segmentBytes: number;
  private readonly requestsPerRound: number;
  private readonly encoder = new RemoteWriteEncoder();
  /** segment numbers on disk, oldest first, with their sizes (the last is appended to) */
  private readonly segments: { n: number; bytes: number; samples: number }[] = [];
  private cursor = { segment: 0, offset: 0 };
  private pending: QueuedBatch[] = [];
  private pendingSamples = 0;
  private samplesAcked = 0;
  /** the cursor moved since it was last written (it is written at the next flush) */
  private cursorDirty = false;

  constructor(private readonly opts: RemoteWriteQueueOptions) {
    this.segmentBytes = opts.segmentBytes ?? SEGMENT_BYTES;
    this.requestsPerRound = Math.max(1, Math.floor(opts.requestsPerRound ?? 1));
    mkdirSync(opts.dir, { recursive: true, mode: 0o750 });
    const names = readdirSync(opts.dir).sort();
    for (const name of names) {
      const m = SEGMENT_NAME.exec(name);
      if (!m) continue;
      const file = path.join(opts.dir, name);
      const whole = scanRecords(readFileSync(file), 0);
      // a record torn by a crash mid-write: cut off, so that the next append follows a whole one
      if (whole.bytes < statSync(file).size) this.truncate(file, whole.bytes);
      this.segments.push({ n: Number(m[1]), bytes: whole.bytes, samples: whole.samples });
    }
    try {
      const c = JSON.parse(readFileSync(path.join(opts.dir, CURSOR_FILE), 'utf8')) as { segment: number; offset: number };
      if (Number.isInteger(c.segment) && Number.isInteger(c.offset)) this.cursor = c;
    } catch {
      // none yet, or torn: from the oldest segment's start (a resend is harmless, a receiver drops duplicates)
    }
    const legacy = this.readLegacySegments(names);
    if (this.segments.length === 0) this.segments.push({ n: Math.max(1, this.cursor.segment, legacy.lastSegment + 1), bytes: 0, samples: 0 });
    const head = this.segments[0] as { n: number; bytes: number; samples: number };
    // the cursor names a segment on disk at a record's start; else the oldest one is next, from its start
    if (!this.segments.some((s) => s.n === this.cursor.segment) || this.cursor.offset > head.bytes) this.cursor = { segment: head.n, offset: 0 };
    if (this.cursor.segment === head.n && this.cursor.offset > 0) {
      this.samplesAcked = head.samples - scanRecords(readFileSync(segmentFile(opts.dir, head.n)), this.cursor.offset).samples;
    }
    if (legacy.batches.length > 0) {
      for (const b of legacy.batches) this.append(b);
      this.flush();
      this.saveCursor();
    }
    for (const name of legacy.files) rmSync(path.join(opts.dir, name), { force: true });
  }

  /** Queues one stored batch (encoded within FLUSH_MS, or at once when a full round has arrived). */
  append(batch: QueuedBatch): void {
    this.pending.push(batch);
    this.pendingSamples += valuesIn(batch);
    if (this.pendingSamples >= SAMPLES_PER_REQUEST * this.requestsPerRound) this.writePending();
  }

  /**
   * Encodes what is buffered into a round of requests and appends them to the last segment,
   * opening a new one past its size, keeps the bound, and writes the cursor if the sender moved
   * it. The cursor is written here (every FLUSH_MS) rather than at each ack: a rename per request
   * was a tenth of the sender's CPU in scripts/bench/remote-write.ts, and a crash between two
   * flushes only resends what the endpoint already took (it drops duplicates).
   */
  flush(): void {
    this.writePending();
    if (this.cursorDirty) this.saveCursor();
  }

  private writePending(): void {
    if (this.pending.length === 0) return;
    const batches = this.pending;
    const shards = Math.min(this.requestsPerRound, Math.ceil(this.pendingSamples / SAMPLES_PER_REQUEST));
    this.pending = [];
    this.pendingSamples = 0;
    const round = this.encoder.encode(batches, shards);
    if (round.bodies.length === 0) return;
    const parts: Uint8Array[] = [];
    let samples = 0;
    round.bodies.forEach((body, i) => {
      const n = round.samples[i] ?? 0;
      parts.push(header({ bodyBytes: body.byteLength, samples: n, oldest: round.oldest[i] ?? 0, shard: round.shards[i] ?? 0, shards }), body);
      samples += n;
    });
    let tail = this.segments[this.segments.length - 1] ?? { n: 1, bytes: 0, samples: 0 };
    if (tail.bytes >= this.segmentBytes) {
      tail = { n: tail.n + 1, bytes: 0, samples: 0 };
      this.segments.push(tail);
    }
    const fd = openSync(segmentFile(this.opts.dir, tail.n), 'a', 0o640);
    try {
      const buf = Buffer.concat(parts);
      writeSync(fd, buf);
      tail.bytes += buf.byteLength;
      tail.samples += samples;
    } finally {
      closeSync(fd);
    }
    this.keepBound();
  }

  /**
   * The oldest round not yet acknowledged: the next records of one segment that may be sent side
   * by side (written by one flush, or by flushes of the same split, each shard at most once), up
   * to `maxRequests`; null when nothing waits.
   */
  peek(maxRequests: number = this.requestsPerRound): QueueChunk | null {
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
    const segment = this.cursor.segment;
    const size = this.segments.find((s) => s.n === segment)?.bytes ?? 0;
    const fd = openSync(segmentFile(this.opts.dir, segment), 'r');
    const bodies: Buffer[] = [];
    const samplesPerBody: number[] = [];
    const taken = new Set<number>();
    let at = this.cursor.offset;
    let split = 0;
    try {
      const head = Buffer.allocUnsafe(HEADER_BYTES);
      while (bodies.length < Math.max(1, maxRequests) && at + HEADER_BYTES <= size) {
        if (readSync(fd, head, 0, HEADER_BYTES, at) < HEADER_BYTES) break;
        const h = readHeader(head);
        if (!h) break;
        // a series may be in the next round too: only records of the same split, each shard once
        if (bodies.length > 0 && (h.shards !== split || taken.has(h.shard))) break;
        split = h.shards;
        taken.add(h.shard);
        const body = Buffer.allocUnsafe(h.bodyBytes);
        if (readSync(fd, body, 0, h.bodyBytes, at + HEADER_BYTES) < h.bodyBytes) break;
        bodies.push(body);
        samplesPerBody.push(h.samples);
        at += HEADER_BYTES + h.bodyBytes;
      }
    } finally {
      closeSync(fd);
    }
    if (bodies.length === 0) {
      // not a record where one should be (the file changed under us): the rest of the segment is skipped
      const lost = (this.segments.find((s) => s.n === segment)?.samples ?? 0) - this.samplesAcked;
      this.cursor = { segment, offset: size };
      this.cursorDirty = true;
      if (lost > 0) this.opts.onDropped?.(lost);
      this.samplesAcked += Math.max(0, lost);
      return this.peek(maxRequests);
    }
    const samples = samplesPerBody.reduce((a, b) => a + b, 0);
    return { bodies, samplesPerBody, samples, bytes: at - this.cursor.offset, end: { segment, offset: at } };
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
   * endpoint is (GET /api/v1/federation status.oldestQueuedAt). Reads the next record's header.
   */
  oldestSampleTime(): number | null {
    this.writePending();
    for (const seg of this.segments) {
      const from = seg.n === this.cursor.segment ? this.cursor.offset : 0;
      if (seg.n < this.cursor.segment || from >= seg.bytes) continue;
      const fd = openSync(segmentFile(this.opts.dir, seg.n), 'r');
      try {
        const head = Buffer.allocUnsafe(HEADER_BYTES);
        if (readSync(fd, head, 0, HEADER_BYTES, from) === HEADER_BYTES) return readHeader(head)?.oldest ?? null;
      } finally {
        closeSync(fd);
      }
    }
    return null;
  }

  /** bytes on disk (what is buffered is encoded within FLUSH_MS) */
  get bytes(): number {
    return this.segments.reduce((a, s) => a + s.bytes, 0);
  }

  /** samples waiting (written or buffered) */
  get samples(): number {
    return this.segments.reduce((a, s) => a + s.samples, 0) - this.samplesAcked + this.pendingSamples;
  }

  /** Empties the queue (the endpoint was removed or changed). */
  clear(): void {
    this.pending = [];
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

  private truncate(file: string, bytes: number): void {
    const fd = openSync(file, 'r+');
    try {
      ftruncateSync(fd, bytes);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * The batches not yet sent from a queue of JSON lines (before records; from the cursor when it
   * names one of them), to be queued again as records; the files are removed once they are.
   */
  private readLegacySegments(names: readonly string[]): { batches: QueuedBatch[]; files: string[]; lastSegment: number } {
    const batches: QueuedBatch[] = [];
    const files: string[] = [];
    let lastSegment = 0;
    for (const name of names) {
      const m = LEGACY_SEGMENT_NAME.exec(name);
      if (!m) continue;
      const n = Number(m[1]);
      files.push(name);
      lastSegment = Math.max(lastSegment, n);
      if (n < this.cursor.segment) continue;
      const from = n === this.cursor.segment ? this.cursor.offset : 0;
      for (const line of readFileSync(path.join(this.opts.dir, name)).subarray(from).toString('utf8').split('\n')) {
        if (line === '') continue;
        try {
          batches.push(JSON.parse(line) as QueuedBatch);
        } catch {
          // a torn line from a crash mid-write: skipped
        }
      }
    }
    if (files.length > 0) this.cursor = { segment: 0, offset: 0 };
    return { batches, files, lastSegment };
  }
}
