// Visitors collector (S1 "current client connections", S15; snapshot `x.visitors`): the TCP
// connections other machines have open to this server's listening services, i.e. ESTABLISHED
// sockets whose local port is one a socket LISTENs on, as (remote address, remote port, local
// port). From /proc/net/tcp and tcp6; an IPv4 client of a dual-stack listener shows as its IPv4
// address.
//
// Left out: connections from loopback (this host's own programs talking to its services are not
// visitors), and, on a server with more than the contract's 1,000 such connections, the rest:
// the list is sorted by local port, then remote address and port, and cut there.
import { METRICS_LIMITS } from '../../contract/families.js';
import type { Snapshot } from '../../contract/metrics.js';
import type { SnapshotCollector, SnapshotParts } from './collector.js';
import { HOST_IS_LITTLE_ENDIAN, isLoopbackAddress, procNetAddress } from './ip-address.js';
import { addressEnd, portOf, scanTcpTable, TCP_STATE_CODES } from './proc-net-tcp.js';
import { TcpTables } from './tcp-tables.js';

export type Visitor = NonNullable<Snapshot['visitors']>[number];

export interface VisitorsOptions {
  root?: string;
  /** shared with the tcp collector */
  tables?: TcpTables;
  /** byte order of the machine the tables come from (recorded fixtures) */
  littleEndian?: boolean;
  /** keep connections from 127.0.0.0/8 and ::1 (tests on a machine with no other address) */
  includeLoopback?: boolean;
  maxEntries?: number;
}

/** Visitors in tables already read (`[buffer, length]` each), as the module header describes. */
export function findVisitors(
  tables: readonly (readonly [Buffer, number])[],
  options: Pick<VisitorsOptions, 'littleEndian' | 'includeLoopback' | 'maxEntries'> = {},
): Visitor[] {
  const littleEndian = options.littleEndian ?? HOST_IS_LITTLE_ENDIAN;
  const maxEntries = options.maxEntries ?? METRICS_LIMITS.maxSnapshotEntries;
  const listening = new Set<number>();
  for (const [buffer, length] of tables) {
    scanTcpTable(buffer, length, (line) => {
      if (line.state === TCP_STATE_CODES.listen) listening.add(portOf(buffer, line.localStart, line.localEnd));
    });
  }
  const visitors: Visitor[] = [];
  for (const [buffer, length] of tables) {
    scanTcpTable(buffer, length, (line) => {
      if (line.state !== TCP_STATE_CODES.established) return;
      const localPort = portOf(buffer, line.localStart, line.localEnd);
      if (localPort < 0 || !listening.has(localPort)) return;
      const remote = procNetAddress(buffer, line.remoteStart, addressEnd(buffer, line.remoteStart, line.remoteEnd), littleEndian);
      const remotePort = portOf(buffer, line.remoteStart, line.remoteEnd);
      if (remote === null || remotePort < 0) return;
      if (!options.includeLoopback && isLoopbackAddress(remote)) return;
      visitors.push({ remote, remotePort, localPort });
    });
  }
  visitors.sort((a, b) => a.localPort - b.localPort || compareText(a.remote, b.remote) || a.remotePort - b.remotePort);
  return visitors.length > maxEntries ? visitors.slice(0, maxEntries) : visitors;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function createVisitorsCollector(options: VisitorsOptions = {}): SnapshotCollector {
  const tables = options.tables ?? new TcpTables(options.root);
  return {
    name: 'visitors',
    snapshot(t: number): SnapshotParts {
      return { visitors: findVisitors(tables.read(t).tables, options) };
    },
  };
}
