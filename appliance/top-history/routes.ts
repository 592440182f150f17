// GET /api/v1/agents/:id/top-history (S18; docs/api.md, types in contract/top-history-api.ts):
// one agent's top processes and users over a time range, by CPU or by memory, and its visitor
// count; every parameter checked and bounded, a bad one is a 400 naming it.
import { API_PREFIX } from '../../contract/api.js';
import { RwError } from '../../contract/errors.js';
import { TOP_HISTORY_BY, TOP_HISTORY_LIMITS, type TopHistoryBy } from '../../contract/top-history-api.js';
import type { Clock } from '../../core/clock.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requestUrl, sendJson } from '../http/http-server.js';
import { intParam } from '../http/query-params.js';
import { idParams } from '../http/route-schemas.js';
import { boundedRange } from '../store/series-routes.js';
import type { TopHistory } from './top-history.js';
import type { TopHistoryQuery } from './top-history-series.js';

export interface TopHistoryRoutesDeps {
  history: TopHistory;
  agentExists: (id: string) => boolean;
  clock: Clock;
}

function nameParam(url: URL, name: 'process' | 'user'): string | undefined {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return undefined;
  if (text.length > TOP_HISTORY_LIMITS.maxNameChars) throw new RwError('RW_ERR_BAD_REQUEST', `${name} must be at most ${TOP_HISTORY_LIMITS.maxNameChars} characters`);
  return text;
}

function boundedInt(url: URL, name: string, fallback: number, min: number, max: number): number {
  const value = intParam(url, name, fallback);
  if (value < min || value > max) throw new RwError('RW_ERR_BAD_REQUEST', `${name} must be ${min}…${max}`);
  return value;
}

export function topHistoryQuery(url: URL, clock: Clock): TopHistoryQuery {
  const by = url.searchParams.get('by') ?? 'cpu';
  if (!(TOP_HISTORY_BY as readonly string[]).includes(by)) throw new RwError('RW_ERR_BAD_REQUEST', `by must be one of ${TOP_HISTORY_BY.join(', ')}`);
  const to = url.searchParams.get('to') ? intParam(url, 'to', 0, { signed: true }) : undefined;
  const from = url.searchParams.get('from') ? intParam(url, 'from', 0, { signed: true }) : undefined;
  const range = boundedRange(from, to, 3600, { clock, retentionS: TOP_HISTORY_LIMITS.retentionS });
  const process = nameParam(url, 'process');
  const user = nameParam(url, 'user');
  return {
    by: by as TopHistoryBy, ...range,
    points: boundedInt(url, 'points', TOP_HISTORY_LIMITS.defaultPoints, 2, TOP_HISTORY_LIMITS.maxPoints),
    lines: boundedInt(url, 'lines', TOP_HISTORY_LIMITS.defaultLines, 1, TOP_HISTORY_LIMITS.maxLines),
    ...(process !== undefined ? { process } : {}),
    ...(user !== undefined ? { user } : {}),
  };
}

export function topHistoryRoutes(fastify: FastifyInstance, deps: TopHistoryRoutesDeps): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(`${API_PREFIX}/agents/:id/top-history`, { config: { permission: 'series:read' }, schema: { params: idParams } }, (req, reply) => {
    const agentId = req.params.id;
    if (!deps.agentExists(agentId)) throw new RwError('RW_ERR_NOT_FOUND', `no agent ${agentId}`);
    return sendJson(reply, 200, deps.history.query(agentId, topHistoryQuery(requestUrl(req), deps.clock)));
  });
  return Promise.resolve();
}
