// The store's write-ahead journal (RES, B2): what the appliance acknowledges to an agent is on
// disk first. Each batch's rrdcached update lines are appended as one record and made durable
// with fdatasync in group commits (one fdatasync covers every batch that arrived meanwhile); the
// store acknowledges a batch only once its record is durable. On start, and whenever rrdcached is
// restarted, the records are re-sent to rrdcached (it refuses the ones it has as stale). A
// segment is deleted only once everything in it must be in the RRD files on disk: older than
// rrdcached can keep an update in memory, and after a sync of the data filesystem
// (docs/storage.md "Power cut").
//
// A record: u32le payload length, u32le CRC-32 of the payload, the payload. A record torn by a
// power cut in the middle of an append (short, or its checksum wrong) ends its segment's replay:
// nothing after it was ever acknowledged.
import { execFile } from 'node:child_process';
import { closeSync, fdatasync as fdatasyncCb, fdatasyncSync, openSync, writeSync, writev } from 'node:fs';
import { mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { RwError } from '../../contract/errors.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';

export interface SampleJournalDeps {
  /** the journal's own directory (created if missing) */
  dir: string;
  clock: Clock;
  logger: Logger;
  /**
   * A segment is deleted this long after it was closed (its last record appended), and only after
   * `syncData` ran that late: by then rrdcached has written its updates to the RRD files.
   */
  keepMs: number;
  /** makes every RRD file write so far durable (syncfs of the data filesystem) */
  syncData: () => Promise<void>;
  /**
   * how long an append waits for others to share its fdatasync; default 20 ms: at most 50 commits
   * a second, each of which rewrites the segment's last, partly filled page on the card
   */
  commitDelayMs?: number;
  /** a segment takes appends this long, then a new one is started; default 60 s */
  segmentMs?: number;
  /** bytes the segments may take together; beyond it, room() waits (docs/bounds.md); default 4 GiB */
  maxBytes?: number;
}

export interface SampleJournalStats {
  /** bytes in every segment, durable or not */
  bytes: number;
  segments: number;
  /** fdatasync calls */
  commits: number;
  /** records appended */
  records: number;
  /** true while the journal is at its bound and writers wait in room() */
  full: boolean;
}

/** The name of the file that records how far the newest segment is durable (see commit). */
export const DURABLE_MARK_FILE = 'durable';
export const SEGMENT_SUFFIX = '.journal';
const HEADER_BYTES = 8;
/** a record longer than this is taken for garbage (a torn length field): one batch's lines are far shorter */
const MAX_RECORD_BYTES = 64 * 1024 * 1024;
const READ_CHUNK_BYTES = 1024 * 1024;
const DEFAULT_COMMIT_DELAY_MS = 20;
const DEFAULT_SEGMENT_MS = 60_000;
const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;
/** "<segment name> <length>" padded to a fixed width, rewritten in place after every commit */
const DURABLE_MARK_WIDTH = 64;

interface Segment {
  name: string;
  /** bytes written (durable or not) */
  bytes: number;
  /** when its last record was appended; for the current segment, undefined */
  closedAt: number | undefined;
}

interface CommitRound {
  buffers: Buffer[];
  bytes: number;
  done: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class SampleJournal {
  private readonly log: Logger;
  private readonly segments: Segment[] = [];
  private current: { segment: Segment; fd: number; openedAt: number } | null = null;
  private nextSeq = 1;
  private markFd: number | null = null;
  /** the round appends join; committed once the one in flight is done */
  private gathering: CommitRound | null = null;
  private inFlight: Promise<void> | null = null;
  private timer: unknown = null;
  private pruneTimer: unknown = null;
  private pruning: Promise<void> | null = null;
  private roomWaiters: (() => void)[] = [];
  private closed = false;
  private commits = 0;
  private records = 0;
  private readonly commitDelayMs: number;
  private readonly segmentMs: number;
  private readonly maxBytes: number;

  constructor(private readonly deps: SampleJournalDeps) {
    this.log = deps.logger.child('sample-journal');
    this.commitDelayMs = deps.commitDelayMs ?? DEFAULT_COMMIT_DELAY_MS;
    this.segmentMs = deps.segmentMs ?? DEFAULT_SEGMENT_MS;
    this.maxBytes = deps.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  /** Finds the segments of earlier runs (kept until their records are on disk in the RRD files) and opens a new one. */
  async open(): Promise<void> {
    await mkdir(this.deps.dir, { recursive: true });
    const now = this.deps.clock.now();
    for (const name of (await readdir(this.deps.dir)).filter(isSegmentName).sort()) {
      // replayed into rrdcached at start: in its memory from now on, so kept as if closed now
      this.segments.push({ name, bytes: (await stat(path.join(this.deps.dir, name))).size, closedAt: now });
      this.nextSeq = Math.max(this.nextSeq, Number(name.slice(0, -SEGMENT_SUFFIX.length)) + 1);
    }
    this.markFd = openSync(path.join(this.deps.dir, DURABLE_MARK_FILE), 'w');
    this.startSegment();
    this.schedulePrune();
  }

  stats(): SampleJournalStats {
    return {
      bytes: this.totalBytes() + (this.gathering?.bytes ?? 0),
      segments: this.segments.length,
      commits: this.commits,
      records: this.records,
      full: this.roomWaiters.length > 0,
    };
  }

  /**
   * Resolves when the journal is below its bound. Writers wait here before sending anything, so
   * that nothing is acknowledged that the journal could not take: at the bound the appliance
   * stops acknowledging (the agents keep their samples) until old segments are deleted.
   */
  room(): Promise<void> {
    if (this.totalBytes() < this.maxBytes) return Promise.resolve();
    if (this.roomWaiters.length === 0) {
      this.log.warn('the sample journal is at its bound: acknowledgements wait until old segments are deleted', { maxBytes: this.maxBytes });
    }
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  /**
   * Appends one record (one batch's update lines) and resolves once it is durable. The payload
   * is copied into one buffer with its header; nothing else is allocated per batch.
   */
  append(payload: string): Promise<void> {
    if (this.closed) return Promise.reject(new RwError('RW_ERR_INTERNAL', 'the sample journal is closed'));
    const length = Buffer.byteLength(payload);
    const record = Buffer.allocUnsafe(HEADER_BYTES + length);
    record.write(payload, HEADER_BYTES, 'utf8');
    record.writeUInt32LE(length, 0);
    record.writeUInt32LE(crc32(record.subarray(HEADER_BYTES)), 4);
    const round = (this.gathering ??= newRound());
    round.buffers.push(record);
    round.bytes += record.length;
    this.records++;
    if (this.inFlight === null && this.timer === null) {
      this.timer = this.deps.clock.setTimeout(() => {
        this.timer = null;
        this.commitNext();
      }, this.commitDelayMs);
    }
    return round.done;
  }

  /** Resolves when every record appended so far is durable (or failed): what a replay reads is then complete. */
  async settle(): Promise<void> {
    while (this.inFlight !== null || this.gathering !== null) {
      if (this.inFlight === null) {
        if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
        this.timer = null;
        this.commitNext();
      }
      await this.inFlight?.catch(() => undefined);
    }
  }

  /**
   * Every durable record of every segment, oldest first, as its payload; a torn or corrupt
   * record ends its segment's replay. Call settle() first so that nothing is in flight.
   */
  async *replay(): AsyncGenerator<string> {
    for (const segment of [...this.segments]) {
      const file = path.join(this.deps.dir, segment.name);
      let fh: FileHandle;
      try {
        fh = await open(file, 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // pruned meanwhile
        throw e;
      }
      try {
        yield* readRecords(fh, segment.bytes, (offset, why) => {
          this.log.warn('the sample journal ends in a torn record: ignored (it was never acknowledged)', { segment: segment.name, offset, bytes: segment.bytes - offset, why });
        });
      } finally {
        await fh.close();
      }
    }
  }

  /**
   * After a clean stop of rrdcached (it wrote everything to the RRD files): syncs the data
   * filesystem and deletes every segment, so that the next start has nothing to re-send.
   */
  async close(opts: { rrdFilesComplete: boolean }): Promise<void> {
    if (this.closed) return;
    await this.settle();
    this.closed = true;
    if (this.pruneTimer !== null) this.deps.clock.clearTimeout(this.pruneTimer);
    this.pruneTimer = null;
    await this.pruning;
    if (this.current) closeSync(this.current.fd);
    this.current = null;
    if (opts.rrdFilesComplete) {
      await this.deps.syncData();
      for (const s of this.segments.splice(0)) await unlinkIfThere(path.join(this.deps.dir, s.name));
    }
    if (this.markFd !== null) closeSync(this.markFd);
    this.markFd = null;
    for (const wake of this.roomWaiters.splice(0)) wake();
  }

  private totalBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.bytes;
    return n;
  }

  private startSegment(): void {
    const name = `${String(this.nextSeq++).padStart(12, '0')}${SEGMENT_SUFFIX}`;
    const fd = openSync(path.join(this.deps.dir, name), 'wx');
    // the new name must survive a power cut as well as the records written into it
    fsyncDir(this.deps.dir);
    const segment: Segment = { name, bytes: 0, closedAt: undefined };
    this.segments.push(segment);
    this.current = { segment, fd, openedAt: this.deps.clock.now() };
  }

  /** Commits the gathered round: one write and one fdatasync, in Node's thread pool. */
  private commitNext(): void {
    const round = this.gathering;
    if (!round || this.inFlight !== null || this.closed) return;
    this.gathering = null;
    const run = this.commit(round).then(round.resolve, (e: unknown) => {
      this.log.error('the sample journal could not be written: the batches are not acknowledged', { error: e });
      round.reject(new RwError('RW_ERR_INTERNAL', `the sample journal could not be written: ${(e as Error).message}`));
    });
    this.inFlight = run.finally(() => {
      this.inFlight = null;
      // what arrived during this commit has waited long enough: commit it at once
      if (this.gathering !== null) this.commitNext();
    });
  }

  private async commit(round: CommitRound): Promise<void> {
    const now = this.deps.clock.now();
    let cur = this.current;
    if (cur && cur.segment.bytes > 0 && now - cur.openedAt >= this.segmentMs) {
      closeSync(cur.fd);
      cur.segment.closedAt = now;
      cur = this.current = null;
    }
    if (!cur) {
      this.startSegment();
      cur = this.current;
      if (!cur) throw new RwError('RW_ERR_INTERNAL', 'no journal segment');
    }
    const { fd, segment } = cur;
    try {
      await writevAll(fd, round.buffers, segment.bytes);
      segment.bytes += round.bytes;
      await fdatasync(fd);
    } catch (e) {
      // whatever reached the file is a torn tail now: the next round starts a new segment
      closeSync(fd);
      segment.closedAt = now;
      if (this.current === cur) this.current = null;
      throw e;
    }
    this.commits++;
    // where a power cut would cut the journal at most: the power-cut test reads it
    this.markDurable(segment);
  }

  private markDurable(segment: Segment): void {
    if (this.markFd === null) return;
    writeSync(this.markFd, `${segment.name} ${segment.bytes}`.padEnd(DURABLE_MARK_WIDTH - 1) + '\n', 0, 'utf8');
  }

  private schedulePrune(): void {
    if (this.closed) return;
    this.pruneTimer = this.deps.clock.setTimeout(() => {
      this.pruneTimer = null;
      this.pruning = this.prune()
        .then(() => undefined)
        .catch((e: unknown) => this.log.error('pruning the sample journal failed; retried later', { error: e }))
        .finally(() => {
          this.pruning = null;
          this.schedulePrune();
        });
    }, Math.min(this.segmentMs, this.deps.keepMs) / 2);
  }

  /** Deletes the segments whose every record must be in the RRD files on disk by now. */
  async prune(): Promise<number> {
    const now = this.deps.clock.now();
    const due = this.segments.filter((s) => s.closedAt !== undefined && now - s.closedAt >= this.deps.keepMs);
    if (due.length === 0) return 0;
    // rrdcached writes files with write(2), never fsync: they are durable only after this
    await this.deps.syncData();
    for (const s of due) {
      await unlinkIfThere(path.join(this.deps.dir, s.name));
      const i = this.segments.indexOf(s);
      if (i >= 0) this.segments.splice(i, 1);
    }
    this.log.info('deleted sample journal segments whose updates are in the RRD files', { deleted: due.length, left: this.segments.length });
    if (this.totalBytes() < this.maxBytes) for (const wake of this.roomWaiters.splice(0)) wake();
    return due.length;
  }
}

function newRound(): CommitRound {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // a round nobody awaits any more (its writer gave up) must not become an unhandled rejection
  done.catch(() => undefined);
  return { buffers: [], bytes: 0, done, resolve, reject };
}

function isSegmentName(name: string): boolean {
  return /^\d{12}\.journal$/.test(name);
}

/** The payloads of the valid records of one segment, read in chunks (a segment can be large). */
async function* readRecords(fh: FileHandle, size: number, torn: (offset: number, why: string) => void): AsyncGenerator<string> {
  let buf = Buffer.alloc(0);
  let fileOffset = 0;
  let recordOffset = 0;
  for (;;) {
    if (buf.length < HEADER_BYTES || buf.length < HEADER_BYTES + buf.readUInt32LE(0)) {
      const want = buf.length >= HEADER_BYTES ? Math.max(READ_CHUNK_BYTES, HEADER_BYTES + buf.readUInt32LE(0) - buf.length) : READ_CHUNK_BYTES;
      const chunk = Buffer.allocUnsafe(Math.min(want, Math.max(0, size - fileOffset)));
      const { bytesRead } = chunk.length > 0 ? await fh.read(chunk, 0, chunk.length, fileOffset) : { bytesRead: 0 };
      if (bytesRead === 0) {
        if (buf.length > 0) torn(recordOffset, 'short record');
        return;
      }
      fileOffset += bytesRead;
      buf = buf.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([buf, chunk.subarray(0, bytesRead)]);
      continue;
    }
    const length = buf.readUInt32LE(0);
    if (length > MAX_RECORD_BYTES) {
      torn(recordOffset, 'impossible length');
      return;
    }
    const payload = buf.subarray(HEADER_BYTES, HEADER_BYTES + length);
    if (crc32(payload) !== buf.readUInt32LE(4)) {
      torn(recordOffset, 'checksum mismatch');
      return;
    }
    yield payload.toString('utf8');
    buf = buf.subarray(HEADER_BYTES + length);
    recordOffset += HEADER_BYTES + length;
  }
}

async function writevAll(fd: number, buffers: Buffer[], position: number): Promise<void> {
  let pos = position;
  let rest = buffers;
  while (rest.length > 0) {
    const written = await new Promise<number>((resolve, reject) => {
      writev(fd, rest, pos, (err, n) => (err ? reject(err) : resolve(n)));
    });
    pos += written;
    // a short write (rare: a full disk, a signal) continues where it stopped
    let skip = written;
    const left: Buffer[] = [];
    for (const b of rest) {
      if (skip >= b.length) {
        skip -= b.length;
        continue;
      }
      left.push(skip > 0 ? b.subarray(skip) : b);
      skip = 0;
    }
    if (written === 0 && left.length > 0) throw new RwError('RW_ERR_INTERNAL', 'the sample journal write made no progress');
    rest = left;
  }
}

function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fdatasyncCb(fd, (err) => (err ? reject(err) : resolve()));
  });
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

async function unlinkIfThere(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

const execFileAsync = promisify(execFile);

/**
 * syncfs(2) of the filesystem holding `dir`, through `sync -f` (coreutils and busybox both have
 * it; Node has no syncfs): every write to any file there, the RRD files included, is durable
 * once it returns.
 */
export async function syncFilesystemOf(dir: string): Promise<void> {
  await execFileAsync('sync', ['-f', dir], { timeout: 10 * 60_000 });
}
