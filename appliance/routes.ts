// Every feature's routes, one Fastify plugin each (docs/architecture.md "HTTP"), registered on
// the app by the composition root (appliance.ts). Kept apart so that the table of routes and
// their permissions can be listed without starting the appliance
// (test/appliance/http/route-permissions.test.ts).
import type { FastifyInstance } from 'fastify';
import type { HealthResponse } from '../contract/api.js';
import { guarded } from './http/http-server.js';
import { accountRoutes, type AccountRoutesDeps } from './accounts/routes.js';
import { agentRoutes, type AgentRoutesDeps } from './agents/routes.js';
import { configRoutes, type ConfigRoutesDeps } from './agent-config/routes.js';
import { alertRoutes, type AlertRoutesDeps } from './alerting/routes.js';
import { healthRoutes } from './health/health-report.js';
import { plannedRestartRoutes, type PlannedRestartRoutesDeps } from './health/planned-restart-routes.js';
import { redundancyRoutes, type RedundancyRoutesDeps } from './sentinel/routes.js';
import { pairRoutes, type PairRoutesDeps } from './pair/routes.js';
import { installerRoutes, type InstallerRoutesDeps } from './installer/routes.js';
import { tlsRoutes, type TlsRoutesDeps } from './tls/routes.js';
import { eventStreamRoutes, type EventStreamDeps } from './live/event-stream.js';
import { seriesRoutes, type SeriesRoutesDeps } from './store/series-routes.js';
import { visitorRoutes, type VisitorRoutesDeps } from './visitors/routes.js';
import { topHistoryRoutes, type TopHistoryRoutesDeps } from './top-history/routes.js';
import { checkRoutes, type CheckRoutesDeps } from './checks/routes.js';
import { statsRoutes, type StatsRoutesDeps } from './stats/routes.js';
import { wallRoutes, type WallRoutesDeps } from './walls/routes.js';
import { maintenanceRoutes, type MaintenanceRoutesDeps } from './alerting/maintenance/maintenance-routes.js';
import { poolRoutes, type PoolRoutesDeps } from './weblog/pools/routes.js';
import { weblogRoutes, type WeblogRoutesDeps } from './weblog/routes.js';
import { metricsRoutes, type MetricsRoutesDeps } from './federation/metrics-routes.js';
import { federationRoutes, type FederationRoutesDeps } from './federation/routes.js';
import { fileRoutes, type FileRoutesDeps } from './files/routes.js';

export interface FeatureRoutesDeps {
  health: () => HealthResponse;
  accounts: AccountRoutesDeps;
  agents: AgentRoutesDeps;
  series: SeriesRoutesDeps;
  alerts: AlertRoutesDeps;
  visitors: VisitorRoutesDeps;
  topHistory: TopHistoryRoutesDeps;
  config: ConfigRoutesDeps;
  stream: EventStreamDeps;
  installer: InstallerRoutesDeps;
  tls: TlsRoutesDeps;
  checks: CheckRoutesDeps;
  stats: StatsRoutesDeps;
  walls: WallRoutesDeps;
  maintenance: MaintenanceRoutesDeps;
  plannedRestart: PlannedRestartRoutesDeps;
  redundancy: RedundancyRoutesDeps;
  pair: PairRoutesDeps;
  pools: PoolRoutesDeps;
  weblogs: WeblogRoutesDeps;
  metrics: MetricsRoutesDeps;
  federation: FederationRoutesDeps;
  files: FileRoutesDeps;
}

export async function registerFeatureRoutes(app: FastifyInstance, deps: FeatureRoutesDeps): Promise<void> {
  await app.register(guarded(healthRoutes), { health: deps.health });
  await app.register(guarded(plannedRestartRoutes), deps.plannedRestart);
  await app.register(guarded(redundancyRoutes), deps.redundancy);
  await app.register(guarded(pairRoutes), deps.pair);
  await app.register(guarded(accountRoutes), deps.accounts);
  await app.register(guarded(agentRoutes), deps.agents);
  await app.register(guarded(seriesRoutes), deps.series);
  await app.register(guarded(alertRoutes), deps.alerts);
  await app.register(guarded(visitorRoutes), deps.visitors);
  await app.register(guarded(topHistoryRoutes), deps.topHistory);
  await app.register(guarded(configRoutes), deps.config);
  await app.register(guarded(checkRoutes), deps.checks);
  await app.register(guarded(statsRoutes), deps.stats);
  await app.register(guarded(wallRoutes), deps.walls);
  await app.register(guarded(maintenanceRoutes), deps.maintenance);
  await app.register(guarded(poolRoutes), deps.pools);
  await app.register(guarded(weblogRoutes), deps.weblogs);
  await app.register(guarded(installerRoutes), deps.installer);
  await app.register(guarded(tlsRoutes), deps.tls);
  await app.register(guarded(eventStreamRoutes), deps.stream);
  await app.register(guarded(metricsRoutes), deps.metrics);
  await app.register(guarded(federationRoutes), deps.federation);
  await app.register(guarded(fileRoutes), deps.files);
}
