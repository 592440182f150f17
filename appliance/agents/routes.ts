// The agents' HTTP routes (S3, S4; docs/api.md): enrollment, the agent list and detail, and
// adding or removing servers by hand. Handlers translate between HTTP and the services.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { EnrollResponse } from '../../contract/api.js';
import { AGENT_LIST_LATEST_MAX, API_PREFIX } from '../../contract/api.js';
import type { EnrollmentInfo } from '../../contract/tls-api.js';
import type { RetentionPreview, RetentionResponse } from '../../contract/retention-api.js';
import { z } from 'zod';
import { RETENTION_PROFILES } from '../store/rrd-layout.js';
import type { Principal } from '../http/access-control.js';
import { RwError } from '../../contract/errors.js';
import { sendJson, sendNoContent, sendParsed } from '../http/http-server.js';
import { idParams } from '../http/route-schemas.js';
import type { AgentRegistry } from './agent-registry.js';
import type { AgentEnrollment } from './enrollment.js';
import { preRegisterSchema, patchServerSchema, type ServerAdmin } from './server-admin.js';
import type { Parsed } from '../../core/validation-problems.js';
import { sendProblems } from '../http/http-server.js';

export interface AgentRoutesDeps {
  registry: AgentRegistry;
  enrollment: AgentEnrollment;
  servers: ServerAdmin;
  /** plain MQTT's port (0: off) */
  mqttPort: () => number;
  /** MQTT over TLS: its port and the pin of the key it presents (SEC) */
  mqtts: () => { port: number; pin: string };
  /** what adding a server needs: the token, the pin, the install command (admins) */
  enrollmentInfo: () => EnrollmentInfo;
  /** a new enrollment token replaces the old one (RW_ERR_CONFLICT when it is configured) */
  rotateEnrollToken: () => void;
  /** the RRD retention profile and the storage capacity it leaves (S4, S14) */
  retention: () => RetentionResponse;
  /** what a change to `profile` does (preview) and the change itself, run in the background */
  retentionChange: {
    preview: (profile: string) => Promise<RetentionPreview>;
    start: (profile: string, by: string) => Promise<RetentionPreview>;
  };
  /** B10: a server's dependencies (kept by alerting): set (problems name `dependsOn.<i>`) and read */
  dependencies?: { set(agentId: string, parents: readonly string[]): Parsed<string[]>; of(agentId: string): readonly string[] };
}

/** enrollments per address per minute: a host enrolls once; a test rig or a bench many at once */
const ENROLL_RATE_LIMIT = { max: 6_000, timeWindow: 60_000 };

/** A server's PATCH in the audit log by what it changed: its name, its dependencies (B10), or both. */
function serverChangeAction(req: FastifyRequest): string {
  const body = req.body as { displayName?: unknown; dependsOn?: unknown };
  if (body.dependsOn === undefined) return 'server.renamed';
  return body.displayName === undefined ? 'server.dependencies_changed' : 'server.changed';
}

/** `GET /agents?latest=1`: with each server's latest values (S9) */
const agentListQuery = z.object({ latest: z.enum(['0', '1']).optional() });

const retentionBody = z.object({
  profile: z.string().max(32).refine((p) => (RETENTION_PROFILES as readonly string[]).includes(p), `must be one of ${RETENTION_PROFILES.join(', ')}`),
}).strict();

export function agentRoutes(fastify: FastifyInstance, deps: AgentRoutesDeps): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const P = API_PREFIX;
  // the enrollment body is checked by AgentEnrollment (its token first); agents hold no cookie,
  // so there is no CSRF token to ask them for (access-control.ts); a wrong token is throttled per address
  app.post(`${P}/enroll`, { config: { permission: 'public', csrf: false, rateLimit: ENROLL_RATE_LIMIT, audit: { action: 'server.enrolled' } } }, async (req, reply) => {
    const { agentId, secret } = await deps.enrollment.enroll(req.body, req.ip);
    const mqtts = deps.mqtts();
    const body: EnrollResponse = { agentId, secret, mqtt: { port: deps.mqttPort(), ...(mqtts.port > 0 ? { tlsPort: mqtts.port, pin: mqtts.pin } : {}) } };
    return sendJson(reply, 201, body);
  });
  // the token is a secret: admins only, never cached
  app.get(`${P}/enrollment`, { config: { permission: 'enrollment:manage' } }, (_req, reply) => sendJson(reply, 200, deps.enrollmentInfo()));
  // rotation answers 204, not the new token: the audit log copies a change's answer, and the
  // install command holds the token in a field no secret filter could name; the UI reads it again
  app.post(`${P}/enrollment/token`, { config: { permission: 'enrollment:manage', audit: { action: 'enrollment.token.rotated' } } }, (_req, reply) => {
    deps.rotateEnrollToken();
    return sendNoContent(reply);
  });
  // the storage's shape is an admin's concern (the same figures as health's storage, with the archives)
  app.get(`${P}/retention`, { config: { permission: 'retention:manage' } }, (_req, reply) => sendJson(reply, 200, deps.retention()));
  app.get(`${P}/retention/preview`, { config: { permission: 'retention:manage' }, schema: { querystring: retentionBody } }, async (req, reply) => (
    sendJson(reply, 200, await deps.retentionChange.preview(req.query.profile))
  ));
  // 202: the files are rewritten in the background; GET /retention's `change` reports the progress
  app.put(`${P}/retention`, { config: { permission: 'retention:manage', audit: { action: 'retention.changed' } }, schema: { body: retentionBody } }, async (req, reply) => (
    sendJson(reply, 202, await deps.retentionChange.start(req.body.profile, (req.principal as Principal).username))
  ));
  // latest=1: the server list's columns in this one answer rather than a detail a server (S9, S14),
  // while the fleet is small enough for that answer to stay small
  app.get(`${P}/agents`, { config: { permission: 'agents:read' }, schema: { querystring: agentListQuery } }, (req, reply) => {
    const list = deps.registry.list();
    return sendJson(reply, 200, req.query.latest === '1' && list.length <= AGENT_LIST_LATEST_MAX ? deps.registry.listWithLatest() : list);
  });
  app.get(`${P}/agents/:id`, { config: { permission: 'agents:read' }, schema: { params: idParams } }, (req, reply) => {
    const detail = deps.registry.detail(req.params.id);
    if (!detail) throw new RwError('RW_ERR_NOT_FOUND', `no agent ${req.params.id}`);
    return sendJson(reply, 200, detail);
  });
  app.post(`${P}/servers`, { config: { permission: 'servers:write', audit: { action: 'server.added' } }, schema: { body: preRegisterSchema } }, (req, reply) => sendParsed(reply, 201, deps.servers.preRegister(req.body)));
  app.patch(`${P}/servers/:id`, {
    config: { permission: 'servers:write', audit: { action: serverChangeAction, before: (req) => {
      const id = (req.params as { id: string }).id;
      const detail = deps.registry.detail(id);
      return detail && { ...detail, dependsOn: deps.dependencies?.of(id) ?? [] };
    } } },
    schema: { params: idParams, body: patchServerSchema },
  }, (req, reply) => {
    const { displayName, dependsOn } = req.body;
    if (!deps.registry.detail(req.params.id)) throw new RwError('RW_ERR_NOT_FOUND', `no server ${req.params.id}`);
    // dependencies first: refused ones (a cycle) leave the name unchanged too
    if (dependsOn !== undefined) {
      if (!deps.dependencies) throw new RwError('RW_ERR_BAD_REQUEST', 'dependencies are not kept here');
      const set = deps.dependencies.set(req.params.id, dependsOn);
      if (!set.ok) return sendProblems(reply, set.problems);
    }
    const detail = displayName !== undefined ? deps.servers.rename(req.params.id, displayName) : deps.registry.detail(req.params.id);
    return sendJson(reply, 200, { ...detail, dependsOn: deps.dependencies?.of(req.params.id) ?? [] });
  });
  app.delete(`${P}/servers/:id`, { config: { permission: 'servers:write', audit: { action: 'server.removed', before: (req) => deps.registry.detail((req.params as { id: string }).id) } }, schema: { params: idParams } }, (req, reply) => {
    deps.servers.remove(req.params.id);
    return sendNoContent(reply);
  });
  return Promise.resolve();
}
