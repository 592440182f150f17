// Typed calls of the admin Servers screen (S4; docs/api.md "Fleet API"): a server's display name,
// the groups it belongs to, and the retention profile with the storage capacity.
import type { AgentDetail } from '../../contract/api.js';
import type { RetentionPreview, RetentionResponse } from '../../contract/retention-api.js';
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

/** What a change of the retention profile does to the files there are (S4). */
export function previewRetention(profile: string, signal?: AbortSignal): Promise<RetentionPreview> {
  return requestJson<RetentionPreview>(`/retention/preview?profile=${encodeURIComponent(profile)}`, { signal });
}

/** Starts the change; the files are rewritten in the background (GET /retention's `change`). */
export function changeRetention(profile: string): Promise<RetentionPreview> {
  return requestJson<RetentionPreview>('/retention', { method: 'PUT', body: { profile } });
}
