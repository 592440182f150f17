// B4: announcing a planned restart or update over HTTP (docs/api.md "Planned restart"). Admins
// only ('appliance:manage'): a window silences the sentinels' alarm about this appliance. Reading
// it needs nothing: GET /api/v1/health carries it, public, for the sentinels.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { API_PREFIX } from '../../contract/api.js';
import { RwError } from '../../contract/errors.js';
import { sendJson, sendNoContent } from '../http/http-server.js';
import { announceSchema, type PlannedRestarts } from './planned-restart.js';

export interface PlannedRestartRoutesDeps {
  plannedRestarts: PlannedRestarts;
}

export function plannedRestartRoutes(fastify: FastifyInstance, deps: PlannedRestartRoutesDeps): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const P = `${API_PREFIX}/planned-restart`;
  const before = (): unknown => deps.plannedRestarts.current();
  app.put(P, { config: { permission: 'appliance:manage', audit: { action: 'planned-restart.announced', before } }, schema: { body: announceSchema } }, (req, reply) => (
    sendJson(reply, 200, deps.plannedRestarts.announce(req.body, req.principal?.username ?? 'unknown'))
  ));
  app.delete(P, { config: { permission: 'appliance:manage', audit: { action: 'planned-restart.withdrawn', before } } }, (_req, reply) => {
    if (!deps.plannedRestarts.withdraw()) throw new RwError('RW_ERR_NOT_FOUND', 'no planned restart is announced');
    return sendNoContent(reply);
  });
  return Promise.resolve();
}
