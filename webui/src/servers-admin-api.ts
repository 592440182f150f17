// Typed calls of the admin Servers screen (S4; docs/api.md "Fleet API"): a server's display name,
// the groups it belongs to, and the retention profile with the storage capacity.
import type { AgentDetail } from '../../contract/api.js';
import type { RetentionResponse } from '../../contract/retention-api.js';
import { requestJson } from './api-client.js';

const enc = encodeURIComponent;

/** null or "": the host name is shown again */
export function renameServer(agentId: string, displayName: string | null): Promise<AgentDetail> {
  return requestJson<AgentDetail>(`/servers/${enc(agentId)}`, { method: 'PATCH', body: { displayName } });
}

/** The server's groups become exactly these. */
export function setServerGroups(agentId: string, groupIds: readonly string[]): Promise<{ agentId: string; groupIds: string[] }> {
  return requestJson<{ agentId: string; groupIds: string[] }>(`/servers/${enc(agentId)}/groups`, { method: 'PUT', body: { groupIds } });
}

export function getRetention(signal?: AbortSignal): Promise<RetentionResponse> {
  return requestJson<RetentionResponse>('/retention', { signal });
}
