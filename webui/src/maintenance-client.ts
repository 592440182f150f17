// Maintenance windows (B11) and dependencies (B10) over HTTP (docs/api.md "Maintenance windows
// and dependencies"); types in contract/maintenance-api.ts.
import type { DependenciesResponse, MaintenanceInput, MaintenanceListResponse, MaintenanceWindow } from '../../contract/maintenance-api.js';
import { requestJson } from './api-client.js';

export function listMaintenance(signal?: AbortSignal): Promise<MaintenanceListResponse> {
  return requestJson<MaintenanceListResponse>('/maintenance', { signal });
}

/** how long the answer of anyMaintenanceWindows is reused (windows made elsewhere show within it) */
const ANY_WINDOWS_TTL_MS = 5 * 60_000;
let anyWindows: { at: number; answer: Promise<boolean> } | null = null;

/**
 * Whether the appliance holds any maintenance window at all: one request for every open panel
 * (S9, S14), reused for a few minutes, so that a dashboard of servers without windows (the usual
 * case) asks no panel's bands; forgotten when this page saves or removes a window.
 */
export function anyMaintenanceWindows(): Promise<boolean> {
  const now = Date.now();
  if (anyWindows === null || now - anyWindows.at >= ANY_WINDOWS_TTL_MS) {
    const answer = listMaintenance().then((r) => r.windows.length > 0);
    anyWindows = { at: now, answer };
    // a failure is not kept: the next panel asks again
    answer.catch(() => {
      if (anyWindows?.answer === answer) anyWindows = null;
    });
  }
  return anyWindows.answer;
}

/** The openings over one server in [fromMs, toMs): a chart's shaded bands. */
export function serverMaintenance(agentId: string, fromMs: number, toMs: number, signal?: AbortSignal): Promise<MaintenanceListResponse> {
  const params = new URLSearchParams({ agentId, from: String(Math.floor(fromMs)), to: String(Math.ceil(toMs)) });
  return requestJson<MaintenanceListResponse>('/maintenance', { params, signal });
}

export function saveMaintenance(input: MaintenanceInput, id: string | null): Promise<MaintenanceWindow> {
  anyWindows = null;
  return id === null
    ? requestJson<MaintenanceWindow>('/maintenance', { method: 'POST', body: input })
    : requestJson<MaintenanceWindow>(`/maintenance/${encodeURIComponent(id)}`, { method: 'PUT', body: input });
}

export function deleteMaintenance(id: string): Promise<void> {
  anyWindows = null;
  return requestJson<undefined>(`/maintenance/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function getDependencies(signal?: AbortSignal): Promise<DependenciesResponse> {
  return requestJson<DependenciesResponse>('/dependencies', { signal });
}

export function setServerDependsOn(agentId: string, dependsOn: readonly string[]): Promise<unknown> {
  return requestJson<unknown>(`/servers/${encodeURIComponent(agentId)}`, { method: 'PATCH', body: { dependsOn } });
}

export function setGroupDependsOn(groupId: string, dependsOn: readonly string[]): Promise<unknown> {
  return requestJson<unknown>(`/groups/${encodeURIComponent(groupId)}/depends-on`, { method: 'PUT', body: { dependsOn } });
}
