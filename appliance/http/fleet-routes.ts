// The fleet API (docs/api.md; types in contract/fleet-api.ts): visitor history (S15),
// collector schedules (S2) and adding or removing servers (S3, S4). Handlers translate between
// HTTP and the services; a body with problems is answered 400 RW_ERR_VALIDATION listing each as
// "path: message", and nothing changes.
import type http from 'node:http';
import { API_PREFIX } from '../../contract/api.js';
import { VISITOR_SORT_KEYS, type VisitorSortKey } from '../../contract/fleet-api.js';
import { RwError } from '../../contract/errors.js';
import type { ConfigService } from '../agent-config/config-service.js';
import type { ServerAdmin } from '../agents/server-admin.js';
import type { VisitorHistory } from '../visitors/visitor-history.js';
import type { VisitorFilter } from '../visitors/visitor-repository.js';
import type { Parsed } from '../../core/validation-problems.js';
import { readJsonBody, sendJson, type Router } from './http-server.js';

export interface FleetRoutesDeps {
  visitors: VisitorHistory;
  config: ConfigService;
  servers: ServerAdmin;
  agentExists: (id: string) => boolean;
}

export const VISITORS_DEFAULT_LIMIT = 200;
export const VISITORS_MAX_LIMIT = 5000;
const MAX_QUERY_CHARS = 100;

/** Sends the value, or 400 RW_ERR_VALIDATION with the problems. */
function answer<T>(res: http.ServerResponse, status: number, parsed: Parsed<T>): void {
  if (parsed.ok) {
    sendJson(res, status, parsed.value);
    return;
  }
  sendJson(res, 400, { error: { code: 'RW_ERR_VALIDATION', message: parsed.problems.join('; '), problems: parsed.problems } });
}

function intParam(url: URL, name: string, fallback: number): number {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return fallback;
  if (!/^\d{1,15}$/.test(text)) throw new RwError('RW_ERR_BAD_REQUEST', `${name} must be a whole number, got "${text.slice(0, 32)}"`);
  return Number(text);
}

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

export function addFleetRoutes(router: Router, deps: FleetRoutesDeps): Router {
  const P = API_PREFIX;
  const knownAgent = (id: string | undefined): string => {
    if (!id || !deps.agentExists(id)) throw new RwError('RW_ERR_NOT_FOUND', `no agent ${id ?? ''}`);
    return id;
  };
  return router
    .add('GET', `${P}/visitors`, (_req, res, _params, url) => sendJson(res, 200, deps.visitors.query(visitorFilter(url, deps.agentExists))))
    .add('GET', `${P}/config/defaults`, (_req, res) => sendJson(res, 200, deps.config.defaults()))
    .add('PUT', `${P}/config/defaults`, async (req, res) => answer(res, 200, await deps.config.setDefaults(await readJsonBody(req))))
    .add('GET', `${P}/agents/:id/config`, (_req, res, params) => sendJson(res, 200, deps.config.agentConfig(knownAgent(params.id))))
    .add('PUT', `${P}/agents/:id/config`, async (req, res, params) => {
      const id = knownAgent(params.id);
      answer(res, 200, await deps.config.setAgentConfig(id, await readJsonBody(req)));
    })
    .add('POST', `${P}/servers`, async (req, res) => answer(res, 201, deps.servers.preRegister(await readJsonBody(req))))
    .add('DELETE', `${P}/servers/:id`, (_req, res, params) => {
      deps.servers.remove(params.id ?? '');
      res.writeHead(204, { 'cache-control': 'no-store' });
      res.end();
    });
}
