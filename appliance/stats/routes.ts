// Statistics and saved reports over HTTP (S10; docs/api.md "Statistics", types in
// contract/stats-api.ts). Statistics are read like series (series:read); saved reports are
// read by every role (reports:read) and changed by operators and admins (reports:write), who
// also set the business hours. A bad query or body is 400 naming the field, an unknown report
// or run 404, the number of reports bounded (409).
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { API_PREFIX } from '../../contract/api.js';
import { businessHoursSchema, statsQuerySchema, type StatsResponse } from '../../contract/stats-api.js';
import { sendJson, sendNoContent, sendParsed } from '../http/http-server.js';
import { idParams, idText } from '../http/route-schemas.js';
import { statsCsv, statsCsvFileName } from './stats-csv.js';
import type { StatsFeature } from './stats-feature.js';

export interface StatsRoutesDeps {
  stats: StatsFeature;
}

const runParams = z.object({ id: idText, runId: z.string().regex(/^\d{1,15}$/, 'must be a run id').transform(Number) });

function sendCsv(reply: FastifyReply, csv: string, fileName: string): FastifyReply {
  return reply.code(200).header('cache-control', 'no-store')
    .header('content-disposition', `attachment; filename="${fileName}"`)
    .type('text/csv; charset=utf-8').send(csv);
}

export function statsRoutes(fastify: FastifyInstance, deps: StatsRoutesDeps): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { stats } = deps;
  const answer = (reply: FastifyReply, s: StatsResponse, csv: boolean): FastifyReply => (csv ? sendCsv(reply, statsCsv(s), statsCsvFileName(s)) : sendJson(reply, 200, s));

  app.get(`${API_PREFIX}/stats`, { config: { permission: 'series:read' }, schema: { querystring: statsQuerySchema } }, async (req, reply) => (
    answer(reply, await stats.stats(req.query), req.query.format === 'csv')
  ));
  app.get(`${API_PREFIX}/stats.csv`, { config: { permission: 'series:read' }, schema: { querystring: statsQuerySchema } }, async (req, reply) => (
    answer(reply, await stats.stats(req.query), true)
  ));
  app.get(`${API_PREFIX}/stats/business-hours`, { config: { permission: 'series:read' } }, (_req, reply) => (
    sendJson(reply, 200, { businessHours: stats.businessHours(), timeZone: stats.timeZone })
  ));
  app.put(`${API_PREFIX}/stats/business-hours`, { config: { permission: 'reports:write', audit: { action: 'stats.business-hours', before: () => stats.businessHours() } }, schema: { body: businessHoursSchema } }, (req, reply) => (
    sendJson(reply, 200, { businessHours: stats.setBusinessHours(req.body), timeZone: stats.timeZone })
  ));

  const P = `${API_PREFIX}/reports`;
  const before = (req: { params: unknown }): unknown => {
    try {
      return stats.view((req.params as { id: string }).id);
    } catch {
      return null;
    }
  };
  app.get(P, { config: { permission: 'reports:read' } }, (_req, reply) => sendJson(reply, 200, { reports: stats.reports(), timeZone: stats.timeZone }));
  // the body is checked by StatsFeature: every problem named, unknown servers too
  app.post(P, { config: { permission: 'reports:write', audit: { action: 'report.created' } } }, (req, reply) => sendParsed(reply, 201, stats.create(req.body)));
  app.get(`${P}/:id`, { config: { permission: 'reports:read' }, schema: { params: idParams } }, (req, reply) => sendJson(reply, 200, stats.view(req.params.id)));
  app.put(`${P}/:id`, { config: { permission: 'reports:write', audit: { action: 'report.changed', before } }, schema: { params: idParams } }, (req, reply) => (
    sendParsed(reply, 200, stats.update(req.params.id, req.body))
  ));
  app.delete(`${P}/:id`, { config: { permission: 'reports:write', audit: { action: 'report.removed', before } }, schema: { params: idParams } }, (req, reply) => {
    stats.remove(req.params.id);
    return sendNoContent(reply);
  });
  app.get(`${P}/:id/runs/:runId`, { config: { permission: 'reports:read' }, schema: { params: runParams } }, (req, reply) => {
    const { csv, fileName } = stats.runCsv(req.params.id, req.params.runId);
    return sendCsv(reply, csv, fileName);
  });
  return Promise.resolve();
}
