// GET/PUT /api/v1/federation (S19, B8; docs/api.md "Federation"): where samples and alert changes
// are forwarded beyond the box. Admins only (federation:manage); a PUT is CSRF-checked and audited
// by the HTTP layer, with the secrets in it redacted from the log. Secrets are write-only: a PUT
// that leaves one out keeps the stored one (stored-secrets.ts).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { API_PREFIX } from '../../contract/api.js';
import { federationUpdateSchema } from '../../contract/federation-api.js';
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
    schema: { body: federationUpdateSchema },
  }, async (req, reply) => {
    const merged = deps.federation.withStoredSecrets(req.body);
    if ('problems' in merged) return sendProblems(reply, merged.problems);
    const problems = deps.federation.problems(merged.settings);
    if (problems.length > 0) return sendProblems(reply, problems);
    return sendJson(reply, 200, await deps.federation.update(merged.settings));
  });
  return Promise.resolve();
}
