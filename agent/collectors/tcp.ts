// TCP collector (S1, family `tcp`, one series): how many TCP sockets, IPv4 and IPv6 together,
// are in each state right now, from /proc/net/tcp and tcp6 (through TcpTables, which the
// visitors collector shares; see there for what the tables cost the kernel).
import type { FieldOf, Sample } from '../../contract/metrics.js';
import { makeSample, type Collector } from './collector.js';
import { scanTcpTable, TCP_STATE_BY_CODE, TCP_STATE_CODES } from './proc-net-tcp.js';
import { TcpTables } from './tcp-tables.js';

export type TcpCounts = Record<FieldOf<'tcp'>, number>;

export function emptyTcpCounts(): TcpCounts {
  const counts = {} as TcpCounts;
  for (const name of Object.keys(TCP_STATE_CODES) as FieldOf<'tcp'>[]) counts[name] = 0;
  return counts;
}

/** Adds the sockets of one table (`buffer[0, length)`) to `counts`. */
export function countTcpStates(buffer: Buffer, length: number, counts: TcpCounts): TcpCounts {
  scanTcpTable(buffer, length, (line) => {
    const name = TCP_STATE_BY_CODE[line.state];
    if (name) counts[name]++;
  });
  return counts;
}

export interface TcpCollectorOptions {
  root?: string;
  /** shared with the visitors collector */
  tables?: TcpTables;
}

export function createTcpCollector(options: TcpCollectorOptions = {}): Collector {
  const tables = options.tables ?? new TcpTables(options.root);
  return {
    name: 'tcp',
    collect(t: number): Sample[] {
      const snapshot = tables.read(t);
      const counts = emptyTcpCounts();
      for (const [buffer, length] of snapshot.tables) countTcpStates(buffer, length, counts);
      // IPv6 table skipped (no IPv6 socket in use): its TIME_WAIT sockets are in sockstat's count
      if (snapshot.timeWaitTotal !== null) counts.time_wait = Math.max(counts.time_wait, snapshot.timeWaitTotal);
      return [makeSample(t, 'tcp', counts)];
    },
  };
}
