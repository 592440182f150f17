// Typed calls to the fleet part of the appliance's API (contract/fleet-api.ts): visitor history,
// collector schedules, adding and removing servers. Thin wrappers over api-client's requestJson;
// a 400 carries its "path: message" problems on the thrown ApiRequestError.
import type { AgentDetail } from '../../contract/api.js';
import type {
  AgentConfigOverrides, AgentConfigResponse, ConfigDefaultsResponse, PreRegisterRequest, VisitorListResponse, VisitorQuery,
} from '../../contract/fleet-api.js';
import type { EnrollmentInfo } from '../../contract/tls-api.js';
import { requestJson } from './api-client.js';

const enc = encodeURIComponent;

export function visitorParams(q: VisitorQuery): URLSearchParams {
  const p = new URLSearchParams();
  if (q.agent) p.set('agent', q.agent);
  if (q.from !== undefined) p.set('from', String(Math.floor(q.from)));
  if (q.to !== undefined) p.set('to', String(Math.ceil(q.to)));
  if (q.q?.trim()) p.set('q', q.q.trim());
  if (q.sort) p.set('sort', q.sort);
  if (q.limit !== undefined) p.set('limit', String(q.limit));
  return p;
}

export function listVisitors(q: VisitorQuery, signal?: AbortSignal): Promise<VisitorListResponse> {
  return requestJson<VisitorListResponse>('/visitors', { params: visitorParams(q), signal });
}

export function getConfigDefaults(signal?: AbortSignal): Promise<ConfigDefaultsResponse> {
  return requestJson<ConfigDefaultsResponse>('/config/defaults', { signal });
}

export function saveConfigDefaults(body: AgentConfigOverrides): Promise<ConfigDefaultsResponse> {
  return requestJson<ConfigDefaultsResponse>('/config/defaults', { method: 'PUT', body });
}

export function getAgentConfig(agentId: string, signal?: AbortSignal): Promise<AgentConfigResponse> {
  return requestJson<AgentConfigResponse>(`/agents/${enc(agentId)}/config`, { signal });
}

export function saveAgentConfig(agentId: string, overrides: AgentConfigOverrides): Promise<AgentConfigResponse> {
  return requestJson<AgentConfigResponse>(`/agents/${enc(agentId)}/config`, { method: 'PUT', body: overrides });
}

export function preRegisterServer(body: PreRegisterRequest): Promise<AgentDetail> {
  return requestJson<AgentDetail>('/servers', { method: 'POST', body });
}

export function removeServer(agentId: string): Promise<void> {
  return requestJson<void>(`/servers/${enc(agentId)}`, { method: 'DELETE' });
}

/** The enrollment token, the appliance's pin and the install command (admins only: 403 otherwise). */
export function getEnrollment(signal?: AbortSignal): Promise<EnrollmentInfo> {
  return requestJson<EnrollmentInfo>('/enrollment', { signal });
}

/** A new enrollment token replaces the old one (admins; 409 when set with --enroll-token); read it with getEnrollment. */
export function rotateEnrollmentToken(): Promise<void> {
  return requestJson<void>('/enrollment/token', { method: 'POST' });
}
