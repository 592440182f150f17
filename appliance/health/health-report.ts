// GET /api/v1/health (docs/api.md): whether the appliance works, and its counters. Reads each
// part through the narrow view it offers; `status` is 'degraded' (503) when the broker is down,
// rrdcached is down or not answering, SQLite fails a trivial query, or the fault monitor holds a
// fault (RES: disk full, read-only, I/O errors, database integrity, lost commits); `causes` says which.
import type { ApplianceFault, BoundRefusals, ClockHealth, PlannedRestart, PublicHealthResponse, HealthResponse, SelfWatchCondition } from '../../contract/api.js';
import { CAUSE_TEXT } from './fault-monitor.js';
import type { ModemHealth, SmsHealth } from '../../contract/alerts-api.js';
import { API_PREFIX } from '../../contract/api.js';
import type { Clock } from '../../core/clock.js';
import type { FastifyInstance } from 'fastify';
import { sendJson } from '../http/http-server.js';

export interface HealthSources {
  /** the uptime's clock */
  clock: Clock;
  startedAtMs: number;
  dataDir: string;
  retention: string;
  broker: { readonly running: boolean; readonly clientCount: number };
  store: { health(): HealthResponse['rrdcached']; readonly counters: { rrdUpdates: number; rrdUpdateErrors: number } };
  ingest: { readonly counters: { messagesIn: number; badPayloads: number; refused: number }; readonly backlog: number };
  /** true when the database answers a trivial query */
  databaseOk: () => boolean;
  capacity: () => { freeBytes: number; bytesPerServer: number; serverCapacity: number };
  serversEnrolled: () => number;
  modem: () => ModemHealth;
  sms: () => SmsHealth;
  /** the fault monitor's current faults (RES) */
  faults: () => ApplianceFault[];
  /** writes that failed on a storage fault, all places together */
  writeFailures: () => number;
  /** inputs refused for exceeding their bound (RES) */
  refusals: () => BoundRefusals;
  /** D1: whether the clock is synchronised, the last known time */
  clockHealth: () => ClockHealth;
  /** B4: the self-watch conditions that hold now */
  selfWatch: () => SelfWatchCondition[];
  /** B4: the announced planned restart, if its window is not over */
  plannedRestart: () => PlannedRestart | null;
}

/** Why the appliance is degraded, in a few words each; empty when it is well. */
export function healthCauses(s: { brokerOk: boolean; store: HealthResponse['rrdcached'] & { answering?: boolean }; dbOk: boolean; faults: readonly ApplianceFault[] }): string[] {
  const causes: string[] = [];
  if (!s.brokerOk) causes.push('broker down');
  if (!s.store.ok) causes.push(s.store.answering === false ? CAUSE_TEXT['rrdcached-not-answering'] : 'rrdcached down');
  if (!s.dbOk) causes.push('database not answering');
  for (const f of s.faults) {
    const text = CAUSE_TEXT[f.cause];
    if (!causes.includes(text)) causes.push(text);
  }
  return causes;
}

export function healthReport(s: HealthSources): HealthResponse {
  const storeHealth = s.store.health();
  const dbOk = s.databaseOk();
  const cap = s.capacity();
  const mem = process.memoryUsage();
  const faults = s.faults();
  const causes = healthCauses({ brokerOk: s.broker.running, store: storeHealth, dbOk, faults });
  return {
    status: causes.length === 0 ? 'ok' : 'degraded',
    uptimeS: Math.round((s.clock.now() - s.startedAtMs) / 1000),
    causes,
    faults,
    memory: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, heapTotalBytes: mem.heapTotal, externalBytes: mem.external },
    broker: { ok: s.broker.running, clients: s.broker.clientCount },
    rrdcached: storeHealth,
    database: { ok: dbOk },
    counters: {
      messagesIn: s.ingest.counters.messagesIn,
      badPayloads: s.ingest.counters.badPayloads,
      rrdUpdates: s.store.counters.rrdUpdates,
      rrdUpdateErrors: s.store.counters.rrdUpdateErrors,
      ingestBacklog: s.ingest.backlog,
      ingestRefused: s.ingest.counters.refused,
      writeFailures: s.writeFailures(),
    },
    refusals: s.refusals(),
    storage: {
      dataDir: s.dataDir,
      freeBytes: cap.freeBytes,
      bytesPerServer: cap.bytesPerServer,
      serversEnrolled: s.serversEnrolled(),
      serverCapacity: cap.serverCapacity,
      retention: s.retention,
    },
    modem: s.modem(),
    sms: s.sms(),
    clock: s.clockHealth(),
    selfWatch: s.selfWatch(),
    plannedRestart: s.plannedRestart(),
  };
}

export function healthRoutes(app: FastifyInstance, deps: { health: () => HealthResponse }): Promise<void> {
  // open to all for load balancers and monitoring; the details (counters, memory, modem, storage)
  // only to a signed-in caller
  app.get(`${API_PREFIX}/health`, { config: { permission: 'public' } }, (req, reply) => {
    const report = deps.health();
    // the causes are public too: a monitoring system that is not signed in must see why (RES);
    // and a planned restart, so that a sentinel does not alarm when the appliance goes away (B4)
    const body: HealthResponse | PublicHealthResponse = req.principal ? report : { status: report.status, uptimeS: report.uptimeS, causes: report.causes, plannedRestart: report.plannedRestart };
    return sendJson(reply, report.status === 'ok' ? 200 : 503, body);
  });
  return Promise.resolve();
}
