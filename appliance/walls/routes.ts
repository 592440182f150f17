// Walls and the schematic over HTTP (S9, S21; docs/api.md "Walls", "Schematic"; types in
// contract/walls-api.ts). Every role reads walls and the map (dashboards:read); operators and
// admins save walls (dashboards:write); where a server stands in the racks is the fleet's
// inventory, changed by admins (servers:write). A bad body is 400 naming the field, an unknown
// wall 404, a taken name or the bound on walls 409. Every change is audited.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { API_PREFIX } from '../../contract/api.js';
import { sendJson, sendNoContent, sendParsed } from '../http/http-server.js';
import { idParams } from '../http/route-schemas.js';
import type { WallsFeature } from './walls-feature.js';

export interface WallRoutesDeps {
  walls: WallsFeature;
}

export function wallRoutes(fastify: FastifyInstance, deps: WallRoutesDeps): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { walls } = deps;
  const P = `${API_PREFIX}/walls`;
  const before = (req: { params: unknown }): unknown => {
    try {
      return walls.get((req.params as { id: string }).id);
    } catch {
      return null;
    }
  };
  app.get(P, { config: { permission: 'dashboards:read' } }, (_req, reply) => sendJson(reply, 200, { walls: walls.list() }));
  // bodies are checked by WallsFeature: every problem named, unknown host names too
  app.post(P, { config: { permission: 'dashboards:write', audit: { action: 'wall.created' } } }, (req, reply) => sendParsed(reply, 201, walls.create(req.body)));
  app.get(`${P}/:id`, { config: { permission: 'dashboards:read' }, schema: { params: idParams } }, (req, reply) => sendJson(reply, 200, walls.get(req.params.id)));
  app.put(`${P}/:id`, { config: { permission: 'dashboards:write', audit: { action: 'wall.changed', before } }, schema: { params: idParams } }, (req, reply) => (
    sendParsed(reply, 200, walls.update(req.params.id, req.body))
  ));
  app.delete(`${P}/:id`, { config: { permission: 'dashboards:write', audit: { action: 'wall.removed', before } }, schema: { params: idParams } }, (req, reply) => {
    walls.remove(req.params.id);
    return sendNoContent(reply);
  });

  app.get(`${API_PREFIX}/schematic`, { config: { permission: 'dashboards:read' } }, (_req, reply) => sendJson(reply, 200, walls.schematic()));
  app.put(`${API_PREFIX}/schematic`, { config: { permission: 'servers:write', audit: { action: 'schematic.changed', before: () => walls.schematic() } } }, (req, reply) => (
    sendParsed(reply, 200, walls.saveSchematic(req.body))
  ));
  return Promise.resolve();
}
