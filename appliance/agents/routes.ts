// The agents' HTTP routes (S3, S4; docs/api.md): enrollment, the agent list and detail, and
// adding or removing servers by hand. Handlers translate between HTTP and the services.
import type { EnrollResponse } from '../../contract/api.js';
import { API_PREFIX } from '../../contract/api.js';
import { RwError } from '../../contract/errors.js';
import { readJsonBody, sendJson, sendNoContent, sendParsed, type Router } from '../http/http-server.js';
import type { AgentRegistry } from './agent-registry.js';
import type { AgentEnrollment } from './enrollment.js';
import type { ServerAdmin } from './server-admin.js';

export interface AgentRoutesDeps {
  registry: AgentRegistry;
  enrollment: AgentEnrollment;
  servers: ServerAdmin;
  mqttPort: () => number;
}

export function addAgentRoutes(router: Router, deps: AgentRoutesDeps): Router {
  const P = API_PREFIX;
  return router
    .add('POST', `${P}/enroll`, async (req, res) => {
      const { agentId, secret } = await deps.enrollment.enroll(await readJsonBody(req));
      const body: EnrollResponse = { agentId, secret, mqtt: { port: deps.mqttPort() } };
      sendJson(res, 201, body);
    })
    .add('GET', `${P}/agents`, (_req, res) => sendJson(res, 200, deps.registry.list()))
    .add('GET', `${P}/agents/:id`, (_req, res, params) => {
      const detail = deps.registry.detail(params.id ?? '');
      if (!detail) throw new RwError('RW_ERR_NOT_FOUND', `no agent ${params.id}`);
      sendJson(res, 200, detail);
    })
    .add('POST', `${P}/servers`, async (req, res) => sendParsed(res, 201, deps.servers.preRegister(await readJsonBody(req))))
    .add('DELETE', `${P}/servers/:id`, (_req, res, params) => {
      deps.servers.remove(params.id ?? '');
      sendNoContent(res);
    });
}
