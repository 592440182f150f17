// Fleet file jobs' HTTP routes (S17; docs/api.md "Files"): uploads, jobs, their servers' states,
// rollbacks, all under `files:deploy` (an admin's by role, or a user's granted per group of servers:
// the service limits them to those groups' members), the admin's deploy grants (`users:manage`,
// audited), and the agents' download of a pushed file, which carries no
// session or token: its signed link is the credential (signed-link.ts), refused with 403
// RW_ERR_SIGNED_URL when forged, expired or not for a job that still waits for that agent.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { API_PREFIX } from '../../contract/api.js';
import { RwError } from '../../contract/errors.js';
import { FILES_API_LIMITS, deployGroupsRequestSchema, fileJobRequestSchema, type DeployGrant } from '../../contract/files-api.js';
import { roleAllows } from '../../contract/permissions.js';
import type { Clock } from '../../core/clock.js';
import type { DeployGrants } from '../accounts/deploy-grants.js';
import { requestUrl, sendJson } from '../http/http-server.js';
import { idParams } from '../http/route-schemas.js';
import type { FileJobsService, Requester } from './file-jobs-service.js';

export interface FileRoutesDeps {
  files: FileJobsService;
  /** S17: the deploy right granted per group of servers */
  grants: DeployGrants;
  clock: Clock;
}

function requester(req: FastifyRequest): Requester {
  const p = req.principal;
  if (!p) throw new RwError('RW_ERR_AUTH');
  return { username: p.username, role: p.role, deployGroupIds: roleAllows(p.role, 'files:deploy') ? null : [...(p.deployGroupIds ?? [])] };
}

const userParams = z.object({ id: z.coerce.number().int().min(1) });

const UPLOAD_TYPE = 'application/octet-stream';

export function fileRoutes(fastify: FastifyInstance, deps: FileRoutesDeps): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const P = API_PREFIX;
  // the upload's body is the file itself, handed over as the stream it arrives as (this plugin
  // only): the JSON parser's 64 KiB bound does not apply, upload-store.ts bounds it while streaming
  fastify.addContentTypeParser(UPLOAD_TYPE, (_req, payload, done) => done(null, payload));

  app.post(`${P}/files`, {
    config: { permission: 'files:deploy', audit: { action: 'files.uploaded' } },
    schema: { querystring: z.object({ name: z.string().min(1).max(FILES_API_LIMITS.nameChars).optional() }) },
  }, async (req, reply) => {
    if (!(req.headers['content-type'] ?? '').startsWith(UPLOAD_TYPE)) throw new RwError('RW_ERR_BAD_REQUEST', `send the file as ${UPLOAD_TYPE}`);
    const length = req.headers['content-length'];
    const declared = length !== undefined && /^\d{1,15}$/.test(length) ? Number(length) : null;
    try {
      return sendJson(reply, 201, await deps.files.upload(req.body as Readable, req.query.name ?? 'file', requester(req), declared));
    } catch (e) {
      // a refused upload's rest is never read: the connection ends with the answer
      void reply.header('connection', 'close');
      throw e;
    }
  });

  app.post(`${P}/jobs`, { config: { permission: 'files:deploy', audit: { action: 'files.job_made' } }, schema: { body: fileJobRequestSchema } }, async (req, reply) =>
    sendJson(reply, 201, await deps.files.create(req.body, requester(req))));
  app.get(`${P}/jobs`, { config: { permission: 'files:deploy' }, schema: { querystring: z.object({ limit: z.coerce.number().int().min(1).max(FILES_API_LIMITS.listLimit).optional() }) } }, (req, reply) =>
    sendJson(reply, 200, deps.files.list(req.query.limit ?? 50, requester(req))));
  app.get(`${P}/jobs/:id`, { config: { permission: 'files:deploy' }, schema: { params: idParams } }, (req, reply) => sendJson(reply, 200, deps.files.view(req.params.id, requester(req))));
  app.post(`${P}/jobs/:id/rollback`, {
    config: { permission: 'files:deploy', audit: { action: 'files.rollback_made' } },
    schema: { params: idParams, body: z.object({ dryRun: z.boolean().optional() }).strict().optional() },
  }, async (req, reply) => sendJson(reply, 201, await deps.files.rollback(req.params.id, requester(req), req.body?.dryRun ?? false)));

  // the deploy grants (S17): an admin grants a user the deploy right on groups of servers
  app.get(`${P}/deploy-grants`, { config: { permission: 'users:manage' } }, (_req, reply) => sendJson(reply, 200, { grants: deps.grants.list() }));
  app.put(`${P}/users/:id/deploy-groups`, {
    config: { permission: 'users:manage', audit: { action: 'files.deploy_groups_set', before: (req) => ({ groupIds: deps.grants.groupsOf(Number((req.params as { id: number }).id)) }) } },
    schema: { params: userParams, body: deployGroupsRequestSchema },
  }, (req, reply) => {
    const by = req.principal?.username ?? '';
    const set = deps.grants.set(req.params.id, req.body.groupIds, by, deps.clock.now());
    const role = deps.grants.roleOf(req.params.id);
    const answer: DeployGrant = { userId: req.params.id, username: set.username, role, groupIds: set.after };
    return sendJson(reply, 200, answer);
  });

  // the agents' download: no login (agents hold no session), the signed link decides
  app.get(`${P}/files/:id/content`, { config: { permission: 'public' }, schema: { params: idParams } }, (req, reply) => {
    const { size, stream } = deps.files.openContent(req.params.id, requestUrl(req).searchParams);
    return reply.code(200).header('cache-control', 'no-store').header('content-length', String(size)).type('application/octet-stream').send(stream);
  });
  return Promise.resolve();
}
