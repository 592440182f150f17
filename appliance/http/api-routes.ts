// The HTTP API (docs/api.md): enrollment, health, agents, series. Handlers translate
// between HTTP and the typed services; they hold no state of their own.
import type { EnrollResponse, HealthResponse, SeriesResponse } from '../../contract/api.js';
import { API_PREFIX } from '../../contract/api.js';
import { FAMILIES, FAMILY_NAMES, type Family } from '../../contract/metrics.js';
import { RwError } from '../../contract/errors.js';
import { nowSeconds, type Clock } from '../../core/clock.js';
import type { AgentRegistry } from '../agents/agent-registry.js';
import type { AgentEnrollment } from '../agents/enrollment.js';
import { readJsonBody, sendJson, type Router } from './http-server.js';

export interface SeriesSource {
  series(agentId: string, family: Family, key: string | undefined, fromS: number, toS: number, points: number): Promise<SeriesResponse>;
}

export interface ApiDeps {
  registry: AgentRegistry;
  enrollment: AgentEnrollment;
  series: SeriesSource;
  health: () => HealthResponse;
  mqttPort: () => number;
  clock: Clock;
}

export const SERIES_DEFAULT_POINTS = 800;
export const SERIES_MAX_POINTS = 5000;

function intParam(url: URL, name: string, fallback: number): number {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return fallback;
  if (!/^-?\d+$/.test(text)) throw new RwError('RW_ERR_BAD_REQUEST', `${name} must be an integer, got "${text.slice(0, 32)}"`);
  return Number(text);
}

export function addApiRoutes(router: Router, deps: ApiDeps): Router {
  return router
    .add('POST', `${API_PREFIX}/enroll`, async (req, res) => {
      const { agentId, secret } = await deps.enrollment.enroll(await readJsonBody(req));
      const body: EnrollResponse = { agentId, secret, mqtt: { port: deps.mqttPort() } };
      sendJson(res, 201, body);
    })
    .add('GET', `${API_PREFIX}/health`, (_req, res) => {
      const health = deps.health();
      sendJson(res, health.status === 'ok' ? 200 : 503, health);
    })
    .add('GET', `${API_PREFIX}/agents`, (_req, res) => sendJson(res, 200, deps.registry.list()))
    .add('GET', `${API_PREFIX}/agents/:id`, (_req, res, params) => {
      const detail = deps.registry.detail(params.id ?? '');
      if (!detail) throw new RwError('RW_ERR_NOT_FOUND', `no agent ${params.id}`);
      sendJson(res, 200, detail);
    })
    .add('GET', `${API_PREFIX}/agents/:id/series`, async (_req, res, params, url) => {
      const agentId = params.id ?? '';
      if (!deps.registry.exists(agentId)) throw new RwError('RW_ERR_NOT_FOUND', `no agent ${agentId}`);
      const family = url.searchParams.get('family') ?? '';
      if (!(FAMILY_NAMES as string[]).includes(family)) {
        throw new RwError('RW_ERR_BAD_REQUEST', `family must be one of ${FAMILY_NAMES.join(', ')}`);
      }
      const fam = family as Family;
      const key = url.searchParams.get('key') ?? undefined;
      if (FAMILIES[fam].keyed && !key) throw new RwError('RW_ERR_BAD_REQUEST', `family ${fam} needs key= (a mount point or interface name)`);
      const now = nowSeconds(deps.clock);
      const to = intParam(url, 'to', now);
      const from = intParam(url, 'from', to - 3600);
      if (from >= to) throw new RwError('RW_ERR_BAD_REQUEST', 'from must be before to');
      const points = intParam(url, 'points', SERIES_DEFAULT_POINTS);
      if (points < 2 || points > SERIES_MAX_POINTS) throw new RwError('RW_ERR_BAD_REQUEST', `points must be 2…${SERIES_MAX_POINTS}`);
      sendJson(res, 200, await deps.series.series(agentId, fam, FAMILIES[fam].keyed ? key : undefined, from, to, points));
    });
}
