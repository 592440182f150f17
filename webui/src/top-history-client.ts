// Typed call to the process and user history (S18; contract/top-history-api.ts).
import type { TopHistoryBy, TopHistoryResponse } from '../../contract/top-history-api.js';
import { requestJson } from './api-client.js';

export interface TopHistoryQuery {
  by: TopHistoryBy;
  /** unix seconds */
  from: number;
  to: number;
  points: number;
  /** only processes of this name */
  process?: string;
}

export function getTopHistory(agentId: string, q: TopHistoryQuery, signal?: AbortSignal): Promise<TopHistoryResponse> {
  const params = new URLSearchParams({ by: q.by, from: String(Math.floor(q.from)), to: String(Math.ceil(q.to)), points: String(Math.round(q.points)) });
  if (q.process !== undefined) params.set('process', q.process);
  return requestJson<TopHistoryResponse>(`/agents/${encodeURIComponent(agentId)}/top-history`, { params, ...(signal ? { signal } : {}) });
}
