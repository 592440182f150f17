// Typed calls to the service checks' API (contract/checks-api.ts; S5, S6, S16): the list with its
// filters, one check, create / replace / delete, its state history and one perfdata label's
// stored series. Thin wrappers over api-client's requestJson; a 400 carries its "path: message"
// problems on the thrown ApiRequestError.
import type { SeriesResponse } from '../../contract/api.js';
import type { CheckHistoryResponse, CheckListResponse, CheckView } from '../../contract/checks-api.js';
import type { CheckDefinition } from './checks-model.js';
import { requestJson } from './api-client.js';

const enc = encodeURIComponent;

export function listChecks(params: URLSearchParams, signal?: AbortSignal): Promise<CheckListResponse> {
  return requestJson<CheckListResponse>('/checks', { params, signal });
}

/** Creates (no id) or replaces (id) a check. */
export function saveCheck(input: CheckDefinition, id: string | null): Promise<CheckView> {
  return id === null
    ? requestJson<CheckView>('/checks', { method: 'POST', body: input })
    : requestJson<CheckView>(`/checks/${enc(id)}`, { method: 'PUT', body: input });
}

export function deleteCheck(id: string): Promise<void> {
  return requestJson<void>(`/checks/${enc(id)}`, { method: 'DELETE' });
}

export function getCheckHistory(id: string, q: { agentId?: string | null; limit?: number }, signal?: AbortSignal): Promise<CheckHistoryResponse> {
  const p = new URLSearchParams();
  if (q.agentId) p.set('agentId', q.agentId);
  if (q.limit !== undefined) p.set('limit', String(q.limit));
  return requestJson<CheckHistoryResponse>(`/checks/${enc(id)}/history`, { params: p, signal });
}

export interface CheckSeriesRequest {
  agentId?: string | null;
  label: string;
  /** unix seconds */
  from: number;
  to: number;
  points: number;
}

export function getCheckSeries(id: string, q: CheckSeriesRequest, signal?: AbortSignal): Promise<SeriesResponse> {
  const p = new URLSearchParams({ label: q.label, from: String(Math.floor(q.from)), to: String(Math.ceil(q.to)), points: String(Math.round(q.points)) });
  if (q.agentId) p.set('agentId', q.agentId);
  return requestJson<SeriesResponse>(`/checks/${enc(id)}/series`, { params: p, signal });
}
