// The standby pair's routes (S13, B4; docs/api.md "The standby pair"): the signed heartbeat and the
// configuration snapshot, public (the peer has no session: the MAC and the proof of the shared
// secret are its credentials; bounded by the nonce's and challenge's length); this appliance's
// pair status, read by every role ('modem:read': who sends the SMS, shown on the Redundancy
// screen), and promotion, admins only ('appliance:manage', like the redundancy settings), audited.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { API_PREFIX } from '../../contract/api.js';
import { RwError } from '../../contract/errors.js';
import { PAIR_LIMITS, PAIR_PROOF_HEADER } from '../../contract/pair.js';
import { sendJson } from '../http/http-server.js';
import type { PairService } from './pair-service.js';

export interface PairRoutesDeps {
  pair: PairService;
}

const { min, max } = PAIR_LIMITS.nonceHex;
const hex = z.string().regex(/^[0-9a-f]+$/, 'lower-case hex').min(min, `at least ${min} hex digits`).max(max, `at most ${max} hex digits`);

export function pairRoutes(fastify: FastifyInstance, deps: PairRoutesDeps): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const P = `${API_PREFIX}/pair`;
  app.get(`${P}/heartbeat`, { config: { permission: 'public' }, schema: { querystring: z.object({ nonce: hex }).strict() } }, (req, reply) => {
    const signed = deps.pair.heartbeat(req.query.nonce);
    if (!signed) throw new RwError('RW_ERR_NOT_FOUND', 'this appliance is in no pair');
    return sendJson(reply, 200, signed);
  });
  app.get(`${P}/config`, { config: { permission: 'public' }, schema: { querystring: z.object({ challenge: hex }).strict() } }, (req, reply) => {
    const proof = req.headers[PAIR_PROOF_HEADER];
    if (typeof proof !== 'string' || !/^[0-9a-f]{64}$/.test(proof)) throw new RwError('RW_ERR_PAIR_PROOF', `the ${PAIR_PROOF_HEADER} header must be 64 lower-case hex digits`);
    return sendJson(reply, 200, deps.pair.snapshot(req.query.challenge, proof));
  });
  app.get(P, { config: { permission: 'modem:read' } }, (_req, reply) => sendJson(reply, 200, deps.pair.status()));
  app.post(`${P}/promote`, { config: { permission: 'appliance:manage', audit: { action: 'pair.promoted', before: () => deps.pair.status() } } }, (req, reply) => (
    sendJson(reply, 200, deps.pair.promote(req.principal?.username ?? 'unknown'))
  ));
  return Promise.resolve();
}
