// Collector schedules (S2; docs/api.md, types in contract/fleet-api.ts): the defaults and each
// agent's overrides. A body with problems is answered 400 RW_ERR_VALIDATION and nothing changes.
import { API_PREFIX } from '../../contract/api.js';
import { RwError } from '../../contract/errors.js';
import { readJsonBody, sendJson, sendParsed, type Router } from '../http/http-server.js';
import type { ConfigService } from './config-service.js';

export interface ConfigRoutesDeps {
  config: ConfigService;
  agentExists: (id: string) => boolean;
}

export function addConfigRoutes(router: Router, deps: ConfigRoutesDeps): Router {
  const P = API_PREFIX;
  const knownAgent = (id: string | undefined): string => {
    if (!id || !deps.agentExists(id)) throw new RwError('RW_ERR_NOT_FOUND', `no agent ${id ?? ''}`);
    return id;
  };
  return router
    .add('GET', `${P}/config/defaults`, (_req, res) => sendJson(res, 200, deps.config.defaults()))
    .add('PUT', `${P}/config/defaults`, async (req, res) => sendParsed(res, 200, await deps.config.setDefaults(await readJsonBody(req))))
    .add('GET', `${P}/agents/:id/config`, (_req, res, params) => sendJson(res, 200, deps.config.agentConfig(knownAgent(params.id))))
    .add('PUT', `${P}/agents/:id/config`, async (req, res, params) => {
      const id = knownAgent(params.id);
      sendParsed(res, 200, await deps.config.setAgentConfig(id, await readJsonBody(req)));
    });
}
