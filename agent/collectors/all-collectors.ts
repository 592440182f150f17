// Every collector of the contract's COLLECTOR_NAMES (S1), by name: what the collection plan builds
// when a collector is switched on (S2). The switch is exhaustive, so a collector added to the
// contract does not compile until it exists here.
import type { CollectorName } from '../../contract/families.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { AnyCollector } from './collector.js';
import { createCpuCollector } from './cpu.js';
import { createDiskCollector } from './disk.js';
import { createFilesystemsCollector } from './filesystems.js';
import { createLoadCollector } from './load.js';
import { createMemoryCollector } from './memory.js';
import { createNetworkCollector } from './network.js';
import { createRoutesCollector } from './routes.js';
import { createSmartHealthCollector } from './smart-health.js';
import { createTcpCollector } from './tcp.js';
import { TcpTables } from './tcp-tables.js';
import { createTopProcessesCollector, type ProcessReadingSink } from './top-processes.js';
import { createVisitorsCollector } from './visitors.js';

export interface CollectorContext {
  /** the directory standing for `/` */
  root: string;
  clock: Clock;
  log: Logger;
  /** read once per instant for both tcp and visitors; created on first use */
  tcpTables?: TcpTables;
  /** takes the top-processes collector's readings of /proc (the process checks' table) */
  processes?: ProcessReadingSink;
}

export function createCollector(name: CollectorName, context: CollectorContext): AnyCollector {
  const { root } = context;
  switch (name) {
    case 'cpu': return createCpuCollector({ root });
    case 'load': return createLoadCollector({ root });
    case 'memory': return createMemoryCollector({ root });
    case 'fs': return createFilesystemsCollector({ root, clock: context.clock, log: context.log.child('fs') });
    case 'net': return createNetworkCollector({ root });
    case 'disk': return createDiskCollector({ root });
    case 'tcp': return createTcpCollector({ root, tables: context.tcpTables ??= new TcpTables(root, { log: context.log.child('tcp') }) });
    case 'routes': return createRoutesCollector({ root });
    case 'top': return createTopProcessesCollector({ root, ...(context.processes ? { sink: context.processes } : {}) });
    case 'smart': return createSmartHealthCollector({ root, log: context.log.child('smart') });
    case 'visitors': return createVisitorsCollector({ root, tables: context.tcpTables ??= new TcpTables(root, { log: context.log.child('tcp') }) });
  }
}
