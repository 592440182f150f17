// The kernel's TCP sockets, read at most once per sampling instant for the two collectors that
// need them: `tcp` (connections by state) and `visitors` (client connections to listening
// services). By default both run every 30 s, at the same instants, and one pass gives both.
//
// Source. Through NETLINK_SOCK_DIAG (sock-diag.ts) where its addon loads, else the text tables
// /proc/net/tcp and tcp6 (and always for a root other than `/`: recorded fixtures). Either way
// the kernel walks its whole established-connections hash table, whatever the number of sockets
// (262,144 buckets on a machine with 24 GB of RAM, /proc/sys/net/ipv4/tcp_ehash_entries; fewer
// on smaller machines): ~2.3 ms per /proc file, ~0.3–0.45 ms per netlink dump. So IPv6 is
// skipped when /proc/net/sockstat6 says no IPv6 TCP socket is in use (an IPv4-only server): the
// only IPv6 sockets it could then hold are in TIME_WAIT, and those are counted by
// /proc/net/sockstat's `tw`, which covers both families. Through sock_diag, TIME_WAIT sockets
// (often most of a busy server's) are never listed: that count stands for them.
//
// The /proc tables are read in 64 KiB chunks and never held whole, so a server with 100,000
// connections costs no more memory than one with ten. The read that would return 0 (end of file)
// is not made when the end is already known: the kernel's seq_file restarts an ended table's
// iterator from the first bucket (tcp_seq_start finds nothing at the last position and walks
// again from 0), so that empty read costs a whole second walk. Each read() of a seq_file returns
// at most one buffer (a page or more), filled until the next line no longer fits or the table
// ends; a read that stops with room for another line in even the smallest page therefore ended
// the table. See shortReadEndsTable.
//
// Visitors: the kernel lists the listening sockets before the connections (the listening hash is
// walked first, in both sources), so one pass knows the listening ports by the time it meets the
// connections; ports heard listening in the previous reading count too.
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { METRICS_LIMITS } from '../../contract/families.js';
import type { FieldOf, Snapshot } from '../../contract/metrics.js';
import type { Logger } from '../../core/logger.js';
import { readRootFile } from './collector.js';
import { formatIpv4, formatIpv6, HOST_IS_LITTLE_ENDIAN, isLoopbackAddress, procNetAddress } from './ip-address.js';
import { AF_INET, AF_INET6, ALL_TCP_STATES, loadSockDiag, remoteBytes, TCP_TIME_WAIT_BIT, type DiagSocket, type SockDiag } from './sock-diag.js';
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
  /**
   * 'auto' (default): sock_diag when the root is `/` and its addon loads, else /proc; 'proc':
   * always the text tables (tests comparing the two)
   */
  source?: 'auto' | 'proc';
  /** the sock_diag socket to use (a benchmark run from elsewhere than the agent); else the process's own */
  sockDiag?: SockDiag;
  /** told once which source is used and why, and of a failure that turns to /proc */
  log?: Logger;
}

export type TcpTablesSource = 'sock_diag' | 'proc';

/** One sock_diag socket for the process, opened at the first need; null when it cannot be. */
let sharedSockDiag: { socket: SockDiag | null; why: string } | null = null;
function processSockDiag(): { socket: SockDiag | null; why: string } {
  if (!sharedSockDiag) {
    const loaded = loadSockDiag();
    sharedSockDiag = loaded.ok ? { socket: loaded.socket, why: 'netlink addon loaded' } : { socket: null, why: loaded.why };
  }
  return sharedSockDiag;
}

const NEWLINE = 0x0a;
/** The smallest page size Linux has; seq_file buffers are at least this. */
const MIN_PAGE_BYTES = 4096;
/** Longer than any line of tcp (150 bytes, padded) or tcp6 (~180) */
const MAX_TABLE_LINE_BYTES = 512;

/**
 * Whether a read of `got` bytes, when `asked` were asked for, means the table has ended (no
 * need for the read that returns 0). True when the read stopped with room left for another
 * line in a page-sized buffer, which seq_file does only at the table's end; a regular file
 * (a recorded fixture) returns less than asked only at its end too. Never true for a read
 * of less than a page, where the caller's own buffer could have been what stopped it.
 */
export function shortReadEndsTable(got: number, asked: number): boolean {
  return asked >= MIN_PAGE_BYTES && got > 0 && got <= MIN_PAGE_BYTES - MAX_TABLE_LINE_BYTES;
}

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
    const state = line.state;
    const text = this.#text;
    this.#count(state);
    if (state === TCP_STATE_CODES.listen) {
      this.#listening.add(portOf(text, line.localStart, line.localEnd));
      return;
    }
    if (!this.#wantsVisitor(state)) return;
    const localPort = portOf(text, line.localStart, line.localEnd);
    if (!this.#listensOn(localPort)) return;
    const remote = procNetAddress(text, line.remoteStart, addressEnd(text, line.remoteStart, line.remoteEnd),
      this.#options.littleEndian ?? HOST_IS_LITTLE_ENDIAN);
    this.#addVisitor(remote, portOf(text, line.remoteStart, line.remoteEnd), localPort);
  };

  /** One socket of a sock_diag dump. */
  readonly socket = (socket: DiagSocket): void => {
    const state = socket.state;
    this.#count(state);
    if (state === TCP_STATE_CODES.listen) {
      this.#listening.add(socket.localPort);
      return;
    }
    if (!this.#wantsVisitor(state) || !this.#listensOn(socket.localPort)) return;
    const bytes = remoteBytes(socket);
    this.#addVisitor(socket.family === AF_INET ? formatIpv4(bytes) : formatIpv6(bytes), socket.remotePort, socket.localPort);
  };

  #count(state: number): void {
    const name = TCP_STATE_BY_CODE[state];
    if (name) this.counts[name]++;
  }

  #wantsVisitor(state: number): boolean {
    return state === TCP_STATE_CODES.established && this.visitors.length < (this.#options.maxVisitors ?? METRICS_LIMITS.maxSnapshotEntries);
  }

  #listensOn(localPort: number): boolean {
    return localPort >= 0 && (this.#listening.has(localPort) || this.#previousListening.has(localPort));
  }

  #addVisitor(remote: string | null, remotePort: number, localPort: number): void {
    if (remote === null || remotePort < 0) return;
    if (!this.#options.includeLoopback && isLoopbackAddress(remote)) return;
    this.visitors.push({ remote, remotePort, localPort });
  }

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
  #last: Promise<TcpTablesReading> | null = null;
  #listening: ReadonlySet<number> = new Set();
  #sockDiag: SockDiag | null | undefined; // undefined: not chosen yet

  constructor(root = '/', options: TcpTablesOptions = {}) {
    this.#root = root;
    this.#options = options;
    this.#buffer = Buffer.allocUnsafe(options.chunkBytes ?? 64 * 1024);
  }

  /** Where the last reading came from. */
  get source(): TcpTablesSource {
    return this.#sockDiag ? 'sock_diag' : 'proc';
  }

  /** Both answers as of sampling instant `t`: read at the first call for `t`, shared after that. */
  read(t: number): Promise<TcpTablesReading> {
    if (this.#last && this.#at === t) return this.#last;
    this.#at = t;
    this.#last = this.#read();
    return this.#last;
  }

  async #read(): Promise<TcpTablesReading> {
    const scan = new TcpTableScan(this.#listening, this.#options);
    let sockstatTimeWait: number | null = null;
    let v6InUse: number | null = null;
    try {
      sockstatTimeWait = timeWaitCount(readRootFile(this.#root, 'proc/net/sockstat'));
    } catch {
      // no sockstat: the tables are the only source
    }
    try {
      v6InUse = tcp6InUse(readRootFile(this.#root, 'proc/net/sockstat6'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') v6InUse = 0; // IPv6 disabled: no IPv6 socket
    }
    // IPv6 is skipped when no IPv6 socket is in use: its TIME_WAIT sockets are then counted from
    // sockstat's `tw`, which covers both families
    const readV6 = !(v6InUse === 0 && sockstatTimeWait !== null);
    let timeWaitTotal = readV6 ? null : sockstatTimeWait;
    const sockDiag = this.#chooseSource();
    let reading: TcpTablesReading;
    if (sockDiag) {
      // TIME_WAIT sockets, often most of a busy server's, are not even listed when sockstat
      // counts them (both families; with the few FIN_WAIT2 minisockets the kernel keeps as such)
      const states = sockstatTimeWait === null ? ALL_TCP_STATES : ALL_TCP_STATES & ~TCP_TIME_WAIT_BIT;
      timeWaitTotal = sockstatTimeWait;
      try {
        await sockDiag.dump(AF_INET, scan.socket, states);
        if (readV6) await sockDiag.dump(AF_INET6, scan.socket, states);
        reading = scan.finish();
      } catch (error) {
        this.#options.log?.warn('sock_diag failed; TCP tables are read from /proc/net/tcp from now on', { error });
        this.#sockDiag = null;
        return this.#read();
      }
    } else {
      this.#stream(path.join(this.#root, 'proc/net/tcp'), scan);
      if (readV6) {
        try {
          this.#stream(path.join(this.#root, 'proc/net/tcp6'), scan);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // a kernel without IPv6
        }
      }
      reading = scan.finish();
    }
    if (timeWaitTotal !== null) reading.counts.time_wait = Math.max(reading.counts.time_wait, timeWaitTotal);
    this.#listening = scan.listening;
    return reading;
  }

  #chooseSource(): SockDiag | null {
    if (this.#sockDiag !== undefined) return this.#sockDiag;
    if ((this.#options.source ?? 'auto') === 'proc' || path.resolve(this.#root) !== '/') {
      this.#sockDiag = null;
      return null;
    }
    const { socket, why } = this.#options.sockDiag ? { socket: this.#options.sockDiag, why: 'given' } : processSockDiag();
    this.#sockDiag = socket;
    this.#options.log?.info(socket ? 'TCP tables read through sock_diag (netlink)' : 'TCP tables read from /proc/net/tcp', { why });
    return socket;
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
        const asked = this.#buffer.length - carry;
        const n = readSync(fd, this.#buffer, carry, asked, null);
        const filled = carry + n;
        if (n === 0 || shortReadEndsTable(n, asked)) {
          if (filled > 0) scan.lines(this.#buffer.toString('latin1', 0, filled)); // the lines left, the last perhaps without a newline
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
