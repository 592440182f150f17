// The signed heartbeat (S13, B4): a sentinel sends a fresh random nonce; the appliance answers
// with its status and any announced planned restart, MACed with a key only it and that agent
// hold, so that anything else answering on the appliance's address (a captive portal, a
// misconfigured proxy, an attacker answering 200) cannot keep the sentinel quiet, nor announce a
// restart to silence it.
//
// The key: the appliance keeps only the scrypt hash of each agent's secret (agents/enrollment.ts),
// and the agent holds the secret. The hash itself is the key: the answer names the scrypt
// parameters and salt (`kdf`, not secret), and the agent derives the same bytes from its secret.
// Nothing new is stored or shared, and the MQTT password (the secret) never keys anything else.
// Whoever steals the appliance's database could forge heartbeats; they could also impersonate
// every agent, so that is no new exposure.
import { createHmac } from 'node:crypto';
import { heartbeatText, type SentinelHeartbeat } from '../../contract/sentinel.js';

export interface HeartbeatDeps {
  /** the stored `scrypt$N$r$p$salt$hash` of an enrolled agent's secret; null: unknown agent */
  secretHashOf: (agentId: string) => string | null;
  isSentinel: (agentId: string) => boolean;
  status: () => string;
  plannedRestartUntilMs: () => number | null;
  now: () => number;
}

/** The signed answer, or null when the agent is unknown or no sentinel (404: nothing to sign with). */
export function signHeartbeat(deps: HeartbeatDeps, agentId: string, nonce: string): SentinelHeartbeat | null {
  if (!deps.isSentinel(agentId)) return null;
  const body = { agentId, nonce, atMs: deps.now(), status: deps.status(), plannedRestartUntilMs: deps.plannedRestartUntilMs() };
  const signed = macWithAgentKey(deps.secretHashOf(agentId), heartbeatText(body));
  return signed ? { v: 1, ...body, ...signed } : null;
}

/** HMAC-SHA256 of `text` keyed with the stored scrypt hash, and the `kdf` the agent derives it with; null: no usable hash. */
export function macWithAgentKey(stored: string | null, text: string): { kdf: string; mac: string } | null {
  const parts = stored?.split('$');
  if (!parts || parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const mac = createHmac('sha256', Buffer.from(parts[5] ?? '', 'base64url')).update(text).digest('base64url');
  return { kdf: parts.slice(0, 5).join('$'), mac };
}
