// Typed calls to the alerting part of the appliance's API (contract/alerts-api.ts): rules and
// their SMS preview, groups and the server health list, contacts, alerts, the SMS outbox and the
// modem. Thin wrappers over api-client's requestJson; a 400 carries its "path: message" problems
// on the thrown ApiRequestError.
import type {
  AckRequest,
  Alert,
  AlertDetail,
  AlertListResponse,
  AlertStateFilter,
  Contact,
  ContactInput,
  GroupDetail,
  GroupInput,
  GroupView,
  HeldSmsResponse,
  NoiseReport,
  Language,
  ModemResponse,
  OutboxEntry,
  OutboxState,
  Rule,
  RuleInput,
  RulePreviewResponse,
  ServerHealth,
  ServerListQuery,
  TestSmsRequest,
} from '../../contract/alerts-api.js';
import { requestJson } from './api-client.js';

const enc = encodeURIComponent;

// --- rules -----------------------------------------------------------------------------------------

export function listRules(signal?: AbortSignal): Promise<Rule[]> {
  return requestJson<Rule[]>('/rules', { signal });
}

/** Creates (no id) or replaces (id) a rule. */
export function saveRule(input: RuleInput, id: string | null): Promise<Rule> {
  return id === null
    ? requestJson<Rule>('/rules', { method: 'POST', body: input })
    : requestJson<Rule>(`/rules/${enc(id)}`, { method: 'PUT', body: input });
}

export function deleteRule(id: string): Promise<void> {
  return requestJson<void>(`/rules/${enc(id)}`, { method: 'DELETE' });
}

/** The SMS texts a saved rule sends, with their segment counts. */
export function getRulePreview(id: string, lang: Language, signal?: AbortSignal): Promise<RulePreviewResponse> {
  return requestJson<RulePreviewResponse>(`/rules/${enc(id)}/preview`, { params: new URLSearchParams({ lang }), signal });
}

/** The SMS texts an unsaved rule would send, with their segment counts. */
export function previewRule(input: RuleInput, lang: Language, signal?: AbortSignal): Promise<RulePreviewResponse> {
  return requestJson<RulePreviewResponse>('/rules/preview', { method: 'POST', params: new URLSearchParams({ lang }), body: input, signal });
}

// --- groups and servers ----------------------------------------------------------------------------

export function listGroups(signal?: AbortSignal): Promise<GroupView[]> {
  return requestJson<GroupView[]>('/groups', { signal });
}

export function getGroup(id: string, signal?: AbortSignal): Promise<GroupDetail> {
  return requestJson<GroupDetail>(`/groups/${enc(id)}`, { signal });
}

export function saveGroup(input: GroupInput, id: string | null): Promise<GroupView> {
  return id === null
    ? requestJson<GroupView>('/groups', { method: 'POST', body: input })
    : requestJson<GroupView>(`/groups/${enc(id)}`, { method: 'PUT', body: input });
}

export function deleteGroup(id: string): Promise<void> {
  return requestJson<void>(`/groups/${enc(id)}`, { method: 'DELETE' });
}

export function setGroupMembers(id: string, memberIds: string[]): Promise<GroupView> {
  return requestJson<GroupView>(`/groups/${enc(id)}/members`, { method: 'PUT', body: { memberIds } });
}

export function serverListParams(q: ServerListQuery): URLSearchParams {
  const p = new URLSearchParams();
  if (q.status?.length) p.set('status', q.status.join(','));
  if (q.severity?.length) p.set('severity', q.severity.join(','));
  if (q.minSeverity) p.set('minSeverity', q.minSeverity);
  if (q.group) p.set('group', q.group);
  if (q.q?.trim()) p.set('q', q.q.trim());
  return p;
}

export function listServers(q: ServerListQuery, signal?: AbortSignal): Promise<ServerHealth[]> {
  return requestJson<ServerHealth[]>('/servers', { params: serverListParams(q), signal });
}

// --- contacts --------------------------------------------------------------------------------------

export function listContacts(signal?: AbortSignal): Promise<Contact[]> {
  return requestJson<Contact[]>('/contacts', { signal });
}

export function saveContact(input: ContactInput, id: string | null): Promise<Contact> {
  return id === null
    ? requestJson<Contact>('/contacts', { method: 'POST', body: input })
    : requestJson<Contact>(`/contacts/${enc(id)}`, { method: 'PUT', body: input });
}

export function deleteContact(id: string): Promise<void> {
  return requestJson<void>(`/contacts/${enc(id)}`, { method: 'DELETE' });
}

// --- alerts ----------------------------------------------------------------------------------------

export interface AlertQuery {
  states?: AlertStateFilter[];
  agent?: string;
  limit?: number;
  before?: number | null;
  /** true: only alerts that fired (the history leaves out those cancelled before firing) */
  fired?: boolean;
}

export function listAlerts(q: AlertQuery, signal?: AbortSignal): Promise<AlertListResponse> {
  const p = new URLSearchParams();
  if (q.states?.length) p.set('state', q.states.join(','));
  if (q.agent) p.set('agent', q.agent);
  if (q.limit !== undefined) p.set('limit', String(q.limit));
  if (q.before !== undefined && q.before !== null) p.set('before', String(q.before));
  if (q.fired !== undefined) p.set('fired', String(q.fired));
  return requestJson<AlertListResponse>('/alerts', { params: p, signal });
}

export function getAlert(id: number, signal?: AbortSignal): Promise<AlertDetail> {
  return requestJson<AlertDetail>(`/alerts/${id}`, { signal });
}

export function ackAlert(id: number, by = 'web'): Promise<AlertDetail> {
  const body: AckRequest = { by };
  return requestJson<AlertDetail>(`/alerts/${id}/ack`, { method: 'POST', body });
}

/** Open = pending, firing or acknowledged. */
export function listOpenAlerts(signal?: AbortSignal): Promise<Alert[]> {
  return listAlerts({ states: ['open'], limit: 1000 }, signal).then((r) => r.alerts);
}

// --- SMS and modem ---------------------------------------------------------------------------------

export function listOutbox(q: { states?: OutboxState[]; limit?: number; before?: number | null }, signal?: AbortSignal): Promise<OutboxEntry[]> {
  const p = new URLSearchParams();
  if (q.states?.length) p.set('state', q.states.join(','));
  if (q.limit !== undefined) p.set('limit', String(q.limit));
  if (q.before !== undefined && q.before !== null) p.set('before', String(q.before));
  return requestJson<OutboxEntry[]>('/sms/outbox', { params: p, signal });
}

/** SMS the rate limit holds back, each with when its digest goes (S12). */
/** S12: the noise report over [fromMs, toMs). */
export function getNoiseReport(fromMs: number, toMs: number, signal?: AbortSignal): Promise<NoiseReport> {
  return requestJson<NoiseReport>(`/alerts/noise?from=${Math.floor(fromMs)}&to=${Math.floor(toMs)}`, { signal });
}

export function listHeldSms(signal?: AbortSignal): Promise<HeldSmsResponse> {
  return requestJson<HeldSmsResponse>('/sms/held', { signal });
}

export function sendTestSms(req: TestSmsRequest): Promise<OutboxEntry> {
  return requestJson<OutboxEntry>('/sms/test', { method: 'POST', body: req });
}

export function getModem(signal?: AbortSignal): Promise<ModemResponse> {
  return requestJson<ModemResponse>('/modem', { signal });
}
