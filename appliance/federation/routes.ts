// GET/PUT /api/v1/federation (S19, B8; docs/api.md "Federation"): where samples and alert changes
// are forwarded beyond the box. Admins only (federation:manage); a PUT is CSRF-checked and audited
// by the HTTP layer, with the secrets in it redacted from the log.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { API_PREFIX } from '../../contract/api.js';
import { federationSettingsSchema } from '../../contract/federation-api.js';
import { sendJson, sendProblems } from '../http/http-server.js';
import type { FederationFeature } from './federation-feature.js';

export interface FederationRoutesDeps {
  federation: FederationFeature;
}

export function federationRoutes(fastify: FastifyInstance, deps: FederationRoutesDeps): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(`${API_PREFIX}/federation`, { config: { permission: 'federation:manage' } }, (_req, reply) => sendJson(reply, 200, deps.federation.view()));
  app.put(`${API_PREFIX}/federation`, {
    config: { permission: 'federation:manage', audit: { before: () => deps.federation.view() } },
    schema: { body: federationSettingsSchema },
  }, async (req, reply) => {
    const problems = deps.federation.problems(req.body);
    if (problems.length > 0) return sendProblems(reply, problems);
    return sendJson(reply, 200, await deps.federation.update(req.body));
  });
  return Promise.resolve();
}
