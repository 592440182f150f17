// Maintenance windows and dependencies over HTTP (B11, B10; docs/api.md "Maintenance windows",
// "Dependencies"; types in contract/maintenance-api.ts). Windows quiet alerts like a mute does,
// so the mute permissions govern them: every role reads (mutes:read), operators and admins write
// (mutes:write), each write audited with its author, the signed-in user. A group's dependencies
// are the group's (groups:write); a server's are set by PATCH /servers/:id (agents/routes.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { API_PREFIX } from '../../../contract/api.js';
import { RwError } from '../../../contract/errors.js';
import { MAINTENANCE_LIMITS } from '../../../contract/maintenance-api.js';
import type { Clock } from '../../../core/clock.js';
import { sendJson, sendNoContent, sendParsed } from '../../http/http-server.js';
import { idParams, idText } from '../../http/route-schemas.js';
import type { AlertEngine } from '../alert-engine.js';
import { groupDependsOnSchema, type DependencyStore } from '../dependencies/dependency-store.js';
import type { MaintenanceCalendar } from './maintenance-calendar.js';

export interface MaintenanceRoutesDeps {
  calendar: MaintenanceCalendar;
  dependencies: DependencyStore;
  engine: AlertEngine;
  agentExists: (id: string) => boolean;
  clock: Clock;
}

const unixMs = z.coerce.number().int().min(0).max(8.64e15);
const listQuery = z.object({ agentId: idText.optional(), from: unixMs.optional(), to: unixMs.optional() }).strict()
  .refine((q) => (q.from === undefined) === (q.to === undefined), { message: 'from and to go together', path: ['to'] })
  .refine((q) => q.from === undefined || q.agentId !== undefined, { message: 'a range needs agentId', path: ['agentId'] })
  .refine((q) => q.from === undefined || q.to === undefined || (q.to > q.from && q.to - q.from <= MAINTENANCE_LIMITS.spansRangeMs), {
    message: `must be after from, at most ${MAINTENANCE_LIMITS.spansRangeMs / 86_400_000} days later`, path: ['to'],
  });

const author = (req: FastifyRequest): string => req.principal?.username ?? 'api';

export function maintenanceRoutes(fastify: FastifyInstance, deps: MaintenanceRoutesDeps): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { calendar, engine, clock } = deps;
  const P = `${API_PREFIX}/maintenance`;
  const before = (req: FastifyRequest): unknown => calendar.get((req.params as { id: string }).id);
  const groupsOf = (agentId: string): string[] => engine.groups().filter((g) => g.memberIds.includes(agentId)).map((g) => g.id);

  app.get(P, { config: { permission: 'mutes:read' }, schema: { querystring: listQuery } }, (req, reply) => {
    const agentId = req.query.agentId;
    if (agentId !== undefined && !deps.agentExists(agentId)) throw new RwError('RW_ERR_NOT_FOUND', `no server ${agentId}`);
    const { from, to } = req.query;
    const range = from !== undefined && to !== undefined ? { range: { fromMs: from, toMs: to } } : {};
    return sendJson(reply, 200, calendar.listing(clock.now(), agentId === undefined ? undefined : { agentId, groupIds: groupsOf(agentId), ...range }));
  });
  app.get(`${P}/:id`, { config: { permission: 'mutes:read' }, schema: { params: idParams } }, (req, reply) => {
    const w = calendar.get(req.params.id);
    if (!w) throw new RwError('RW_ERR_NOT_FOUND', `no maintenance window ${req.params.id}`);
    return sendJson(reply, 200, calendar.view(w, clock.now()));
  });
  app.post(P, { config: { permission: 'mutes:write', audit: { action: 'maintenance.created' } } }, (req, reply) => {
    const parsed = calendar.create(req.body, author(req), clock.now());
    if (parsed.ok) engine.maintenanceChanged();
    return sendParsed(reply, 201, parsed);
  });
  app.put(`${P}/:id`, { config: { permission: 'mutes:write', audit: { action: 'maintenance.updated', before } }, schema: { params: idParams } }, (req, reply) => {
    const parsed = calendar.update(req.params.id, req.body, author(req), clock.now());
    if (parsed.ok) engine.maintenanceChanged();
    return sendParsed(reply, 200, parsed);
  });
  app.delete(`${P}/:id`, { config: { permission: 'mutes:write', audit: { action: 'maintenance.deleted', before } }, schema: { params: idParams } }, (req, reply) => {
    calendar.remove(req.params.id);
    engine.maintenanceChanged();
    return sendNoContent(reply);
  });

  app.get(`${API_PREFIX}/dependencies`, { config: { permission: 'agents:read' } }, (_req, reply) => sendJson(reply, 200, deps.dependencies.listing()));
  app.put(`${API_PREFIX}/groups/:id/depends-on`, {
    config: { permission: 'groups:write', audit: { action: 'group.dependencies_set', before: (req) => deps.dependencies.ownParents('group', (req.params as { id: string }).id) } },
    schema: { params: idParams, body: groupDependsOnSchema },
  }, (req, reply) => {
    const parsed = deps.dependencies.set('group', req.params.id, req.body.dependsOn);
    if (parsed.ok) engine.dependenciesChanged();
    return sendParsed(reply, 200, parsed.ok ? { ok: true, value: { groupId: req.params.id, dependsOn: parsed.value } } : parsed);
  });
  return Promise.resolve();
}
