// The TCP socket tables, read at most once per sampling instant for the two collectors that need
// them (`tcp` counts states, `visitors` lists client connections; by default both run every 30 s,
// at the same instants).
//
// Reading /proc/net/tcp or tcp6 costs the kernel a walk of its whole established-connections hash
// table, whatever the number of sockets: ~5 ms per file on a machine with 24 GB of RAM (262,144
// buckets, /proc/sys/net/ipv4/tcp_ehash_entries), plus ~2.5 µs per socket. So tcp6 is skipped when
// /proc/net/sockstat6 says no IPv6 TCP socket is in use (an IPv4-only server): the only IPv6
// sockets it could then hold are in TIME_WAIT, and those are counted by /proc/net/sockstat's
// `tw`, which covers both families.
import path from 'node:path';
import { readRootFile } from './collector.js';
import { ProcFileReader } from './proc-file-reader.js';

export interface TcpTableSnapshot {
  /** [buffer, length] of /proc/net/tcp, then of tcp6 when it was read */
  tables: [Buffer, number][];
  /**
   * TIME_WAIT sockets of both families from /proc/net/sockstat when tcp6 was skipped (the tables
   * then lack the IPv6 ones), else null.
   */
  timeWaitTotal: number | null;
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

export class TcpTables {
  readonly #root: string;
  readonly #v4 = new ProcFileReader(64 * 1024);
  readonly #v6 = new ProcFileReader(16 * 1024);
  #at = Number.NaN;
  #last: TcpTableSnapshot | null = null;

  constructor(root = '/') {
    this.#root = root;
  }

  /** The tables as of sampling instant `t`: read at the first call for `t`, shared after that. */
  read(t: number): TcpTableSnapshot {
    if (this.#last && this.#at === t) return this.#last;
    this.#last = null;
    const file = (name: string): string => path.join(this.#root, 'proc/net', name);
    const tables: [Buffer, number][] = [[this.#v4.buffer, 0]];
    let timeWaitTotal: number | null = null;
    let readV6 = true;
    try {
      if (tcp6InUse(readRootFile(this.#root, 'proc/net/sockstat6')) === 0) {
        timeWaitTotal = timeWaitCount(readRootFile(this.#root, 'proc/net/sockstat'));
        readV6 = timeWaitTotal === null; // without the count, the table is the only source
      }
    } catch {
      // no sockstat6 (IPv6 disabled: then tcp6 is absent too) or no sockstat: read the tables
    }
    const v4Length = this.#v4.read(file('tcp'));
    tables[0] = [this.#v4.buffer, v4Length];
    if (readV6) {
      try {
        tables.push([this.#v6.buffer, this.#v6.read(file('tcp6'))]);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // a kernel without IPv6
      }
    }
    this.#at = t;
    this.#last = { tables, timeWaitTotal };
    return this.#last;
  }
}
