// The TCP socket tables /proc/net/tcp and tcp6, read at most once per sampling instant for the
// two collectors that need them: `tcp` (connections by state) and `visitors` (client connections
// to listening services). By default both run every 30 s, at the same instants, and one pass
// over the tables gives both answers.
//
// Cost. Reading a table costs the kernel a walk of its whole established-connections hash table,
// whatever the number of sockets: ~5 ms per file on a machine with 24 GB of RAM (262,144 buckets,
// /proc/sys/net/ipv4/tcp_ehash_entries; fewer on smaller machines), plus ~2.5 µs per socket. So
// tcp6 is skipped when /proc/net/sockstat6 says no IPv6 TCP socket is in use (an IPv4-only
// server): the only IPv6 sockets it could then hold are in TIME_WAIT, and those are counted by
// /proc/net/sockstat's `tw`, which covers both families. The tables are read in 64 KiB chunks
// and never held whole, so a server with 100,000 connections costs no more memory than one
// with ten.
//
// Visitors: the kernel lists a table's listening sockets before its connections (the listening
// hash is walked first), so one pass knows the listening ports by the time it meets the
// connections; ports heard listening in the previous reading count too.
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { METRICS_LIMITS } from '../../contract/families.js';
import type { FieldOf, Snapshot } from '../../contract/metrics.js';
import { readRootFile } from './collector.js';
import { HOST_IS_LITTLE_ENDIAN, isLoopbackAddress, procNetAddress } from './ip-address.js';
import { addressEnd, portOf, scanTcpTable, TCP_STATE_BY_CODE, TCP_STATE_CODES, type SocketLine } from './proc-net-tcp.js';

export type TcpCounts = Record<FieldOf<'tcp'>, number>;
export type Visitor = NonNullable<Snapshot['visitors']>[number];

export function emptyTcpCounts(): TcpCounts {
  const counts = {} as TcpCounts;
  for (const name of Object.keys(TCP_STATE_CODES) as FieldOf<'tcp'>[]) counts[name] = 0;
  return counts;
}

export interface TcpTablesReading {
  counts: TcpCounts;
  /**
   * Connections from other machines to this one's listening ports: at most the contract's 1,000
   * (on a server with more, the first the kernel lists, which is no particular order), sorted by
   * local port, remote address and remote port.
   */
  visitors: Visitor[];
}

/** "TCP6: inuse 3" → 3; null when the line is not there. */
export function tcp6InUse(sockstat6: string): number | null {
  const match = /^TCP6: inuse (\d+)/m.exec(sockstat6);
  return match?.[1] ? Number(match[1]) : null;
}

/** The `tw` count of /proc/net/sockstat's TCP line, or null. */
export function timeWaitCount(sockstat: string): number | null {
  const match = /^TCP:.*\btw (\d+)/m.exec(sockstat);
  return match?.[1] ? Number(match[1]) : null;
}

export interface TcpTablesOptions {
  /** byte order of the machine the tables come from (recorded fixtures) */
  littleEndian?: boolean;
  /** keep visitors from 127.0.0.0/8 and ::1 (tests on a machine with no other address) */
  includeLoopback?: boolean;
  maxVisitors?: number;
  /** read size; small in tests, to cross chunk boundaries */
  chunkBytes?: number;
}

const NEWLINE = 0x0a;

/** One pass over the tables: counts by state, and visitors. */
export class TcpTableScan {
  readonly counts = emptyTcpCounts();
  readonly visitors: Visitor[] = [];
  readonly #listening = new Set<number>();
  readonly #previousListening: ReadonlySet<number>;
  readonly #options: TcpTablesOptions;
  #text = '';

  constructor(previousListening: ReadonlySet<number>, options: TcpTablesOptions) {
    this.#previousListening = previousListening;
    this.#options = options;
  }

  get listening(): ReadonlySet<number> {
    return this.#listening;
  }

  readonly #visit = (line: SocketLine): void => {
    const name = TCP_STATE_BY_CODE[line.state];
    if (name) this.counts[name]++;
    const text = this.#text;
    if (line.state === TCP_STATE_CODES.listen) {
      this.#listening.add(portOf(text, line.localStart, line.localEnd));
      return;
    }
    if (line.state !== TCP_STATE_CODES.established) return;
    if (this.visitors.length >= (this.#options.maxVisitors ?? METRICS_LIMITS.maxSnapshotEntries)) return;
    const localPort = portOf(text, line.localStart, line.localEnd);
    if (localPort < 0 || !(this.#listening.has(localPort) || this.#previousListening.has(localPort))) return;
    const remote = procNetAddress(text, line.remoteStart, addressEnd(text, line.remoteStart, line.remoteEnd),
      this.#options.littleEndian ?? HOST_IS_LITTLE_ENDIAN);
    const remotePort = portOf(text, line.remoteStart, line.remoteEnd);
    if (remote === null || remotePort < 0) return;
    if (!this.#options.includeLoopback && isLoopbackAddress(remote)) return;
    this.visitors.push({ remote, remotePort, localPort });
  };

  /** Scans whole lines of a table (the caller carries a partial last line over to the next call). */
  lines(text: string): void {
    this.#text = text;
    scanTcpTable(text, this.#visit);
  }

  finish(): TcpTablesReading {
    this.visitors.sort((a, b) => a.localPort - b.localPort || (a.remote < b.remote ? -1 : a.remote > b.remote ? 1 : 0) || a.remotePort - b.remotePort);
    return { counts: this.counts, visitors: this.visitors };
  }
}

export class TcpTables {
  readonly #root: string;
  readonly #options: TcpTablesOptions;
  #buffer: Buffer;
  #at = Number.NaN;
  #last: TcpTablesReading | null = null;
  #listening: ReadonlySet<number> = new Set();

  constructor(root = '/', options: TcpTablesOptions = {}) {
    this.#root = root;
    this.#options = options;
    this.#buffer = Buffer.allocUnsafe(options.chunkBytes ?? 64 * 1024);
  }

  /** Both answers as of sampling instant `t`: read at the first call for `t`, shared after that. */
  read(t: number): TcpTablesReading {
    if (this.#last && this.#at === t) return this.#last;
    this.#last = null;
    const scan = new TcpTableScan(this.#listening, this.#options);
    let timeWaitTotal: number | null = null;
    let readV6 = true;
    try {
      if (tcp6InUse(readRootFile(this.#root, 'proc/net/sockstat6')) === 0) {
        timeWaitTotal = timeWaitCount(readRootFile(this.#root, 'proc/net/sockstat'));
        readV6 = timeWaitTotal === null; // without that count, the table is the only source
      }
    } catch {
      // no sockstat6 (IPv6 disabled: then tcp6 is absent too) or no sockstat: read the tables
    }
    this.#stream(path.join(this.#root, 'proc/net/tcp'), scan);
    if (readV6) {
      try {
        this.#stream(path.join(this.#root, 'proc/net/tcp6'), scan);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // a kernel without IPv6
      }
    }
    const reading = scan.finish();
    // IPv6 table skipped: its TIME_WAIT sockets are in sockstat's count of both families
    if (timeWaitTotal !== null) reading.counts.time_wait = Math.max(reading.counts.time_wait, timeWaitTotal);
    this.#listening = scan.listening;
    this.#at = t;
    this.#last = reading;
    return reading;
  }

  /** Feeds a table to `scan` chunk by chunk, a partial last line carried into the next chunk. */
  #stream(file: string, scan: TcpTableScan): void {
    const fd = openSync(file, 'r');
    try {
      let carry = 0;
      for (;;) {
        if (carry === this.#buffer.length) {
          // one line longer than the buffer: cannot happen with the kernel's format, but grow
          const bigger = Buffer.allocUnsafe(this.#buffer.length * 2);
          this.#buffer.copy(bigger, 0, 0, carry);
          this.#buffer = bigger;
        }
        const n = readSync(fd, this.#buffer, carry, this.#buffer.length - carry, null);
        const filled = carry + n;
        if (n === 0) {
          if (filled > 0) scan.lines(this.#buffer.toString('latin1', 0, filled)); // a last line without a newline
          return;
        }
        const lastNewline = this.#buffer.lastIndexOf(NEWLINE, filled - 1);
        if (lastNewline < 0) {
          carry = filled;
          continue;
        }
        scan.lines(this.#buffer.toString('latin1', 0, lastNewline + 1));
        carry = filled - lastNewline - 1;
        this.#buffer.copy(this.#buffer, 0, lastNewline + 1, filled);
      }
    } finally {
      closeSync(fd);
    }
  }
}
