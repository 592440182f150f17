// Service checks' HTTP API (S5, S6, S16; docs/api.md "Checks", types in contract/checks-api.ts):
// definitions (POST, GET, PUT, DELETE), their history and their perfdata series. Reading is for
// every role (checks:read), changing for operators and admins (checks:write). A bad definition
// is 400 RW_ERR_VALIDATION naming each bad field; an unknown check, agent or group is 404; a
// bound reached (checks per agent, probes, checks in all) is 409.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { API_PREFIX } from '../../contract/api.js';
import { CHECK_API_LIMITS } from '../../contract/checks-api.js';
import { RwError } from '../../contract/errors.js';
import { nowSeconds, type Clock } from '../../core/clock.js';
import { requestUrl, sendJson, sendNoContent, sendParsed } from '../http/http-server.js';
import { intParam } from '../http/query-params.js';
import { idParams } from '../http/route-schemas.js';
import { seriesRange, type SeriesSource } from '../store/series-routes.js';
import { CHECK_LIMITS } from '../../contract/checks.js';
import { perfdataDir, perfdataKey } from './check-perfdata.js';
import { CHECK_STATUS_STATES, isCheckType, type CheckFilter, type CheckService } from './check-service.js';

export interface CheckRoutesDeps {
  checks: CheckService;
  agentExists: (id: string) => boolean;
  clock: Clock;
  /** the RRD store (perfdata series) */
  series: SeriesSource;
  /** how far back the RRD files keep anything, seconds */
  retentionS: number;
}

/** characters of GET /api/v1/checks?q= */
export const CHECK_QUERY_CHARS = 200;

export function checkRoutes(fastify: FastifyInstance, deps: CheckRoutesDeps): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const P = `${API_PREFIX}/checks`;
  const { checks } = deps;
  const before = (req: { params: unknown }): unknown => {
    const id = (req.params as { id: string }).id;
    try {
      return checks.view(id).definition;
    } catch {
      return null;
    }
  };

  // the body is checked by CheckService (check-input.ts): every problem named, patterns included
  app.post(P, { config: { permission: 'checks:write', audit: { action: 'check.created' } } }, (req, reply) => sendParsed(reply, 201, checks.create(req.body)));

  app.get(P, { config: { permission: 'checks:read' } }, (req, reply) => {
    const url = requestUrl(req);
    const filter: CheckFilter = {};
    const state = url.searchParams.get('state');
    if (state) {
      if (!(CHECK_STATUS_STATES as readonly string[]).includes(state)) throw new RwError('RW_ERR_BAD_REQUEST', `state must be one of ${CHECK_STATUS_STATES.join(', ')}`);
      filter.state = state as CheckFilter['state'];
    }
    const type = url.searchParams.get('type');
    if (type) {
      if (!isCheckType(type)) throw new RwError('RW_ERR_BAD_REQUEST', `type must be a check type (port, process, log, script, quota, probe-tcp, probe-http, probe-ping)`);
      filter.type = type;
    }
    const agentId = url.searchParams.get('agentId');
    if (agentId) {
      if (!deps.agentExists(agentId)) throw new RwError('RW_ERR_NOT_FOUND', `no agent ${agentId.slice(0, 64)}`);
      filter.agentId = agentId;
    }
    const groupId = url.searchParams.get('groupId');
    if (groupId) filter.groupId = groupId.slice(0, 128);
    const q = url.searchParams.get('q');
    if (q) {
      if (q.length > CHECK_QUERY_CHARS) throw new RwError('RW_ERR_BAD_REQUEST', `q must be at most ${CHECK_QUERY_CHARS} characters`);
      filter.q = q;
    }
    return sendJson(reply, 200, checks.list(filter));
  });

  app.get(`${P}/:id`, { config: { permission: 'checks:read' }, schema: { params: idParams } }, (req, reply) => sendJson(reply, 200, checks.view(req.params.id)));

  app.put(`${P}/:id`, { config: { permission: 'checks:write', audit: { action: 'check.changed', before } }, schema: { params: idParams } }, (req, reply) => (
    sendParsed(reply, 200, checks.update(req.params.id, req.body))
  ));

  app.delete(`${P}/:id`, { config: { permission: 'checks:write', audit: { action: 'check.removed', before } }, schema: { params: idParams } }, (req, reply) => {
    checks.remove(req.params.id);
    return sendNoContent(reply);
  });

  app.get(`${P}/:id/history`, { config: { permission: 'checks:read' }, schema: { params: idParams } }, (req, reply) => {
    const url = requestUrl(req);
    const to = intParam(url, 'to', nowSeconds(deps.clock));
    const from = intParam(url, 'from', 0);
    if (from > to) throw new RwError('RW_ERR_BAD_REQUEST', 'from must not be after to');
    const limit = intParam(url, 'limit', 500);
    if (limit < 1 || limit > CHECK_API_LIMITS.historyLimit) throw new RwError('RW_ERR_BAD_REQUEST', `limit must be 1…${CHECK_API_LIMITS.historyLimit}`);
    const agentId = url.searchParams.get('agentId');
    return sendJson(reply, 200, checks.history(req.params.id, { from, to, limit, ...(agentId ? { agentId } : {}) }));
  });
  // one perfdata label's values, as GET /api/v1/agents/:id/series answers (family `check`)
  app.get(`${P}/:id/series`, { config: { permission: 'checks:read' }, schema: { params: idParams } }, async (req, reply) => {
    const url = requestUrl(req);
    const view = checks.view(req.params.id);
    const label = url.searchParams.get('label') ?? '';
    if (label === '' || label.length > CHECK_LIMITS.labelChars) throw new RwError('RW_ERR_BAD_REQUEST', `label must be a perfdata label of 1…${CHECK_LIMITS.labelChars} characters`);
    const asked = url.searchParams.get('agentId');
    let agentId: string | null;
    if (asked) {
      if (!view.instances.some((i) => i.agentId === asked)) throw new RwError('RW_ERR_NOT_FOUND', `check ${view.id} does not run on agent ${asked.slice(0, 64)}`);
      agentId = asked;
    } else {
      const only = view.instances.length === 1 ? view.instances[0] : undefined;
      if (!only) throw new RwError('RW_ERR_BAD_REQUEST', `agentId is required: check ${view.id} runs on ${view.instances.length} agents`);
      agentId = only.agentId;
    }
    const { from, to, points } = seriesRange(url, deps);
    return sendJson(reply, 200, await deps.series.series(perfdataDir(agentId), 'check', perfdataKey(view.id, label), from, to, points));
  });
  return Promise.resolve();
}
