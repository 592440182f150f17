// Every route of the appliance with the permission it declares (SEC; contract/permissions.ts).
// This table is what the authorization matrix is generated from: a new route must be added here
// with its permission, a changed permission shows here in review. The routes are registered as
// the composition root registers them (appliance/routes.ts), with services that are never
// called, and the web UI (the static files) on top.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHttpApp, registeredRoutes } from '../../../appliance/http/http-server.js';
import { registerFeatureRoutes } from '../../../appliance/routes.js';
import { PERMISSIONS, ROLE_PERMISSIONS, roleAllows } from '../../../contract/permissions.js';
import { silentLogger } from '../../../core/logger.js';
import { systemClock } from '../../../core/clock.js';
import { LiveHub } from '../../../appliance/live/live-hub.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** "METHOD url permission", HEAD routes (made for each GET) left out. */
const EXPECTED = `
GET /* public
GET /api/v1/health public
PUT /api/v1/planned-restart appliance:manage
DELETE /api/v1/planned-restart appliance:manage
GET /api/v1/redundancy appliance:manage
PUT /api/v1/redundancy appliance:manage
GET /api/v1/sentinel/heartbeat public
POST /api/v1/redundancy/test appliance:manage
POST /api/v1/sentinel/test-result public
POST /api/v1/sentinel/alarm sentinel:report
GET /api/v1/pair/heartbeat public
GET /api/v1/pair/config public
GET /api/v1/pair modem:read
POST /api/v1/pair/promote appliance:manage
GET /api/v1/auth/session public
POST /api/v1/auth/setup public
POST /api/v1/auth/login public
POST /api/v1/auth/logout public
POST /api/v1/auth/password account:self
GET /api/v1/auth/sessions account:self
DELETE /api/v1/auth/sessions/:handle account:self
POST /api/v1/auth/totp/begin account:self
POST /api/v1/auth/totp/confirm account:self
GET /api/v1/tokens account:self
POST /api/v1/tokens account:self
DELETE /api/v1/tokens/:id account:self
GET /api/v1/users users:manage
POST /api/v1/users users:manage
PUT /api/v1/users/:id users:manage
POST /api/v1/users/:id/password users:manage
DELETE /api/v1/users/:id/totp users:manage
GET /api/v1/audit audit:read
GET /api/v1/audit.csv audit:read
POST /api/v1/enroll public
GET /api/v1/enrollment enrollment:manage
POST /api/v1/enrollment/token enrollment:manage
GET /api/v1/retention retention:manage
GET /api/v1/retention/preview retention:manage
PUT /api/v1/retention retention:manage
GET /api/v1/agents agents:read
GET /api/v1/agents/:id agents:read
POST /api/v1/servers servers:write
PATCH /api/v1/servers/:id servers:write
DELETE /api/v1/servers/:id servers:write
GET /api/v1/agents/:id/series series:read
GET /api/v1/rules rules:read
POST /api/v1/rules/preview rules:read
POST /api/v1/rules rules:write
GET /api/v1/rules/:id rules:read
PUT /api/v1/rules/:id rules:write
DELETE /api/v1/rules/:id rules:write
GET /api/v1/rules/:id/preview rules:read
GET /api/v1/groups groups:read
POST /api/v1/groups groups:write
GET /api/v1/groups/:id groups:read
PUT /api/v1/groups/:id groups:write
DELETE /api/v1/groups/:id groups:write
PUT /api/v1/groups/:id/members groups:write
POST /api/v1/groups/:id/members/:agentId groups:write
DELETE /api/v1/groups/:id/members/:agentId groups:write
PUT /api/v1/servers/:id/groups groups:write
GET /api/v1/servers agents:read
GET /api/v1/mutes mutes:read
POST /api/v1/servers/:id/mute mutes:write
DELETE /api/v1/servers/:id/mute mutes:write
GET /api/v1/contacts contacts:read
POST /api/v1/contacts contacts:write
GET /api/v1/contacts/:id contacts:read
PUT /api/v1/contacts/:id contacts:write
DELETE /api/v1/contacts/:id contacts:write
GET /api/v1/alerts alerts:read
GET /api/v1/alerts/noise alerts:read
GET /api/v1/alerts/:id alerts:read
POST /api/v1/alerts/:id/ack alerts:ack
GET /api/v1/sms/held sms:read
GET /api/v1/sms/outbox sms:read
POST /api/v1/sms/test sms:test
GET /api/v1/modem modem:read
GET /api/v1/modem/sim-log modem:test
POST /api/v1/modem/sim-deliver modem:test
POST /api/v1/modem/sim-fault modem:test
GET /api/v1/visitors visitors:read
GET /api/v1/agents/:id/top-history series:read
GET /api/v1/config/defaults checks:read
PUT /api/v1/config/defaults checks:write
GET /api/v1/agents/:id/config checks:read
PUT /api/v1/agents/:id/config checks:write
POST /api/v1/checks checks:write
GET /api/v1/checks checks:read
GET /api/v1/checks/:id checks:read
PUT /api/v1/checks/:id checks:write
DELETE /api/v1/checks/:id checks:write
GET /api/v1/checks/:id/history checks:read
GET /api/v1/checks/:id/series checks:read
GET /api/v1/stats series:read
GET /api/v1/stats.csv series:read
GET /api/v1/stats/business-hours series:read
PUT /api/v1/stats/business-hours reports:write
GET /api/v1/reports reports:read
POST /api/v1/reports reports:write
GET /api/v1/reports/:id reports:read
PUT /api/v1/reports/:id reports:write
DELETE /api/v1/reports/:id reports:write
GET /api/v1/reports/:id/runs/:runId reports:read
GET /api/v1/walls dashboards:read
POST /api/v1/walls dashboards:write
GET /api/v1/walls/:id dashboards:read
PUT /api/v1/walls/:id dashboards:write
DELETE /api/v1/walls/:id dashboards:write
GET /api/v1/schematic dashboards:read
PUT /api/v1/schematic servers:write
GET /api/v1/maintenance mutes:read
GET /api/v1/maintenance/:id mutes:read
POST /api/v1/maintenance mutes:write
PUT /api/v1/maintenance/:id mutes:write
DELETE /api/v1/maintenance/:id mutes:write
GET /api/v1/dependencies agents:read
PUT /api/v1/groups/:id/depends-on groups:write
GET /api/v1/pools checks:read
POST /api/v1/pools checks:write
GET /api/v1/pools/:id checks:read
PUT /api/v1/pools/:id checks:write
DELETE /api/v1/pools/:id checks:write
POST /api/v1/weblogs checks:write
GET /api/v1/weblogs checks:read
GET /api/v1/weblogs/:id checks:read
PUT /api/v1/weblogs/:id checks:write
DELETE /api/v1/weblogs/:id checks:write
GET /api/v1/weblogs/:id/top checks:read
GET /api/v1/weblogs/:id/series checks:read
GET /install.sh public
GET /agent/rackwatch-agent.js public
GET /agent/rackwatch-agent.js.sha256 public
GET /agent/sock-diag-:target public
GET /agent/serialport-:target public
GET /api/v1/tls tls:manage
PUT /api/v1/tls/certificate tls:manage
GET /api/v1/stream stream:read
GET /metrics metrics:read
GET /api/v1/federation federation:manage
PUT /api/v1/federation federation:manage
POST /api/v1/files files:deploy
POST /api/v1/jobs files:deploy
GET /api/v1/jobs files:deploy
GET /api/v1/jobs/:id files:deploy
POST /api/v1/jobs/:id/rollback files:deploy
GET /api/v1/deploy-grants users:manage
PUT /api/v1/users/:id/deploy-groups users:manage
GET /api/v1/files/:id/content public
`.trim().split('\n');

void t.test('every route of the appliance with its permission', async (t) => {
  const webui = tempDir(t, 'rw-ui-');
  writeFileSync(path.join(webui, 'index.html'), '<!doctype html>');
  const app = await createHttpApp({ logger: silentLogger, webuiDir: webui });
  t.teardown(() => app.close());
  const unused = {} as never;
  const agentExists = (): boolean => true;
  await registerFeatureRoutes(app, {
    health: unused,
    accounts: { accounts: unused, repo: unused, sessions: unused, tokens: unused, audit: unused, deployGrants: unused },
    agents: { registry: unused, enrollment: unused, servers: unused, mqttPort: () => 0, mqtts: unused, enrollmentInfo: unused, rotateEnrollToken: unused, retention: unused, retentionChange: unused },
    series: { series: unused, agentExists, clock: systemClock, retentionS: 86_400 },
    // with the simulator's test hooks: the largest set of routes
    alerts: { engine: unused, admin: unused, repo: unused, outbox: unused, modem: () => ({ mode: 'sim' }) as never, simulator: () => null, agentExists, clock: systemClock, noise: unused },
    visitors: { visitors: unused, agentExists },
    topHistory: { history: unused, agentExists, clock: systemClock },
    config: { config: unused, agentExists },
    stream: { hub: new LiveHub({ ringSize: 4, bootTimeMs: 0 }), heartbeatMs: 60_000, maxBufferedBytes: 1024, retryMs: 1000 },
    installer: { distDir: webui, origin: unused, pin: unused },
    tls: { identity: unused },
    checks: { checks: unused, series: unused, agentExists, clock: systemClock, retentionS: 86_400 },
    stats: { stats: unused },
    walls: { walls: unused },
    maintenance: { calendar: unused, dependencies: unused, engine: unused, agentExists, clock: systemClock },
    plannedRestart: { plannedRestarts: unused },
    redundancy: { redundancy: unused, heartbeat: unused, peerAlarms: unused },
    pair: { pair: unused },
    pools: { pools: unused, clock: systemClock, retentionS: 86_400 },
    weblogs: { sources: unused, traffic: unused, series: unused, clock: systemClock, retentionS: 86_400 },
    metrics: { metrics: unused },
    federation: { federation: unused },
    files: { files: unused, grants: unused, clock: systemClock },
  });
  await app.ready();
  const routes = registeredRoutes(app);
  const table = routes.filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${r.url} ${r.permission}`);
  t.same(table, EXPECTED, 'the routes and their permissions');
  // each GET's HEAD twin carries the same permission
  for (const head of routes.filter((r) => r.method === 'HEAD')) {
    t.ok(routes.some((r) => r.method === 'GET' && r.url === head.url && r.permission === head.permission), `HEAD ${head.url}`);
  }
});

void t.test('the roles: each holds the one below it; a viewer reads, sees no phone number, changes nothing', (t) => {
  t.ok(ROLE_PERMISSIONS.viewer.every((p) => ROLE_PERMISSIONS.operator.includes(p)), 'operator ⊇ viewer');
  t.ok(ROLE_PERMISSIONS.operator.every((p) => ROLE_PERMISSIONS.admin.includes(p)), 'admin ⊇ operator');
  t.same([...ROLE_PERMISSIONS.admin].sort(), [...PERMISSIONS].sort(), 'admin holds every permission');
  t.same(ROLE_PERMISSIONS.viewer.filter((p) => !p.endsWith(':read')), ['account:self'], 'a viewer only reads (and looks after their own account)');
  for (const p of ['contacts:read', 'sms:read'] as const) t.notOk(roleAllows('viewer', p), `no phone numbers for a viewer: ${p}`);
  for (const p of ['alerts:ack', 'mutes:write', 'rules:write', 'checks:write', 'groups:write', 'dashboards:write', 'reports:write'] as const) t.ok(roleAllows('operator', p), `operator: ${p}`);
  for (const p of ['users:manage', 'audit:read', 'contacts:write', 'modem:test', 'sms:test', 'enrollment:manage', 'servers:write', 'retention:manage', 'tls:manage', 'appliance:manage', 'federation:manage'] as const) {
    t.notOk(roleAllows('operator', p), `admin only: ${p}`);
    t.ok(roleAllows('admin', p));
  }
  t.ok(roleAllows('viewer', 'public'));
  t.end();
});
