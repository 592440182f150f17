// The alerting API (docs/api.md "Alerting API"; types in contract/alerts-api.ts): rules with their
// SMS preview, groups and the filtered server list (S8), contacts, alerts with their history and
// acknowledgement, mutes, the SMS outbox and a test SMS, the modem. Handlers validate and
// translate; the state is owned by the AlertEngine (open alerts, server health), AlertAdmin
// (rules, contacts, groups, mutes) and the SmsOutbox. A body with problems is answered 400
// RW_ERR_VALIDATION with every problem as "path: message".
//
// Who may call each route is declared with it (contract/permissions.ts); acknowledgements and mutes
// are recorded under the signed-in user's name.
//
// With `--modem sim` three test hooks are added (never with a real modem): the simulator's log,
// an incoming SMS, and a fault script.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AgentStatus } from '../../contract/agent-status.js';
import { API_PREFIX } from '../../contract/api.js';
import { NOISE_LIMITS, type NoiseReport } from '../../contract/alerts-api.js';
import type { NoiseQuery } from './noise-report.js';
import type { AlertDetail, AlertListResponse, AlertStateFilter, ContactInput, GroupDetail, GroupInput, OutboxState, TestSmsRequest } from '../../contract/alerts-api.js';
import { RwError } from '../../contract/errors.js';
import type { Clock } from '../../core/clock.js';
import { slugId, type AlertAdmin } from './alert-admin.js';
import type { AlertEngine } from './alert-engine.js';
import type { AlertState } from '../../contract/alerting.js';
import type { AlertRepository } from './alert-repository.js';
import { parseContact, parseGroup, parseRule } from './alert-schemas.js';
import { type ServerFilter } from './rules/group-status.js';
import { HEALTH_LEVELS, type HealthLevel } from '../../contract/alerting.js';
import { normalizePhone } from './policy/notification-policy.js';
import type { Rule } from '../../contract/alerting.js';
import { LANGUAGES, type Language } from '../../contract/alerting.js';
import type { ModemResponse } from '../../contract/alerts-api.js';
import type { SimulatedModem } from './modem/simulated-modem.js';
import type { SmsOutbox } from './outbox/sms-outbox.js';
import { requestUrl, sendJson, sendNoContent, sendProblems } from '../http/http-server.js';
import { idAgentParams, idParams } from '../http/route-schemas.js';
import { roleAllows, type Permission } from '../../contract/permissions.js';
import type { RouteAudit } from '../http/change-audit.js';

export interface AlertRoutesDeps {
  engine: AlertEngine;
  admin: AlertAdmin;
  repo: AlertRepository;
  outbox: SmsOutbox;
  modem: () => ModemResponse;
  /** the in-process simulator (`--modem sim`), for the test hooks */
  simulator: () => SimulatedModem | null;
  agentExists: (id: string) => boolean;
  clock: Clock;
  /** S12: the noise report over a range (appliance/alerting/noise-report.ts) */
  noise: (q: Omit<NoiseQuery, 'timeZone'>) => NoiseReport;
}

const P = API_PREFIX;
const AGENT_STATUSES: readonly AgentStatus[] = ['online', 'offline', 'unknown'];
const ALERT_STATES: readonly AlertState[] = ['pending', 'firing', 'acknowledged', 'resolved'];
const OUTBOX_STATES: readonly OutboxState[] = ['queued', 'sending', 'sent', 'delivered', 'failed'];
const MAX_TEST_SMS_CHARS = 1_000;

/** The body, which must be a JSON object (the parser has read it: at most MAX_JSON_BODY_BYTES). */
function readObject(req: FastifyRequest): Record<string, unknown> {
  const body = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RwError('RW_ERR_BAD_REQUEST', 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** A JSON object body, or {} when the body is empty. */
function readOptionalObject(req: FastifyRequest): Record<string, unknown> {
  return req.body === undefined ? {} : readObject(req);
}

type Params = Record<string, string>;

/** Whether the caller may see phone numbers (the SMS outbox's `to`). */
function mayReadSms(req: FastifyRequest): boolean {
  return req.principal !== null && roleAllows(req.principal.role, 'sms:read');
}

/** The route's `:id` (checked by the params schema before any audit hook runs). */
function paramId(req: FastifyRequest): string {
  return (req.params as Params).id ?? '';
}

/** How each change is named in the audit log, and the state it replaces (docs/security.md "Audit log"). */
function auditsOf({ admin, repo }: AlertRoutesDeps): Record<string, RouteAudit | false> {
  const contact = (req: FastifyRequest): unknown => admin.listContacts().find((c) => c.id === paramId(req)) ?? null;
  const group = (req: FastifyRequest): unknown => admin.group(paramId(req));
  const mute = (req: FastifyRequest): unknown => admin.listMutes().find((m) => m.agentId === paramId(req)) ?? null;
  return {
    'POST /rules/preview': false,
    'POST /rules': { action: 'rule.created' },
    'PUT /rules/:id': { action: 'rule.updated', before: (req) => admin.getRule(paramId(req)) },
    'DELETE /rules/:id': { action: 'rule.deleted', before: (req) => admin.getRule(paramId(req)) },
    'POST /groups': { action: 'group.created' },
    'PUT /groups/:id': { action: 'group.updated', before: group },
    'DELETE /groups/:id': { action: 'group.deleted', before: group },
    'PUT /groups/:id/members': { action: 'group.members_set', before: group },
    'POST /groups/:id/members/:agentId': { action: 'group.member_added', before: group },
    'DELETE /groups/:id/members/:agentId': { action: 'group.member_removed', before: group },
    'PUT /servers/:id/groups': { action: 'server.groups_set', before: (req) => admin.listGroups().filter((g) => g.memberIds.includes(paramId(req))).map((g) => g.id) },
    'POST /servers/:id/mute': { action: 'server.muted', before: mute },
    'DELETE /servers/:id/mute': { action: 'server.unmuted', before: mute },
    'POST /contacts': { action: 'contact.created' },
    'PUT /contacts/:id': { action: 'contact.updated', before: contact },
    'DELETE /contacts/:id': { action: 'contact.deleted', before: contact },
    'POST /alerts/:id/ack': { action: 'alert.acknowledged', before: (req) => repo.getAlert(Number(paramId(req))) },
    'POST /sms/test': { action: 'sms.test' },
    'POST /modem/sim-deliver': { action: 'modem.sim_deliver' },
    'POST /modem/sim-fault': { action: 'modem.sim_fault' },
  };
}
type RouteHandler = (req: FastifyRequest, reply: FastifyReply, params: Params, url: URL) => unknown;

/**
 * Adds one route with its permission; path parameters are checked by idParams or idAgentParams
 * (bounded ids); the query string is read by the handler, each parameter checked.
 */
function routeAdder(fastify: FastifyInstance, audits: Readonly<Record<string, RouteAudit | false>> = {}): (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, permission: Permission, handler: RouteHandler) => void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  return (method, url, permission, handler) => {
    const audit = audits[`${method} ${url.slice(P.length)}`];
    const params = url.includes(':agentId') ? idAgentParams : url.includes(':id') ? idParams : undefined;
    app.route({
      method, url, config: { permission, ...(audit !== undefined ? { audit } : {}) }, ...(params ? { schema: { params } } : {}),
      handler: async (req, reply) => {
        await handler(req, reply, (req.params ?? {}), requestUrl(req));
        return reply;
      },
    });
  };
}

/** Repeatable and comma-separated list parameter, each value checked against `allowed`. */
function listParam<T extends string>(url: URL, name: string, allowed: readonly T[]): T[] | undefined {
  const values = url.searchParams.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (values.length === 0) return undefined;
  for (const v of values) {
    if (!(allowed as readonly string[]).includes(v)) throw new RwError('RW_ERR_BAD_REQUEST', `${name} must be among ${allowed.join(', ')}; got "${v.slice(0, 32)}"`);
  }
  return values as T[];
}

function intParam(url: URL, name: string): number | undefined {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return undefined;
  if (!/^\d{1,15}$/.test(text)) throw new RwError('RW_ERR_BAD_REQUEST', `${name} must be a whole number, got "${text.slice(0, 32)}"`);
  return Number(text);
}

function boolParam(url: URL, name: string): boolean | undefined {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return undefined;
  if (text !== 'true' && text !== 'false') throw new RwError('RW_ERR_BAD_REQUEST', `${name} must be true or false, got "${text.slice(0, 32)}"`);
  return text === 'true';
}

function idParam(value: string | undefined): number {
  if (!value || !/^\d{1,15}$/.test(value)) throw new RwError('RW_ERR_NOT_FOUND', `no alert ${value ?? ''}`);
  return Number(value);
}

function language(url: URL): Language {
  const lang = url.searchParams.get('lang') ?? 'ko';
  if (!(LANGUAGES as readonly string[]).includes(lang)) throw new RwError('RW_ERR_BAD_REQUEST', `lang must be one of ${LANGUAGES.join(', ')}`);
  return lang as Language;
}

export function alertRoutes(app: FastifyInstance, deps: AlertRoutesDeps): Promise<void> {
  const { engine, admin, repo, outbox } = deps;
  const add = routeAdder(app, auditsOf(deps));

  /** Shape and meaning of a rule, plus references the pure checks cannot see. */
  const checkRule = (body: Record<string, unknown>, id: string): { rule: Rule } | { problems: string[] } => {
    const { builtin: _builtin, ...rest } = body;
    const parsed = parseRule({ ...rest, id });
    if (!parsed.ok) return { problems: parsed.problems };
    const scope = parsed.value.scope;
    if (scope.kind === 'agent' && !deps.agentExists(scope.agentId)) return { problems: [`scope.agentId: no agent ${scope.agentId}`] };
    if (scope.kind === 'group' && !admin.group(scope.groupId)) return { problems: [`scope.groupId: no group ${scope.groupId}`] };
    return { rule: parsed.value };
  };

  const checkContact = (body: Record<string, unknown>, id: string): ReturnType<typeof parseContact> => {
    const phone = typeof body.phone === 'string' ? normalizePhone(body.phone) : null;
    const candidate = { schedule: [], escalationLevel: 0, enabled: true, ...body, id, ...(phone ? { phone } : {}) };
    if (typeof body.phone === 'string' && !phone) {
      const parsed = parseContact(candidate);
      const others = parsed.ok ? [] : parsed.problems.filter((p) => !p.startsWith('phone:'));
      return { ok: false, problems: [`phone: ${body.phone} is not a phone number (write +82 10 1234 5678 or 010-1234-5678)`, ...others] };
    }
    return parseContact(candidate);
  };

  const groupOr404 = (id: string): GroupDetail => {
    const g = admin.group(id);
    if (!g) throw new RwError('RW_ERR_NOT_FOUND', `no group ${id}`);
    return g;
  };

  const saveGroupFrom = (reply: FastifyReply, id: string, body: Record<string, unknown>, status: number): FastifyReply => {
    const existing = admin.group(id);
    const input: GroupInput = { name: typeof body.name === 'string' ? body.name : (existing?.name ?? ''), ...(Array.isArray(body.memberIds) ? { memberIds: body.memberIds as string[] } : {}) };
    const parsed = parseGroup({ id, name: input.name, memberIds: input.memberIds ?? existing?.memberIds ?? [] });
    if (!parsed.ok) return sendProblems(reply, parsed.problems);
    const clash = admin.listGroups().find((g) => g.name === parsed.value.name && g.id !== id);
    if (clash) throw new RwError('RW_ERR_CONFLICT', `a group named ${parsed.value.name} exists (${clash.id})`);
    const unknown = parsed.value.memberIds.filter((m) => !deps.agentExists(m));
    if (unknown.length > 0) return sendProblems(reply, unknown.map((m) => `memberIds: no agent ${m}`));
    return sendJson(reply, status, admin.saveGroup({ id, name: parsed.value.name }, input.memberIds ?? (existing ? undefined : [])));
  };

  // --- rules ---;
  add('GET', `${P}/rules`, 'rules:read', (_req, reply) => sendJson(reply, 200, admin.listRules()));
  add('POST', `${P}/rules/preview`, 'rules:read', async (req, reply, _params, url) => {
    const checked = checkRule(readObject(req), 'preview');
    if ('problems' in checked) return sendProblems(reply, checked.problems);
    sendJson(reply, 200, admin.previewRule(checked.rule, language(url), url.searchParams.get('agent') ?? undefined));
  });
  add('POST', `${P}/rules`, 'rules:write', async (req, reply) => {
    const body = readObject(req);
    const name = typeof body.name === 'string' ? body.name : 'rule';
    const id = typeof body.id === 'string' && body.id.trim() ? body.id.trim() : slugId(name, (x) => admin.getRule(x) !== null);
    if (admin.getRule(id)) throw new RwError('RW_ERR_CONFLICT', `a rule with id ${id} exists`);
    const checked = checkRule(body, id);
    if ('problems' in checked) return sendProblems(reply, checked.problems);
    sendJson(reply, 201, admin.saveRule(checked.rule));
  });
  add('GET', `${P}/rules/:id`, 'rules:read', (_req, reply, params) => {
    const rule = admin.getRule(params.id ?? '');
    if (!rule) throw new RwError('RW_ERR_NOT_FOUND', `no rule ${params.id}`);
    sendJson(reply, 200, rule);
  });
  add('PUT', `${P}/rules/:id`, 'rules:write', async (req, reply, params) => {
    const id = params.id ?? '';
    if (!admin.getRule(id)) throw new RwError('RW_ERR_NOT_FOUND', `no rule ${id}`);
    const checked = checkRule(readObject(req), id);
    if ('problems' in checked) return sendProblems(reply, checked.problems);
    sendJson(reply, 200, admin.saveRule(checked.rule));
  });
  add('DELETE', `${P}/rules/:id`, 'rules:write', (_req, reply, params) => {
    if (!admin.deleteRule(params.id ?? '')) throw new RwError('RW_ERR_NOT_FOUND', `no rule ${params.id}`);
    sendNoContent(reply);
  });
  add('GET', `${P}/rules/:id/preview`, 'rules:read', (_req, reply, params, url) => {
    const rule = admin.getRule(params.id ?? '');
    if (!rule) throw new RwError('RW_ERR_NOT_FOUND', `no rule ${params.id}`);
    sendJson(reply, 200, admin.previewRule(rule, language(url), url.searchParams.get('agent') ?? undefined));
  });

  // --- groups and servers (S8) ---;
  add('GET', `${P}/groups`, 'groups:read', (_req, reply) => sendJson(reply, 200, admin.listGroups()));
  add('POST', `${P}/groups`, 'groups:write', async (req, reply) => {
    const body = readObject(req);
    const name = typeof body.name === 'string' ? body.name : '';
    const id = typeof body.id === 'string' && body.id.trim() ? body.id.trim() : slugId(name || 'group', (x) => admin.group(x) !== null);
    if (admin.group(id)) throw new RwError('RW_ERR_CONFLICT', `a group with id ${id} exists`);
    saveGroupFrom(reply, id, body, 201);
  });
  add('GET', `${P}/groups/:id`, 'groups:read', (_req, reply, params) => sendJson(reply, 200, groupOr404(params.id ?? '')));
  add('PUT', `${P}/groups/:id`, 'groups:write', async (req, reply, params) => {
    const id = params.id ?? '';
    groupOr404(id);
    saveGroupFrom(reply, id, readObject(req), 200);
  });
  add('DELETE', `${P}/groups/:id`, 'groups:write', (_req, reply, params) => {
    if (!admin.deleteGroup(params.id ?? '')) throw new RwError('RW_ERR_NOT_FOUND', `no group ${params.id}`);
    sendNoContent(reply);
  });
  add('PUT', `${P}/groups/:id/members`, 'groups:write', async (req, reply, params) => {
    const id = params.id ?? '';
    groupOr404(id);
    const body = readObject(req);
    if (!Array.isArray(body.memberIds)) return sendProblems(reply, ['memberIds: must be a list of agent ids']);
    saveGroupFrom(reply, id, { memberIds: body.memberIds }, 200);
  });
  add('POST', `${P}/groups/:id/members/:agentId`, 'groups:write', (_req, reply, params) => {
    const g = groupOr404(params.id ?? '');
    const agentId = params.agentId ?? '';
    if (!deps.agentExists(agentId)) throw new RwError('RW_ERR_NOT_FOUND', `no agent ${agentId}`);
    sendJson(reply, 200, admin.saveGroup(g, [...new Set([...g.memberIds, agentId])]));
  });
  add('DELETE', `${P}/groups/:id/members/:agentId`, 'groups:write', (_req, reply, params) => {
    const g = groupOr404(params.id ?? '');
    sendJson(reply, 200, admin.saveGroup(g, g.memberIds.filter((m) => m !== params.agentId)));
  });
  // S4: a server moves between groups from its own admin screen: its groups become exactly these
  add('PUT', `${P}/servers/:id/groups`, 'groups:write', (req, reply, params) => {
    const agentId = params.id ?? '';
    if (!deps.agentExists(agentId)) throw new RwError('RW_ERR_NOT_FOUND', `no server ${agentId}`);
    const ids: unknown = readObject(req).groupIds;
    if (!Array.isArray(ids) || !ids.every((g): g is string => typeof g === 'string')) return sendProblems(reply, ['groupIds: must be a list of group ids']);
    const known = new Set(admin.listGroups().map((g) => g.id));
    const unknown = ids.filter((g) => !known.has(g));
    if (unknown.length > 0) return sendProblems(reply, unknown.slice(0, 10).map((g) => `groupIds: no group ${g.slice(0, 64)}`));
    sendJson(reply, 200, { agentId, groupIds: admin.setServerGroups(agentId, ids) });
  });
  add('GET', `${P}/servers`, 'agents:read', (_req, reply, _params, url) => {
    const filter: ServerFilter = {};
    const statuses = listParam(url, 'status', AGENT_STATUSES);
    if (statuses) filter.statuses = statuses;
    const levels = listParam<HealthLevel>(url, 'severity', HEALTH_LEVELS);
    if (levels) filter.levels = levels;
    const min = listParam<HealthLevel>(url, 'minSeverity', HEALTH_LEVELS);
    if (min?.[0]) filter.minLevel = min[0];
    const groupId = url.searchParams.get('group');
    if (groupId) filter.group = groupOr404(groupId);
    const q = url.searchParams.get('q');
    if (q) filter.text = q;
    sendJson(reply, 200, engine.servers(filter));
  });

  // --- mutes ---;
  add('GET', `${P}/mutes`, 'mutes:read', (_req, reply) => sendJson(reply, 200, admin.listMutes()));
  add('POST', `${P}/servers/:id/mute`, 'mutes:write', async (req, reply, params) => {
    const agentId = params.id ?? '';
    if (!deps.agentExists(agentId)) throw new RwError('RW_ERR_NOT_FOUND', `no agent ${agentId}`);
    const { minutes } = readObject(req);
    if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > 7 * 24 * 60) {
      return sendProblems(reply, ['minutes: must be a whole number of minutes, 1 … 10080']);
    }
    sendJson(reply, 201, admin.mute(agentId, minutes, req.principal?.username ?? 'api'));
  });
  add('DELETE', `${P}/servers/:id/mute`, 'mutes:write', (_req, reply, params) => {
    if (!admin.unmute(params.id ?? '')) throw new RwError('RW_ERR_NOT_FOUND', `server ${params.id} is not muted`);
    sendNoContent(reply);
  });

  // --- contacts ---;
  add('GET', `${P}/contacts`, 'contacts:read', (_req, reply) => sendJson(reply, 200, admin.listContacts()));
  add('POST', `${P}/contacts`, 'contacts:write', async (req, reply) => {
    const body = (readObject(req)) as Partial<ContactInput> & Record<string, unknown>;
    const name = typeof body.name === 'string' ? body.name : 'contact';
    const taken = (x: string): boolean => admin.listContacts().some((c) => c.id === x);
    const id = typeof body.id === 'string' && body.id.trim() ? body.id.trim() : slugId(name, taken);
    if (taken(id)) throw new RwError('RW_ERR_CONFLICT', `a contact with id ${id} exists`);
    const parsed = checkContact(body, id);
    if (!parsed.ok) return sendProblems(reply, parsed.problems);
    sendJson(reply, 201, admin.saveContact(parsed.value));
  });
  add('GET', `${P}/contacts/:id`, 'contacts:read', (_req, reply, params) => {
    const contact = admin.listContacts().find((c) => c.id === params.id);
    if (!contact) throw new RwError('RW_ERR_NOT_FOUND', `no contact ${params.id}`);
    sendJson(reply, 200, contact);
  });
  add('PUT', `${P}/contacts/:id`, 'contacts:write', async (req, reply, params) => {
    const id = params.id ?? '';
    const existing = admin.listContacts().find((c) => c.id === id);
    if (!existing) throw new RwError('RW_ERR_NOT_FOUND', `no contact ${id}`);
    const parsed = checkContact({ ...existing, ...(readObject(req)) }, id);
    if (!parsed.ok) return sendProblems(reply, parsed.problems);
    sendJson(reply, 200, admin.saveContact(parsed.value));
  });
  add('DELETE', `${P}/contacts/:id`, 'contacts:write', (_req, reply, params) => {
    if (!admin.deleteContact(params.id ?? '')) throw new RwError('RW_ERR_NOT_FOUND', `no contact ${params.id}`);
    sendNoContent(reply);
  });

  // --- alerts ---;
  add('GET', `${P}/alerts`, 'alerts:read', (_req, reply, _params, url) => {
    const filter = listParam<AlertStateFilter>(url, 'state', [...ALERT_STATES, 'open']);
    const states = filter ? [...new Set(filter.flatMap((s): AlertState[] => (s === 'open' ? ['pending', 'firing', 'acknowledged'] : [s])))] : undefined;
    const limit = Math.min(intParam(url, 'limit') ?? 100, 1000);
    const agentId = url.searchParams.get('agent') ?? undefined;
    const before = intParam(url, 'before');
    const fired = boolParam(url, 'fired');
    const alerts = repo.alertHistory({
      ...(agentId ? { agentId } : {}), ...(states ? { states } : {}), limit, ...(before !== undefined ? { beforeId: before } : {}), ...(fired !== undefined ? { fired } : {}),
    });
    const last = alerts[alerts.length - 1];
    const body: AlertListResponse = { alerts, nextBefore: alerts.length === limit && last ? last.id : null };
    sendJson(reply, 200, body);
  });
  // S12: what the alerts of a range cost in SMS and attention; contact names only for a role that may read contacts
  add('GET', `${P}/alerts/noise`, 'alerts:read', (req, reply, _params, url) => {
    const nowMs = deps.clock.now();
    const toMs = intParam(url, 'to') ?? nowMs;
    const fromMs = intParam(url, 'from') ?? toMs - NOISE_LIMITS.defaultRangeMs;
    if (fromMs >= toMs) throw new RwError('RW_ERR_BAD_REQUEST', `from must be before to (from ${fromMs}, to ${toMs})`);
    if (toMs - fromMs > NOISE_LIMITS.maxRangeMs) throw new RwError('RW_ERR_BAD_REQUEST', `from: the range may span at most ${NOISE_LIMITS.maxRangeMs / 86_400_000} days`);
    const withContactNames = req.principal !== null && roleAllows(req.principal.role, 'contacts:read');
    sendJson(reply, 200, deps.noise({ fromMs, toMs, withContactNames }));
  });
  add('GET', `${P}/alerts/:id`, 'alerts:read', (req, reply, params) => {
    const id = idParam(params.id);
    const alert = repo.getAlert(id);
    if (!alert) throw new RwError('RW_ERR_NOT_FOUND', `no alert ${id}`);
    // the notifications carry phone numbers: only for a role that may read the outbox (SEC)
    const body: AlertDetail = { alert, history: repo.eventsOf(id), notifications: mayReadSms(req) ? outbox.list({ alertId: id }) : [] };
    sendJson(reply, 200, body);
  });
  add('POST', `${P}/alerts/:id/ack`, 'alerts:ack', async (req, reply, params) => {
    const id = idParam(params.id);
    readOptionalObject(req);
    // the signed-in user's name: who acknowledged is never taken from the body
    const by = req.principal?.username ?? 'web';
    if (!repo.getAlert(id)) throw new RwError('RW_ERR_NOT_FOUND', `no alert ${id}`);
    const result = engine.acknowledge(id, by);
    if (!result.ok) {
      const why = result.reason === 'not-open' ? 'it is resolved' : result.reason === 'not-firing' ? 'it is pending (not firing yet)' : 'it is already acknowledged';
      throw new RwError('RW_ERR_CONFLICT', `alert ${id} cannot be acknowledged: ${why}`);
    }
    const detail: AlertDetail = { alert: result.alert, history: repo.eventsOf(id), notifications: outbox.list({ alertId: id }) };
    sendJson(reply, 200, detail);
  });

  // --- SMS and the modem ---;
  // held SMS carry phone numbers, like the outbox
  add('GET', `${P}/sms/held`, 'sms:read', (_req, reply) => {
    sendJson(reply, 200, engine.heldSms());
  });
  add('GET', `${P}/sms/outbox`, 'sms:read', (_req, reply, _params, url) => {
    const states = listParam(url, 'state', OUTBOX_STATES);
    const limit = intParam(url, 'limit');
    const before = intParam(url, 'before');
    sendJson(reply, 200, outbox.list({ ...(states ? { states } : {}), ...(limit !== undefined ? { limit } : {}), ...(before !== undefined ? { beforeId: before } : {}) }));
  });
  add('POST', `${P}/sms/test`, 'sms:test', async (req, reply) => {
    const body = (readObject(req)) as Partial<TestSmsRequest>;
    const problems: string[] = [];
    const to = typeof body.to === 'string' ? normalizePhone(body.to) : null;
    if (!to) problems.push(`to: ${typeof body.to === 'string' ? body.to : '(missing)'} is not a phone number (write +82 10 1234 5678 or 010-1234-5678)`);
    if (typeof body.text !== 'string' || body.text.trim() === '') problems.push('text: must not be empty');
    else if ([...body.text].length > MAX_TEST_SMS_CHARS) problems.push(`text: at most ${MAX_TEST_SMS_CHARS} characters`);
    if (problems.length > 0 || !to || typeof body.text !== 'string') return sendProblems(reply, problems);
    const { entry } = outbox.enqueue({ to, text: body.text, kind: 'test', dedupeKey: `test:${deps.clock.now()}:${randomBytes(4).toString('hex')}` });
    sendJson(reply, 202, entry);
  });
  add('GET', `${P}/modem`, 'modem:read', (_req, reply) => sendJson(reply, 200, deps.modem()));

  if (deps.simulator() !== null || deps.modem().mode === 'sim') addSimulatorRoutes(add, deps);
  return Promise.resolve();
}

/** Test hooks, `--modem sim` only: the simulated modem's log, an incoming SMS, a fault script. */
function addSimulatorRoutes(add: ReturnType<typeof routeAdder>, deps: AlertRoutesDeps): void {
  const sim = (): SimulatedModem => {
    const s = deps.simulator();
    if (!s) throw new RwError('RW_ERR_MODEM_NOT_READY', 'the modem simulator is not running');
    return s;
  }; ;
  add('GET', `${P}/modem/sim-log`, 'modem:test', (_req, reply) => sendJson(reply, 200, sim().view()));
  add('POST', `${P}/modem/sim-deliver`, 'modem:test', async (req, reply) => {
    const { from, text } = readObject(req);
    if (typeof from !== 'string' || typeof text !== 'string' || !from || !text) return sendProblems(reply, ['from, text: both must be non-empty strings']);
    sendJson(reply, 202, { indexes: sim().deliver(from, text) });
  });
  add('POST', `${P}/modem/sim-fault`, 'modem:test', async (req, reply) => {
    const armed = sim().fault(readObject(req));
    if (!armed.ok) return sendProblems(reply, armed.problems);
    sendJson(reply, 202, { armed: armed.armed });
  });
}
