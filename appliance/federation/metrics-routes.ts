// GET /metrics (S19): the appliance's own metrics for Prometheus, behind an API token
// (`Authorization: Bearer`, permission metrics:read) like the rest of the API.
import type { FastifyInstance } from 'fastify';
import type { ApplianceMetrics } from './appliance-metrics.js';

export interface MetricsRoutesDeps {
  metrics: ApplianceMetrics;
}

export function metricsRoutes(app: FastifyInstance, deps: MetricsRoutesDeps): Promise<void> {
  app.get('/metrics', { config: { permission: 'metrics:read' } }, async (req, reply) => {
    const { contentType, body } = await deps.metrics.expose(req.headers.accept);
    return reply.code(200).header('cache-control', 'no-store').type(contentType).send(body);
  });
  return Promise.resolve();
}
