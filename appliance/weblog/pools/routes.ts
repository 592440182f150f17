// Load-balancer pools over HTTP (B6; docs/api.md "Pools"; types in contract/weblog-api.ts). Every
// role reads pools and their views (checks:read, as the checks they sit beside); operators and
// admins create, change and remove them (checks:write). A bad body or window is 400 naming the
// field, an unknown pool 404, a taken name and the bound on pools 409. Every change is audited.
// A source joins a pool through its own route (PUT /weblogs/:id, poolId and weight; S11).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { API_PREFIX } from '../../../contract/api.js';
import { requestUrl, sendJson, sendNoContent, sendParsed } from '../../http/http-server.js';
import { intParam } from '../../http/query-params.js';
import { idParams } from '../../http/route-schemas.js';
import { boundedRange, type SeriesRoutesDeps } from '../../store/series-routes.js';
import { POOL_VIEW_DEFAULT_S, type PoolsFeature } from './pools-feature.js';

export interface PoolRoutesDeps extends Pick<SeriesRoutesDeps, 'clock' | 'retentionS'> {
  pools: PoolsFeature;
}

export function poolRoutes(fastify: FastifyInstance, deps: PoolRoutesDeps): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { pools } = deps;
  const P = `${API_PREFIX}/pools`;
  const before = (req: { params: unknown }): unknown => pools.repo.get((req.params as { id: string }).id);
  app.get(P, { config: { permission: 'checks:read' } }, (_req, reply) => sendJson(reply, 200, { pools: pools.list() }));
  app.post(P, { config: { permission: 'checks:write', audit: { action: 'pool.created' } } }, (req, reply) => sendParsed(reply, 201, pools.create(req.body)));
  // the window: from/to in unix seconds (default the last 5 minutes), within the retention
  app.get(`${P}/:id`, { config: { permission: 'checks:read' }, schema: { params: idParams } }, async (req, reply) => {
    const url = requestUrl(req);
    const to = url.searchParams.get('to') ? intParam(url, 'to', 0, { signed: true }) : undefined;
    const from = url.searchParams.get('from') ? intParam(url, 'from', 0, { signed: true }) : undefined;
    const range = boundedRange(from, to, POOL_VIEW_DEFAULT_S, deps);
    return sendJson(reply, 200, await pools.view(req.params.id, range.from, range.to));
  });
  app.put(`${P}/:id`, { config: { permission: 'checks:write', audit: { action: 'pool.changed', before } }, schema: { params: idParams } }, (req, reply) => (
    sendParsed(reply, 200, pools.update(req.params.id, req.body))
  ));
  app.delete(`${P}/:id`, { config: { permission: 'checks:write', audit: { action: 'pool.removed', before } }, schema: { params: idParams } }, (req, reply) => {
    pools.remove(req.params.id);
    return sendNoContent(reply);
  });
  return Promise.resolve();
}
