// The sentinel's signed heartbeat (S13, B4): a fresh nonce to the appliance's
// GET /api/v1/sentinel/heartbeat, and the answer's MAC checked with the key derived from this
// agent's secret (appliance/sentinel/heartbeat.ts says why that key). Anything else that answers
// (a 200 from a proxy, a replayed answer, a forged planned restart) counts as a failed heartbeat.
import { API_PREFIX } from '../../contract/api.js';
import { heartbeatText, type SentinelHeartbeat } from '../../contract/sentinel.js';
import { nodeCrypto } from '../../core/lazy-builtins.js';
import type { FetchLike } from '../pinned-fetch.js';

export type HeartbeatResult =
  | { ok: true; plannedRestartUntilMs: number | null; status: string }
  | { ok: false; problem: string };

/** scrypt costs an answer may ask for: the appliance's own (N=1024) and well above, never a CPU sink. */
const MAX_N = 1 << 15;
const MAX_R = 16;
const MAX_P = 4;
const KEY_BYTES = 32;

export interface HeartbeatProbeDeps {
  applianceUrl: URL;
  agentId: string;
  secret: string;
  fetch: FetchLike;
  timeoutMs: number;
}

export interface HeartbeatProbe {
  (): Promise<HeartbeatResult>;
  /** HMAC-SHA256 (base64url) of `text` with the key of the last signed heartbeat; null before the first */
  sign(text: string): Promise<string | null>;
}

export function createHeartbeatProbe(deps: HeartbeatProbeDeps): HeartbeatProbe {
  // the derived key, per kdf string: one scrypt per appliance salt, not one per heartbeat
  const keys = new Map<string, Promise<Buffer>>();
  const keyFor = (kdf: string): Promise<Buffer> | null => {
    const cached = keys.get(kdf);
    if (cached) return cached;
    const [name, n, r, p, salt] = kdf.split('$');
    const N = Number(n);
    const R = Number(r);
    const P = Number(p);
    if (name !== 'scrypt' || !salt || !Number.isInteger(N) || !Number.isInteger(R) || !Number.isInteger(P)) return null;
    if (N < 2 || N > MAX_N || R < 1 || R > MAX_R || P < 1 || P > MAX_P) return null;
    const key = new Promise<Buffer>((resolve, reject) => {
      nodeCrypto().scrypt(deps.secret, Buffer.from(salt, 'base64url'), KEY_BYTES, { N, r: R, p: P }, (err, derived) => (err ? reject(err) : resolve(derived)));
    });
    keys.clear(); // one appliance, one salt: a new one replaces the old
    keys.set(kdf, key);
    return key;
  };

  let lastKey: Promise<Buffer> | null = null;
  const probe = async (): Promise<HeartbeatResult> => {
    const nonce = nodeCrypto().randomBytes(16).toString('hex');
    const url = new URL(`${API_PREFIX}/sentinel/heartbeat`, deps.applianceUrl);
    url.searchParams.set('agent', deps.agentId);
    url.searchParams.set('nonce', nonce);
    let body: Partial<SentinelHeartbeat>;
    try {
      const res = await deps.fetch(url.href, { signal: AbortSignal.timeout(deps.timeoutMs) });
      if (res.status !== 200) return { ok: false, problem: `heartbeat answered HTTP ${res.status}` };
      body = await res.json() as Partial<SentinelHeartbeat>;
    } catch (error) {
      return { ok: false, problem: `heartbeat: ${describe(error)}` };
    }
    if (typeof body !== 'object' || body === null || body.nonce !== nonce || body.agentId !== deps.agentId
      || typeof body.atMs !== 'number' || typeof body.status !== 'string' || typeof body.mac !== 'string' || typeof body.kdf !== 'string'
      || !(body.plannedRestartUntilMs === null || typeof body.plannedRestartUntilMs === 'number')) {
      return { ok: false, problem: 'heartbeat answer is not a signed heartbeat for this challenge' };
    }
    const key = keyFor(body.kdf);
    if (!key) return { ok: false, problem: 'heartbeat answer names key parameters out of bounds' };
    const text = heartbeatText({ agentId: body.agentId, nonce, atMs: body.atMs, status: body.status, plannedRestartUntilMs: body.plannedRestartUntilMs });
    const expected = nodeCrypto().createHmac('sha256', await key).update(text).digest();
    const given = Buffer.from(body.mac, 'base64url');
    if (given.length !== expected.length || !nodeCrypto().timingSafeEqual(given, expected)) return { ok: false, problem: 'heartbeat signature does not match (not the appliance)' };
    lastKey = key;
    return { ok: true, plannedRestartUntilMs: body.plannedRestartUntilMs, status: body.status };
  };
  return Object.assign(probe, {
    sign: async (text: string): Promise<string | null> => (lastKey ? nodeCrypto().createHmac('sha256', await lastKey).update(text).digest('base64url') : null),
  });
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
