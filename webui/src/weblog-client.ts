// The web-log and pool API for the screens (S11, B6; contract/weblog-api.ts, types only). The
// sources and their top tables are served by the web-log feature; on an appliance without it the
// routes answer the HTTP layer's 404 of an unknown route ("no API route /api/v1/weblogs"), which
// the screens show as "not available" rather than as a failure: `null` here.
import type { WeblogPool, WeblogPoolInput, WeblogPoolView, WeblogSource, WeblogTopDimension, WeblogTopResponse } from '../../contract/weblog-api.js';
import { ApiRequestError, requestJson } from './api-client.js';

/** The 404 of no route at all (appliance/http/http-server.ts), not of an unknown id. */
function routeMissing(e: unknown): boolean {
  return e instanceof ApiRequestError && e.status === 404 && /^(no API route|not found: )/.test(e.message);
}

async function orMissing<T>(call: Promise<T>): Promise<T | null> {
  try {
    return await call;
  } catch (e) {
    if (routeMissing(e)) return null;
    throw e;
  }
}

/** Every log source (a list, or `{sources}`), null when the appliance has no web-log routes. */
export async function listWeblogSources(signal: AbortSignal): Promise<WeblogSource[] | null> {
  const body = await orMissing(requestJson<WeblogSource[] | { sources: WeblogSource[] }>('/weblogs', { signal }));
  if (body === null) return null;
  return Array.isArray(body) ? body : body.sources;
}

export function getWeblogTop(sourceId: string, dimension: WeblogTopDimension, k: number, signal: AbortSignal): Promise<WeblogTopResponse | null> {
  const params = new URLSearchParams({ dimension, k: String(k) });
  return orMissing(requestJson<WeblogTopResponse>(`/weblogs/${encodeURIComponent(sourceId)}/top`, { params, signal }));
}

export async function listPools(signal: AbortSignal): Promise<WeblogPool[]> {
  return (await requestJson<{ pools: WeblogPool[] }>('/pools', { signal })).pools;
}

export function getPoolView(id: string, signal: AbortSignal): Promise<WeblogPoolView> {
  return requestJson<WeblogPoolView>(`/pools/${encodeURIComponent(id)}`, { signal });
}

export function savePool(id: string | null, body: WeblogPoolInput): Promise<WeblogPool> {
  return requestJson<WeblogPool>(id === null ? '/pools' : `/pools/${encodeURIComponent(id)}`, { method: id === null ? 'POST' : 'PUT', body });
}

export function deletePool(id: string): Promise<void> {
  return requestJson<undefined>(`/pools/${encodeURIComponent(id)}`, { method: 'DELETE' });
}
