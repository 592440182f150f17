// GET /api/v1/health (docs/api.md): whether the appliance works, and its counters. Reads each
// part through the narrow view it offers; `status` is 'degraded' (503) when the broker is down,
// rrdcached is not answering or SQLite fails a trivial query.
import type { BoundRefusals, PublicHealthResponse, HealthResponse } from '../../contract/api.js';
import type { ModemHealth, SmsHealth } from '../../contract/alerts-api.js';
import { API_PREFIX } from '../../contract/api.js';
import type { Clock } from '../../core/clock.js';
import type { FastifyInstance } from 'fastify';
import { sendJson } from '../http/http-server.js';

export interface HealthSources {
  clock: Clock;
  startedAtMs: number;
  dataDir: string;
  retention: string;
  broker: { readonly running: boolean; readonly clientCount: number };
  store: { health(): HealthResponse['rrdcached']; readonly counters: { rrdUpdates: number; rrdUpdateErrors: number } };
  ingest: { readonly counters: { messagesIn: number; badPayloads: number }; readonly backlog: number };
  /** true when the database answers a trivial query */
  databaseOk: () => boolean;
  capacity: () => { freeBytes: number; bytesPerServer: number; serverCapacity: number };
  serversEnrolled: () => number;
  modem: () => ModemHealth;
  sms: () => SmsHealth;
  /** inputs refused for exceeding their bound (RES) */
  refusals: () => BoundRefusals;
}

export function healthReport(s: HealthSources): HealthResponse {
  const storeHealth = s.store.health();
  const dbOk = s.databaseOk();
  const cap = s.capacity();
  const mem = process.memoryUsage();
  return {
    status: s.broker.running && storeHealth.ok && dbOk ? 'ok' : 'degraded',
    uptimeS: Math.round((s.clock.now() - s.startedAtMs) / 1000),
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
  };
}

export function healthRoutes(app: FastifyInstance, deps: { health: () => HealthResponse }): Promise<void> {
  // open to all for load balancers and monitoring; the details (counters, memory, modem, storage)
  // only to a signed-in caller
  app.get(`${API_PREFIX}/health`, { config: { permission: 'public' } }, (req, reply) => {
    const report = deps.health();
    const body: HealthResponse | PublicHealthResponse = req.principal ? report : { status: report.status, uptimeS: report.uptimeS };
    return sendJson(reply, report.status === 'ok' ? 200 : 503, body);
  });
  return Promise.resolve();
}
