// Visitors collector (S1 "current client connections", S15; snapshot `x.visitors`): the TCP
// connections other machines have open to this server's listening services, i.e. ESTABLISHED
// sockets whose local port is one a socket LISTENs on, as (remote address, remote port, local
// port). Through TcpTables (sock_diag or /proc/net/tcp and tcp6, shared with the tcp collector); an IPv4
// client of a dual-stack listener shows as its IPv4 address.
//
// Left out: connections from loopback (this host's own programs talking to its services are not
// visitors), and beyond the contract's 1,000 entries, the rest (see TcpTablesReading).
import type { SnapshotCollector, SnapshotParts } from './collector.js';
import { TcpTables, type TcpTablesOptions } from './tcp-tables.js';

export interface VisitorsOptions extends TcpTablesOptions {
  root?: string;
  /** shared with the tcp collector */
  tables?: TcpTables;
}

export function createVisitorsCollector(options: VisitorsOptions = {}): SnapshotCollector {
  const tables = options.tables ?? new TcpTables(options.root, options);
  return {
    name: 'visitors',
    async snapshot(t: number): Promise<SnapshotParts> {
      return { visitors: (await tables.read(t)).visitors };
    },
  };
}
