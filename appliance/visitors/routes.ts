// GET /api/v1/visitors (S15; docs/api.md, types in contract/fleet-api.ts): the visitor history,
// filtered by agent, time and text, sorted, and limited.
import { API_PREFIX } from '../../contract/api.js';
import { RwError } from '../../contract/errors.js';
import { VISITOR_SORT_KEYS, type VisitorSortKey } from '../../contract/fleet-api.js';
import type { FastifyInstance } from 'fastify';
import { requestUrl, sendJson } from '../http/http-server.js';
import { intParam } from '../http/query-params.js';
import type { VisitorHistory } from './visitor-history.js';
import type { VisitorFilter } from './visitor-repository.js';

export interface VisitorRoutesDeps {
  visitors: VisitorHistory;
  agentExists: (id: string) => boolean;
}

export const VISITORS_DEFAULT_LIMIT = 200;
export const VISITORS_MAX_LIMIT = 5000;
const MAX_QUERY_CHARS = 100;

/** `sort=lastSeen` ascending, `sort=-lastSeen` descending; the default is the most recent first. */
function sortParam(url: URL): { sort: VisitorSortKey; descending: boolean } {
  const text = url.searchParams.get('sort') ?? '-lastSeen';
  const descending = text.startsWith('-');
  const key = descending ? text.slice(1) : text;
  if (!(VISITOR_SORT_KEYS as readonly string[]).includes(key)) {
    throw new RwError('RW_ERR_BAD_REQUEST', `sort must be one of ${VISITOR_SORT_KEYS.join(', ')}, with "-" in front for descending`);
  }
  return { sort: key as VisitorSortKey, descending };
}

export function visitorFilter(url: URL, agentExists: (id: string) => boolean): VisitorFilter {
  const agent = url.searchParams.get('agent') || undefined;
  if (agent !== undefined && !agentExists(agent)) throw new RwError('RW_ERR_NOT_FOUND', `no agent ${agent}`);
  const from = intParam(url, 'from', 0);
  const to = intParam(url, 'to', Number.MAX_SAFE_INTEGER);
  if (from > to) throw new RwError('RW_ERR_BAD_REQUEST', 'from must not be after to');
  const limit = intParam(url, 'limit', VISITORS_DEFAULT_LIMIT);
  if (limit < 1 || limit > VISITORS_MAX_LIMIT) throw new RwError('RW_ERR_BAD_REQUEST', `limit must be 1…${VISITORS_MAX_LIMIT}`);
  const q = url.searchParams.get('q')?.trim() ?? '';
  if (q.length > MAX_QUERY_CHARS) throw new RwError('RW_ERR_BAD_REQUEST', `q must be at most ${MAX_QUERY_CHARS} characters`);
  return { ...(agent !== undefined ? { agentId: agent } : {}), from, to, ...(q ? { q } : {}), ...sortParam(url), limit };
}

export function visitorRoutes(app: FastifyInstance, deps: VisitorRoutesDeps): Promise<void> {
  // the query is read by visitorFilter: each parameter checked and bounded, a bad one is a 400 naming it
  app.get(`${API_PREFIX}/visitors`, { config: { permission: 'visitors:read' } }, (req, reply) => sendJson(reply, 200, deps.visitors.query(visitorFilter(requestUrl(req), deps.agentExists))));
  return Promise.resolve();
}
