// GET /api/v1/agents/:id/series (S9, S10; docs/api.md): one family's values of one agent over a
// time range, read from the RRD files through rrdcached and consolidated to at most `points`.
import type { SeriesResponse } from '../../contract/api.js';
import { API_PREFIX } from '../../contract/api.js';
import { RwError } from '../../contract/errors.js';
import { FAMILIES, FAMILY_NAMES, type Family } from '../../contract/metrics.js';
import { nowSeconds, type Clock } from '../../core/clock.js';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { requestUrl, sendJson } from '../http/http-server.js';
import { idParams } from '../http/route-schemas.js';
import { intParam } from '../http/query-params.js';

export interface SeriesSource {
  series(agentId: string, family: Family, key: string | undefined, fromS: number, toS: number, points: number): Promise<SeriesResponse>;
}

export interface SeriesRoutesDeps {
  series: SeriesSource;
  agentExists: (id: string) => boolean;
  clock: Clock;
  /** how far back the RRD files keep anything (rrd-layout.ts retentionSpanS), seconds */
  retentionS: number;
}

export const SERIES_DEFAULT_POINTS = 800;
export const SERIES_MAX_POINTS = 5000;
/** how far past now `to` may reach (clocks of browsers and the appliance disagree a little) */
export const SERIES_MAX_FUTURE_S = 86_400;

export function seriesRoutes(fastify: FastifyInstance, deps: SeriesRoutesDeps): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  // the query (family, key, from, to, points) is read below, each parameter checked and bounded
  app.get(`${API_PREFIX}/agents/:id/series`, { config: { permission: 'series:read' }, schema: { params: idParams } }, async (req, reply) => {
    const url = requestUrl(req);
    const agentId = req.params.id;
    if (!deps.agentExists(agentId)) throw new RwError('RW_ERR_NOT_FOUND', `no agent ${agentId}`);
    const family = url.searchParams.get('family') ?? '';
    if (!(FAMILY_NAMES as string[]).includes(family)) {
      throw new RwError('RW_ERR_BAD_REQUEST', `family must be one of ${FAMILY_NAMES.join(', ')}`);
    }
    const fam = family as Family;
    const key = url.searchParams.get('key') ?? undefined;
    if (FAMILIES[fam].keyed && !key) throw new RwError('RW_ERR_BAD_REQUEST', `family ${fam} needs key= (a mount point or interface name)`);
    const { from, to, points } = seriesRange(url, deps);
    return sendJson(reply, 200, await deps.series.series(agentId, fam, FAMILIES[fam].keyed ? key : undefined, from, to, points));
  });
  return Promise.resolve();
}

/**
 * `from`, `to` and `points` of a series request, each checked and bounded (shared by the agents'
 * series and the checks' perfdata series, S5): a bad one is 400 RW_ERR_BAD_REQUEST naming it.
 */
export function seriesRange(url: URL, deps: Pick<SeriesRoutesDeps, 'clock' | 'retentionS'>): { from: number; to: number; points: number } {
  const to = url.searchParams.get('to') ? intParam(url, 'to', 0, { signed: true }) : undefined;
  const from = url.searchParams.get('from') ? intParam(url, 'from', 0, { signed: true }) : undefined;
  const range = boundedRange(from, to, 3600, deps);
  const points = intParam(url, 'points', SERIES_DEFAULT_POINTS, { signed: true });
  if (points < 2 || points > SERIES_MAX_POINTS) throw new RwError('RW_ERR_BAD_REQUEST', `points must be 2…${SERIES_MAX_POINTS}`);
  return { ...range, points };
}

/**
 * A read's range (the series, S10 statistics): `to` defaults to now and `from` to `spanS` before
 * it; bounded by what the files can hold (a range of centuries once made rrdcached allocate
 * gigabytes): from at most one retention back, clamped to it within a further retention; beyond
 * that, and a `to` more than a day ahead, is a request for what cannot exist (400 naming it).
 */
export function boundedRange(askedFrom: number | undefined, askedTo: number | undefined, spanS: number, deps: Pick<SeriesRoutesDeps, 'clock' | 'retentionS'>): { from: number; to: number } {
  const now = nowSeconds(deps.clock);
  const to = askedTo ?? now;
  const asked = askedFrom ?? to - spanS;
  if (asked >= to) throw new RwError('RW_ERR_BAD_REQUEST', 'from must be before to');
  const oldest = now - deps.retentionS;
  if (asked < oldest - deps.retentionS) {
    throw new RwError('RW_ERR_BAD_REQUEST', `from must be within the retention: at most ${Math.round(deps.retentionS / 86_400)} days back (${oldest} or later)`);
  }
  if (to > now + SERIES_MAX_FUTURE_S) throw new RwError('RW_ERR_BAD_REQUEST', `to must be at most a day ahead of now (${now + SERIES_MAX_FUTURE_S})`);
  if (to <= oldest) throw new RwError('RW_ERR_BAD_REQUEST', `to must be within the retention (after ${oldest})`);
  return { from: Math.max(asked, oldest), to };
}
