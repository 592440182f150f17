// /proc/<pid>/stat of every process, kept open across the top-processes collector's rounds.
// Reading a process's stat the usual way costs four system calls and a path walk through /proc
// (open, read, the read that finds the end, close); with the file kept open it is one pread()
// from offset 0, which makes the kernel format the line afresh. That halves the kernel time of
// the agent's most expensive collector (scripts/bench/agent-footprint.ts).
//
// A file stays open while its process lives: once the process has exited, a read of the old file
// fails with ESRCH (even when the pid has been given to a new process), and the file is closed.
// At most `maxOpen` files are kept (each costs the kernel a few KB); processes beyond that are
// read the usual way.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { UTF8 } from './collector.js';

/** Longer than any stat line (52 numeric fields and a name of at most 64 bytes). */
const STAT_BUFFER_BYTES = 4096;

export class OpenStatFiles {
  readonly #procDir: string;
  readonly #maxOpen: number;
  readonly #fds = new Map<number, number>();
  readonly #buffer = Buffer.allocUnsafe(STAT_BUFFER_BYTES);

  constructor(procDir: string, maxOpen = 1024) {
    this.#procDir = procDir;
    this.#maxOpen = maxOpen;
  }

  get open(): number {
    return this.#fds.size;
  }

  /** The stat line of `pid` (its directory name `entry`), or null when the process is gone. */
  read(pid: number, entry: string): string | null {
    const fd = this.#fds.get(pid);
    if (fd !== undefined) {
      const text = this.#pread(fd);
      if (text !== null) return text;
      this.forget(pid); // exited; a new process may have the pid now
    }
    if (this.#fds.size >= this.#maxOpen) return this.#readWhole(entry);
    let opened: number;
    try {
      opened = openSync(`${this.#procDir}/${entry}/stat`, 'r');
    } catch {
      return null; // exited since the directory was listed
    }
    const text = this.#pread(opened);
    if (text === null) {
      closeSync(opened);
      return null;
    }
    this.#fds.set(pid, opened);
    return text;
  }

  /** Closes the file of a process that is no longer listed. */
  forget(pid: number): void {
    const fd = this.#fds.get(pid);
    if (fd === undefined) return;
    this.#fds.delete(pid);
    closeSync(fd);
  }

  /** Every pid with an open file, for the caller to `forget` the ones it no longer lists. */
  pids(): IterableIterator<number> {
    return this.#fds.keys();
  }

  closeAll(): void {
    for (const pid of [...this.#fds.keys()]) this.forget(pid);
  }

  #pread(fd: number): string | null {
    let n: number;
    try {
      n = readSync(fd, this.#buffer, 0, STAT_BUFFER_BYTES, 0);
    } catch {
      return null; // ESRCH: the process has exited
    }
    if (n === 0) return null;
    if (n === STAT_BUFFER_BYTES) return null; // cannot happen with the kernel's format; not parsed cut
    return this.#buffer.toString('utf8', 0, n);
  }

  #readWhole(entry: string): string | null {
    try {
      return readFileSync(`${this.#procDir}/${entry}/stat`, UTF8);
    } catch {
      return null;
    }
  }
}
