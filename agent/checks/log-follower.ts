// Follows a log file the way `tail -F` does, for the log check (S5): polled (one stat per poll,
// no inotify: a check polls at its interval anyway, and inotify watches are a per-user limit),
// holding the file open so that lines written just before a rename or a delete are still read.
//
// - rename-and-create (logrotate's default): the rest of the old file is read, then the new one
//   from its start;
// - copytruncate: the file shrinks under the same inode; reading starts again at 0 (what was
//   written between the copy and the truncation is lost to every reader: copytruncate's own flaw);
// - a file deleted: what was written before is read, then the follower waits for it to appear;
// - a file that appears later is new, so it is read from its start; a file that is already there
//   when following starts is read from its end (a 1 GiB log is not a backlog), unless told;
// - at most `maxBytesPerPoll` bytes a poll (`more` says there is more), lines at most
//   `maxLineBytes` (a longer one is cut, and counted);
// - the position (device, inode, offset after the last whole line) is for the caller to persist:
//   a follower made with it after a restart neither re-reads nor skips a line; if the file was
//   rotated meanwhile, the rest of the old one is found as `<path>.1` when it is there.
import { closeSync, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { nodeCrypto } from '../../core/lazy-builtins.js';

export interface LogPosition {
  dev: number;
  ino: number;
  /** the byte after the last whole line read */
  offset: number;
  /**
   * SHA-256 (hex) of the file's first HEAD_BYTES bytes, once it has that many: recognises the
   * file after logrotate compressed it to `<path>.1.gz` (a new inode) while nobody followed
   */
  head?: string;
}

/** bytes of a file's start that identify it (a log's first line with its timestamp) */
export const HEAD_BYTES = 64;

export interface LogFollowerOptions {
  path: string;
  /** where the last follower of this file stopped (persisted by the caller) */
  position?: LogPosition | null;
  /** read a file that exists when following starts from its start instead of its end */
  fromStart?: boolean;
  /** default 1 MiB */
  maxBytesPerPoll?: number;
  /** default 8 KiB */
  maxLineBytes?: number;
  /**
   * whole lines handed over as soon as they are read instead of collected in `LogPoll.lines`, a
   * run at a time, decoded together (at most TEXT_RUN_BYTES, or one longer line), each ended by
   * '\n' with its CR, if any, left before it for the caller to take off (LogParser.parseText). A
   * caller that parses a run at once keeps no slice of lines alive, so they die young; and a run
   * costs one string and one decode where each line cost its own, at a web log's 10,000 lines/s
   * in the agent's interpreter (S11, docs/benchmarks.md)
   */
  onText?: (text: string) => void;
}

export type LogEvent = 'rotated' | 'truncated' | 'deleted' | 'appeared';

export interface LogPoll {
  lines: string[];
  events: LogEvent[];
  /** lines cut at maxLineBytes */
  cutLines: number;
  /** unread bytes remain (poll again soon) */
  more: boolean;
  /** null while the file does not exist */
  position: LogPosition | null;
}

interface OpenFile {
  fd: number;
  dev: number;
  ino: number;
  /** next byte to read */
  offset: number;
  head?: string;
}

const DEFAULT_MAX_BYTES_PER_POLL = 1024 * 1024;
const DEFAULT_MAX_LINE_BYTES = 8 * 1024;
const NEWLINE = 0x0a;
/**
 * V8's own indexOf of a byte array, where Buffer's runs two JavaScript functions first (to tell a
 * number from a string): a log's lines are found through it, interpreted in the agent (S11,
 * docs/benchmarks.md)
 */
// eslint-disable-next-line @typescript-eslint/unbound-method -- only ever called as byteIndexOf.call(chunk, …)
const byteIndexOf = Uint8Array.prototype.indexOf;
// eslint-disable-next-line @typescript-eslint/unbound-method -- only ever called as byteLastIndexOf.call(chunk, …)
const byteLastIndexOf = Uint8Array.prototype.lastIndexOf;
const CR = 0x0d;
/**
 * bytes of whole lines decoded into one string for `onText`: small enough for V8's young
 * generation (the agent's is capped at 1 MB) and for a run kept alive by a view into it to cost
 * little, large enough that a run's calls are nothing beside its ~60 lines' parse
 */
export const TEXT_RUN_BYTES = 16 * 1024;

export class LogFollower {
  private file: OpenFile | null = null;
  /** bytes of a line not yet ended by a newline */
  private partial: Buffer[] = [];
  private partialBytes = 0;
  private partialCut = false;
  private started = false;
  private readonly maxBytesPerPoll: number;
  private readonly maxLineBytes: number;
  private readonly buffer: Buffer;

  constructor(private readonly opts: LogFollowerOptions) {
    this.maxBytesPerPoll = opts.maxBytesPerPoll ?? DEFAULT_MAX_BYTES_PER_POLL;
    this.maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.buffer = Buffer.allocUnsafe(Math.min(this.maxBytesPerPoll, 256 * 1024));
  }

  poll(): LogPoll {
    const out: LogPoll = { lines: [], events: [], cutLines: 0, more: false, position: null };
    let budget = this.maxBytesPerPoll;
    if (!this.started) {
      this.started = true;
      budget -= this.resume(out, budget);
    }
    const now = statOrNull(this.opts.path);
    if (this.file && (!now || now.ino !== this.file.ino || now.dev !== this.file.dev)) {
      // renamed away or deleted: what it still holds is read before letting go of it
      budget -= this.drain(this.file, out, budget);
      if (this.file.offset < fstatSync(this.file.fd).size) {
        out.more = true;
        return this.finish(out);
      }
      this.endPartialLine(out);
      this.close();
      out.events.push(now ? 'rotated' : 'deleted');
    }
    if (!now) return this.finish(out);
    if (!this.file) {
      this.file = { fd: openSync(this.opts.path, 'r'), dev: now.dev, ino: now.ino, offset: 0 };
      if (!out.events.includes('rotated')) out.events.push('appeared');
    } else if (now.size < this.file.offset) {
      this.file.offset = 0;
      delete this.file.head;
      this.clearPartial();
      out.events.push('truncated');
    }
    this.drain(this.file, out, budget);
    out.more = this.file.offset < fstatSync(this.file.fd).size;
    return this.finish(out);
  }

  /** Releases the open file. */
  close(): void {
    if (this.file) closeSync(this.file.fd);
    this.file = null;
  }

  /** The first poll: from a saved position, else from the end of a file that is already there. */
  private resume(out: LogPoll, budget: number): number {
    const st = statOrNull(this.opts.path);
    const saved = this.opts.position ?? null;
    if (saved) {
      if (st && isSameFile(this.opts.path, st, saved)) {
        // the same file: on from where the last follower stopped (or from 0 if it was truncated)
        this.file = { fd: openSync(this.opts.path, 'r'), dev: st.dev, ino: st.ino, offset: st.size >= saved.offset ? saved.offset : 0, ...(saved.head !== undefined && st.size >= saved.offset ? { head: saved.head } : {}) };
        if (st.size < saved.offset) out.events.push('truncated');
        return 0;
      }
      // rotated while nobody followed: the rest of the old file, if logrotate left it as .1
      const old = statOrNull(`${this.opts.path}.1`);
      if (old && isSameFile(`${this.opts.path}.1`, old, saved) && old.size >= saved.offset) {
        const fd = openSync(`${this.opts.path}.1`, 'r');
        const file: OpenFile = { fd, dev: old.dev, ino: old.ino, offset: saved.offset };
        const used = this.drain(file, out, budget);
        this.endPartialLine(out);
        closeSync(fd);
        out.events.push('rotated');
        return used;
      }
      if (st) out.events.push('rotated');
      // the file there now (if any) is new to us: read from its start
      return 0;
    }
    if (st && !this.opts.fromStart) this.file = { fd: openSync(this.opts.path, 'r'), dev: st.dev, ino: st.ino, offset: st.size };
    return 0;
  }

  /** Reads whole lines from `file` up to `budget` bytes; returns the bytes read. */
  private drain(file: OpenFile, out: LogPoll, budget: number): number {
    let used = 0;
    while (used < budget) {
      const n = readSync(file.fd, this.buffer, 0, Math.min(this.buffer.length, budget - used), file.offset);
      if (n === 0) break;
      file.offset += n;
      used += n;
      const chunk = this.buffer.subarray(0, n);
      const start = this.opts.onText ? this.textRuns(chunk, this.opts.onText, out) : this.lines(chunk, out);
      if (start < n) this.addPartial(chunk.subarray(start));
    }
    return used;
  }

  /** The lines of `chunk` collected in `out`; returns where the unended rest starts. */
  private lines(chunk: Buffer, out: LogPoll): number {
    let start = 0;
    for (let i = byteIndexOf.call(chunk, NEWLINE, 0); i >= 0; i = byteIndexOf.call(chunk, NEWLINE, start)) {
      if (this.partialBytes === 0 && !this.partialCut && i - start <= this.maxLineBytes) {
        // a whole line inside the chunk (nearly every line): decoded in place, without the
        // copies of the partial-line path; no encoding named: Buffer's toString then decodes
        // UTF-8 straight away, without the JavaScript calls that look an encoding's name up
        out.lines.push(chunk.toString(undefined, start, i > start && chunk[i - 1] === CR ? i - 1 : i));
      } else {
        this.addPartial(chunk.subarray(start, i));
        this.emitLine(out);
      }
      start = i + 1;
    }
    return start;
  }

  /**
   * The whole lines of `chunk` handed to `onText` in runs of at most TEXT_RUN_BYTES (and at most
   * maxLineBytes: no line in a run needs cutting), a longer line alone; returns where the
   * unended rest starts. A line begun in an earlier read, or longer than maxLineBytes, goes
   * through the partial-line path (emitLine), as when lines are collected.
   */
  private textRuns(chunk: Buffer, onText: (text: string) => void, out: LogPoll): number {
    const n = chunk.length;
    let start = 0;
    if (this.partialBytes > 0 || this.partialCut) {
      const i = byteIndexOf.call(chunk, NEWLINE, 0);
      if (i < 0) return 0;
      this.addPartial(chunk.subarray(0, i));
      this.emitLine(out);
      start = i + 1;
    }
    const runBytes = Math.min(TEXT_RUN_BYTES, this.maxLineBytes);
    while (start < n) {
      const limit = Math.min(n, start + runBytes);
      let end = byteLastIndexOf.call(chunk, NEWLINE, limit - 1);
      if (end < start) {
        // no line ends within runBytes: one longer line, or the unended rest of the chunk
        end = limit < n ? byteIndexOf.call(chunk, NEWLINE, limit) : -1;
        if (end < 0) return start;
        if (end - start > this.maxLineBytes) {
          this.addPartial(chunk.subarray(start, end));
          this.emitLine(out);
          start = end + 1;
          continue;
        }
      }
      // no encoding named: Buffer's toString decodes UTF-8 straight away (see lines). A '\n' is
      // never inside a UTF-8 sequence, so the run decodes to its lines' strings, each with its '\n'
      onText(chunk.toString(undefined, start, end + 1));
      start = end + 1;
    }
    return start;
  }

  private addPartial(bytes: Buffer): void {
    const room = this.maxLineBytes - this.partialBytes;
    if (bytes.length > room) {
      this.partialCut = true;
      if (room > 0) this.partial.push(Buffer.from(bytes.subarray(0, room)));
      this.partialBytes = this.maxLineBytes;
      return;
    }
    if (bytes.length === 0) return;
    this.partial.push(Buffer.from(bytes));
    this.partialBytes += bytes.length;
  }

  private emitLine(out: LogPoll): void {
    const line = Buffer.concat(this.partial).toString('utf8');
    // a run of one line: its CR, if any, is taken off by the caller
    if (this.opts.onText) this.opts.onText(`${line}\n`);
    else out.lines.push(line.endsWith('\r') ? line.slice(0, -1) : line);
    if (this.partialCut) out.cutLines++;
    this.clearPartial();
  }

  /** A file that ends without a newline is let go of: its last line is a line. */
  private endPartialLine(out: LogPoll): void {
    if (this.partialBytes > 0) this.emitLine(out);
  }

  private clearPartial(): void {
    this.partial = [];
    this.partialBytes = 0;
    this.partialCut = false;
  }

  private finish(out: LogPoll): LogPoll {
    // the position is that of the last whole line, so a restart reads an unfinished one again;
    // except a line already cut at maxLineBytes: a restart resumes where reading stopped, and the
    // rest of that over-long line comes back as a line of its own
    const unfinished = this.partialCut ? 0 : this.partialBytes;
    const f = this.file;
    if (f && f.head === undefined) f.head = headOf(f.fd);
    out.position = f ? { dev: f.dev, ino: f.ino, offset: f.offset - unfinished, ...(f.head !== undefined ? { head: f.head } : {}) } : null;
    return out;
  }
}

/**
 * Whether the file at `file` (its `st`) is the one `position` was taken in: the same inode and,
 * when the position has a fingerprint, the same first bytes (a deleted log's inode number is
 * often given straight to the next file created).
 */
export function isSameFile(file: string, st: Stats, position: LogPosition): boolean {
  if (st.dev !== position.dev || st.ino !== position.ino) return false;
  if (position.head === undefined) return true;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    return headOf(fd) === position.head;
  } finally {
    closeSync(fd);
  }
}

/** the fingerprint of a file's start, undefined while it is shorter than HEAD_BYTES */
export function headOf(fd: number): string | undefined {
  const start = Buffer.alloc(HEAD_BYTES);
  return readSync(fd, start, 0, HEAD_BYTES, 0) === HEAD_BYTES ? fingerprint(start) : undefined;
}

export function fingerprint(start: Buffer): string {
  return nodeCrypto().createHash('sha256').update(start.subarray(0, HEAD_BYTES)).digest('hex');
}

function statOrNull(p: string): Stats | null {
  try {
    return statSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}
