// Redundancy (S13, B4; docs/api.md "Redundancy"): the settings, admins only
// ('appliance:manage', like announcing a planned restart: they decide who is woken when the
// appliance dies, and carry contacts' addresses), audited; and the sentinels' signed heartbeat,
// public (the sentinel has no session, the MAC is its proof), bounded by the nonce's length; and
// another appliance's sentinels reporting its outage here ('sentinel:report', an API token of this
// appliance that the other one gives its sentinels; audited: it raises an alert and texts contacts).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { API_PREFIX } from '../../contract/api.js';
import { RwError } from '../../contract/errors.js';
import { SENTINEL_LIMITS, peerAlarmSchema } from '../../contract/sentinel.js';
import { problemsOf } from '../../core/validation-problems.js';
import { sendJson, sendParsed } from '../http/http-server.js';
import { signHeartbeat, type HeartbeatDeps } from './heartbeat.js';
import type { PeerAlarms } from './peer-alarms.js';
import type { RedundancyService } from './redundancy-service.js';

export interface RedundancyRoutesDeps {
  redundancy: RedundancyService;
  heartbeat: HeartbeatDeps;
  peerAlarms: PeerAlarms;
}

const { min, max } = SENTINEL_LIMITS.nonceHex;
const heartbeatQuery = z.object({
  agent: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an agent id'),
  nonce: z.string().regex(/^[0-9a-f]+$/, 'lower-case hex').min(min, `at least ${min} hex digits`).max(max, `at most ${max} hex digits`),
}).strict();

export function redundancyRoutes(fastify: FastifyInstance, deps: RedundancyRoutesDeps): Promise<void> {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const P = `${API_PREFIX}/redundancy`;
  app.get(P, { config: { permission: 'appliance:manage' } }, (_req, reply) => sendJson(reply, 200, deps.redundancy.get()));
  app.put(P, { config: { permission: 'appliance:manage', audit: { action: 'redundancy.changed', before: () => deps.redundancy.get() } } }, async (req, reply) => (
    sendParsed(reply, 200, await deps.redundancy.set(req.body, req.principal?.username ?? 'unknown'))
  ));
  app.get(`${API_PREFIX}/sentinel/heartbeat`, { config: { permission: 'public' }, schema: { querystring: heartbeatQuery } }, (req, reply) => {
    const signed = signHeartbeat(deps.heartbeat, req.query.agent, req.query.nonce);
    if (!signed) throw new RwError('RW_ERR_NOT_FOUND', `no sentinel ${req.query.agent}`);
    deps.redundancy.noteHeartbeat(req.query.agent, signed.atMs);
    return sendJson(reply, 200, signed);
  });
  // "send a test alarm through every channel": the sentinels learn of it through their configs
  app.post(`${P}/test`, { config: { permission: 'appliance:manage', audit: { action: 'redundancy.test.requested' } } }, async (req, reply) => (
    sendJson(reply, 202, await deps.redundancy.requestTest(req.principal?.username ?? 'unknown'))
  ));
  // a sentinel's test results: public, the MAC (keyed as the heartbeat) is its proof; bounded by the schema
  app.post(`${API_PREFIX}/sentinel/test-result`, { config: { permission: 'public', csrf: false } }, (req, reply) => {
    const result = deps.redundancy.acceptReport(req.body);
    if (result.ok && !result.value.accepted) throw new RwError('RW_ERR_AUTH', 'no such test for this sentinel, or the signature does not match');
    return sendParsed(reply, 200, result);
  });
  app.post(`${API_PREFIX}/sentinel/alarm`, { config: { permission: 'sentinel:report', audit: { action: 'sentinel.alarm.reported' } } }, (req, reply) => {
    const parsed = peerAlarmSchema.safeParse(req.body);
    if (!parsed.success) return sendParsed(reply, 200, { ok: false, problems: problemsOf(parsed.error) });
    return sendJson(reply, 200, deps.peerAlarms.report(parsed.data));
  });
  return Promise.resolve();
}
