// TCP collector (S1, family `tcp`, one series): how many TCP sockets, IPv4 and IPv6 together,
// are in each state right now, through TcpTables (sock_diag or /proc/net/tcp and tcp6, shared
// with the visitors collector; see there for what reading the tables costs).
import type { Sample } from '../../contract/metrics.js';
import { makeSample, type Collector } from './collector.js';
import { TcpTables } from './tcp-tables.js';

export interface TcpCollectorOptions {
  root?: string;
  /** shared with the visitors collector */
  tables?: TcpTables;
}

export function createTcpCollector(options: TcpCollectorOptions = {}): Collector {
  const tables = options.tables ?? new TcpTables(options.root);
  return {
    name: 'tcp',
    async collect(t: number): Promise<Sample[]> {
      return [makeSample(t, 'tcp', { ...(await tables.read(t)).counts })];
    },
  };
}
