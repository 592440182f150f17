// TCP collector (S1, family `tcp`, one series): how many TCP sockets, IPv4 and IPv6 together,
// are in each state right now, from /proc/net/tcp and tcp6 (through TcpTables, shared with the
// visitors collector; see there for what reading the tables costs).
import type { Sample } from '../../contract/metrics.js';
import { makeSample, type SyncCollector } from './collector.js';
import { TcpTables } from './tcp-tables.js';

export interface TcpCollectorOptions {
  root?: string;
  /** shared with the visitors collector */
  tables?: TcpTables;
}

export function createTcpCollector(options: TcpCollectorOptions = {}): SyncCollector {
  const tables = options.tables ?? new TcpTables(options.root);
  return {
    name: 'tcp',
    collect(t: number): Sample[] {
      return [makeSample(t, 'tcp', { ...tables.read(t).counts })];
    },
  };
}
