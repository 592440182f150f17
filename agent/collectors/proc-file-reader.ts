// Reads a /proc file into one reused buffer, up to a limit: for tables that can be huge and of
// which only the start is wanted (/proc/net/route and ipv6_route on a router holding a full
// Internet table). Small files are read with readRootFile (collector.ts), whose readFileSync
// does the whole read in one call into C++.
import { closeSync, openSync, readSync } from 'node:fs';

export class ProcFileReader {
  #buffer: Buffer;
  readonly #maxBytes: number;

  /**
   * @param initialBytes first buffer size; it doubles when a file does not fit
   * @param maxBytes the buffer never grows beyond this; a longer file is read up to here (`read`
   *   returns at most this many bytes, and `truncated` says so)
   */
  constructor(initialBytes = 16 * 1024, maxBytes = 64 * 1024 * 1024) {
    this.#buffer = Buffer.allocUnsafe(Math.min(initialBytes, maxBytes));
    this.#maxBytes = maxBytes;
  }

  /** Whether the last `read` stopped at `maxBytes` (or its `limit`) before the end of the file. */
  truncated = false;

  /**
   * Reads `file` from its start, at most `limit` bytes, and returns the number of bytes now at
   * the start of `buffer`. Throws the system error (ENOENT for a process that has exited, EACCES
   * for another user's /proc/<pid>/io).
   */
  read(file: string, limit = this.#maxBytes): number {
    const fd = openSync(file, 'r');
    try {
      let length = 0;
      this.truncated = false;
      for (;;) {
        if (length === this.#buffer.length) {
          if (length >= limit || this.#buffer.length >= this.#maxBytes) {
            this.truncated = true;
            return length;
          }
          const bigger = Buffer.allocUnsafe(Math.min(this.#buffer.length * 2, this.#maxBytes));
          this.#buffer.copy(bigger, 0, 0, length);
          this.#buffer = bigger;
        }
        const wanted = Math.min(this.#buffer.length, limit) - length;
        if (wanted <= 0) {
          this.truncated = true;
          return length;
        }
        const n = readSync(fd, this.#buffer, length, wanted, null);
        if (n === 0) return length;
        length += n;
      }
    } finally {
      closeSync(fd);
    }
  }

  /** The bytes of the last read start here; valid until the next `read`. */
  get buffer(): Buffer {
    return this.#buffer;
  }

  /** The last read as text (latin1: /proc is ASCII, and latin1 never fails on a stray byte). */
  readText(file: string, limit?: number): string {
    const length = this.read(file, limit);
    return this.#buffer.toString('latin1', 0, length);
  }
}
