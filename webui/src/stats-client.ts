// Typed calls to the statistics and saved reports API (contract/stats-api.ts; S10): the figures
// of a selection, its CSV's address (a plain link: the session cookie goes with it), the saved
// reports with their runs, and the address of a run's CSV.
import type { ReportDefinitionInput, ReportView, StatsResponse } from '../../contract/stats-api.js';
import { apiUrl, requestJson } from './api-client.js';
import type { StatsSelection } from './stats-model.js';
import { statsParams } from './stats-model.js';

const enc = encodeURIComponent;

export function getStats(sel: StatsSelection, nowS: number, signal?: AbortSignal): Promise<StatsResponse> {
  return requestJson<StatsResponse>('/stats', { params: statsParams(sel, nowS), signal });
}

export function statsCsvUrl(sel: StatsSelection, nowS: number): string {
  return apiUrl('/stats.csv', statsParams(sel, nowS));
}

export function listReports(signal?: AbortSignal): Promise<{ reports: ReportView[]; timeZone: string }> {
  return requestJson<{ reports: ReportView[]; timeZone: string }>('/reports', { signal });
}

export function saveReport(input: ReportDefinitionInput): Promise<ReportView> {
  return requestJson<ReportView>('/reports', { method: 'POST', body: input });
}

export function deleteReport(id: string): Promise<void> {
  return requestJson<void>(`/reports/${enc(id)}`, { method: 'DELETE' });
}

export function reportRunUrl(id: string, runId: number): string {
  return apiUrl(`/reports/${enc(id)}/runs/${runId}`);
}
