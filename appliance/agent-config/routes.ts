// Collector schedules (S2; docs/api.md, types in contract/fleet-api.ts): the defaults and each
// agent's overrides. A body with problems is answered 400 RW_ERR_VALIDATION and nothing changes
// (ConfigService checks it against config-schema.ts, the schema agents apply).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { API_PREFIX } from '../../contract/api.js';
import { RwError } from '../../contract/errors.js';
import { sendJson, sendParsed } from '../http/http-server.js';
import { idParams } from '../http/route-schemas.js';
import { AGENT_CONFIG_WORDING } from '../../contract/agent-config-mini.js';
import type { ConfigService } from './config-service.js';
import { overridesSchema } from './config-schema.js';

export interface ConfigRoutesDeps {
  config: ConfigService;
  agentExists: (id: string) => boolean;
}

export function configRoutes(fastify: FastifyInstance, deps: ConfigRoutesDeps): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const P = API_PREFIX;
  const knownAgent = (id: string): string => {
    if (!deps.agentExists(id)) throw new RwError('RW_ERR_NOT_FOUND', `no agent ${id}`);
    return id;
  };
  app.get(`${P}/config/defaults`, { config: { permission: 'checks:read' } }, (_req, reply) => sendJson(reply, 200, deps.config.defaults()));
  // the body is checked by the agents' own schema (config-schema.ts) before the handler, and
  // again by ConfigService, which other callers reach too
  const body = { config: { problemWording: AGENT_CONFIG_WORDING }, schema: { body: overridesSchema } } as const;
  app.put(`${P}/config/defaults`, { config: { permission: 'checks:write', ...body.config, audit: { action: 'checks.defaults_changed', before: () => deps.config.defaults() } }, schema: body.schema }, async (req, reply) => sendParsed(reply, 200, await deps.config.setDefaults(req.body)));
  app.get(`${P}/agents/:id/config`, { config: { permission: 'checks:read' }, schema: { params: idParams } }, (req, reply) => sendJson(reply, 200, deps.config.agentConfig(knownAgent(req.params.id))));
  app.put(`${P}/agents/:id/config`, {
    config: { permission: 'checks:write', ...body.config, audit: { action: 'checks.changed', before: (req) => deps.config.agentConfig((req.params as { id: string }).id) } },
    schema: { params: idParams, ...body.schema },
    // an unknown agent is 404 whatever the body
    preValidation: (req, _reply, done) => {
      const id = (req.params as { id?: string }).id ?? '';
      done(deps.agentExists(id) ? undefined : new RwError('RW_ERR_NOT_FOUND', `no agent ${id}`));
    },
  }, async (req, reply) => {
    const id = knownAgent(req.params.id);
    return sendParsed(reply, 200, await deps.config.setAgentConfig(id, req.body));
  });
  return Promise.resolve();
}
