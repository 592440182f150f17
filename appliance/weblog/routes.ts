// Web log sources' HTTP API (S11, B6; docs/api.md "Web logs", types in contract/weblog-api.ts):
// sources (POST, GET, PUT, DELETE) with their live totals, their merged top tables and their
// series. Reading is for every role (checks:read), changing for operators and admins
// (checks:write): a log source is a check on a server's traffic. A bad definition is 400
// RW_ERR_VALIDATION naming each field (a bad format names its token); an unknown source, agent
// or pool is 404; a bound reached is 409.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { API_PREFIX } from '../../contract/api.js';
import { RwError } from '../../contract/errors.js';
import { weblogTopQuerySchema } from '../../contract/weblog-api.js';
import { nowSeconds, type Clock } from '../../core/clock.js';
import { problemsOf } from '../../core/validation-problems.js';
import { requestUrl, sendJson, sendNoContent, sendParsed } from '../http/http-server.js';
import { idParams } from '../http/route-schemas.js';
import { seriesRange, type SeriesSource } from '../store/series-routes.js';
import type { WeblogSources } from './weblog-sources.js';
import type { WeblogTraffic } from './weblog-traffic.js';

export interface WeblogRoutesDeps {
  sources: WeblogSources;
  traffic: WeblogTraffic;
  clock: Clock;
  /** the RRD store (the `weblog` family) */
  series: SeriesSource;
  /** how far back the RRD files keep anything, seconds */
  retentionS: number;
}

/** the default span of GET …/top: the last hour */
const TOP_DEFAULT_SPAN_S = 3600;

export function weblogRoutes(fastify: FastifyInstance, deps: WeblogRoutesDeps): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const P = `${API_PREFIX}/weblogs`;
  const { sources } = deps;
  const before = (req: { params: unknown }): unknown => {
    try {
      const { totals: _t, ...definition } = sources.view((req.params as { id: string }).id);
      return definition;
    } catch {
      return null;
    }
  };

  app.post(P, { config: { permission: 'checks:write', audit: { action: 'weblog.created' } } }, (req, reply) => sendParsed(reply, 201, sources.create(req.body)));

  app.get(P, { config: { permission: 'checks:read' } }, (_req, reply) => sendJson(reply, 200, sources.list()));

  app.get(`${P}/:id`, { config: { permission: 'checks:read' }, schema: { params: idParams } }, (req, reply) => sendJson(reply, 200, sources.view(req.params.id)));

  app.put(`${P}/:id`, { config: { permission: 'checks:write', audit: { action: 'weblog.changed', before } }, schema: { params: idParams } }, (req, reply) => (
    sendParsed(reply, 200, sources.update(req.params.id, req.body))
  ));

  app.delete(`${P}/:id`, { config: { permission: 'checks:write', audit: { action: 'weblog.removed', before } }, schema: { params: idParams } }, (req, reply) => {
    sources.remove(req.params.id);
    return sendNoContent(reply);
  });

  // ?dimension=url|referrer|visitor|agent|notfound|status&from=&to=&k= (weblogTopQuerySchema)
  app.get(`${P}/:id/top`, { config: { permission: 'checks:read' }, schema: { params: idParams } }, (req, reply) => {
    const source = sources.view(req.params.id);
    const url = requestUrl(req);
    const parsed = weblogTopQuerySchema.safeParse(Object.fromEntries(url.searchParams));
    if (!parsed.success) return sendParsed(reply, 200, { ok: false, problems: problemsOf(parsed.error, { unknownKey: () => 'unknown parameter (dimension, from, to, k)' }) });
    const q = parsed.data;
    const to = q.to ?? nowSeconds(deps.clock);
    const from = q.from ?? to - TOP_DEFAULT_SPAN_S;
    if (from > to) throw new RwError('RW_ERR_BAD_REQUEST', 'from must not be after to');
    return sendJson(reply, 200, deps.traffic.top(source.id, q.dimension, from, to, q.k));
  });

  // the source's `weblog` series, as GET /api/v1/agents/:id/series?family=weblog&key=<id> answers
  app.get(`${P}/:id/series`, { config: { permission: 'checks:read' }, schema: { params: idParams } }, async (req, reply) => {
    const source = sources.view(req.params.id);
    const { from, to, points } = seriesRange(requestUrl(req), deps);
    return sendJson(reply, 200, await deps.series.series(source.agentId, 'weblog', source.id, from, to, points));
  });
  return Promise.resolve();
}
