// The TLS identity's HTTP routes (SEC; docs/api.md "TLS"): what is served, and replacing it
// with an uploaded certificate (admins: 'tls:manage'). Handlers translate between HTTP and
// TlsIdentity.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { API_PREFIX } from '../../contract/api.js';
import { sendJson, sendParsed } from '../http/http-server.js';
import type { TlsIdentity } from './tls-identity.js';

export interface TlsRoutesDeps {
  identity: TlsIdentity;
}

/** PEM text: a chain of a few certificates, a key; the body limit (64 KiB) bounds both together */
const uploadSchema = z.strictObject({
  certificate: z.string().min(1, 'must be the certificate in PEM, then its intermediates'),
  key: z.string().min(1, 'must be the private key in PEM (or leave it out to keep the current key)').optional(),
});

export function tlsRoutes(fastify: FastifyInstance, deps: TlsRoutesDeps): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(`${API_PREFIX}/tls`, { config: { permission: 'tls:manage' } }, (_req, reply) => sendJson(reply, 200, deps.identity.info()));
  app.put(`${API_PREFIX}/tls/certificate`, { config: { permission: 'tls:manage' }, schema: { body: uploadSchema } }, (req, reply) => {
    const { certificate, key } = req.body;
    return sendParsed(reply, 200, deps.identity.replace({ certificate, ...(key !== undefined ? { key } : {}) }));
  });
  return Promise.resolve();
}
