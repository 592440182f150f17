// One /proc/<pid>/ file (`stat`, `cmdline`) of every process, kept open across readings: by the
// top-processes collector (stat) and the process checks' table (agent/checks/process-table.ts:
// stat when it reads /proc itself, cmdline for name and command-line matches). Reading a process's
// file the usual way costs four system calls and a path walk through /proc (open, read, the read
// that finds the end, close); with the file kept open it is one pread() from offset 0, which
// makes the kernel generate the content afresh. That halves the kernel time of the agent's most
// expensive collector (scripts/bench/agent-footprint.ts).
//
// A file stays open while its process lives: once the process has exited, a read of the old file
// fails with ESRCH (even when the pid has been given to a new process), and the file is closed.
// At most `maxOpen` files are kept (each costs the kernel a few KB); processes beyond that are
// read the usual way, and so is a content longer than the buffer (a long command line).
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { UTF8 } from './collector.js';

/** Longer than any stat line (52 numeric fields and a name of at most 64 bytes). */
const BUFFER_BYTES = 4096;

export class OpenProcFiles {
  readonly #procDir: string;
  readonly #file: string;
  readonly #maxOpen: number;
  readonly #fds = new Map<number, number>();
  readonly #buffer = Buffer.allocUnsafe(BUFFER_BYTES);

  constructor(procDir: string, maxOpen = 1024, file = 'stat') {
    this.#procDir = procDir;
    this.#maxOpen = maxOpen;
    this.#file = file;
  }

  get open(): number {
    return this.#fds.size;
  }

  /** The file of `pid` (its directory name `entry`) as text, or null when the process is gone. */
  read(pid: number, entry: string): string | null {
    const fd = this.#fds.get(pid);
    if (fd !== undefined) {
      const n = this.#pread(fd);
      if (n === BUFFER_BYTES) return this.#readWhole(entry);
      if (n > 0) return this.#buffer.toString('utf8', 0, n);
      this.forget(pid); // exited (or a zombie: its command line is empty); a new process may have the pid now
    }
    if (this.#fds.size >= this.#maxOpen) return this.#readWhole(entry);
    let opened: number;
    try {
      opened = openSync(`${this.#procDir}/${entry}/${this.#file}`, 'r');
    } catch {
      return null; // exited since the directory was listed
    }
    const n = this.#pread(opened);
    if (n <= 0) {
      closeSync(opened);
      return n === 0 ? '' : null;
    }
    this.#fds.set(pid, opened);
    return n === BUFFER_BYTES ? this.#readWhole(entry) : this.#buffer.toString('utf8', 0, n);
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

  /** Bytes read from offset 0 (BUFFER_BYTES: there may be more), -1 when the process has exited (ESRCH). */
  #pread(fd: number): number {
    try {
      return readSync(fd, this.#buffer, 0, BUFFER_BYTES, 0);
    } catch {
      return -1;
    }
  }

  #readWhole(entry: string): string | null {
    try {
      return readFileSync(`${this.#procDir}/${entry}/${this.#file}`, UTF8);
    } catch {
      return null;
    }
  }
}
