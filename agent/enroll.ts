// Enrollment (S3): the first start trades the enrollment token for an agent identity
// (POST /api/v1/enroll), which is kept in <state-dir>/identity.json; later starts reuse it and
// never enroll again. The identity holds the MQTT secret, so the file is 0600 in a 0700 directory.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod/mini';
import { API_PREFIX, type EnrollRequest, type EnrollResponse } from '../contract/api.js';
import { ERROR_CODES, RwError, type ErrorCode } from '../contract/errors.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { PIN_PATTERN } from '../core/public-key-pin.js';
import { pinnedFetch, type FetchLike } from './pinned-fetch.js';
import { PinMismatchError } from './pinned-tls.js';

export interface Identity {
  agentId: string;
  secret: string;
  /** plain MQTT's port (0: the appliance serves none) */
  mqttPort: number;
  /** MQTT over TLS's port, from the enrollment answer (SEC) */
  mqttsPort?: number;
  /** the appliance's key pin, kept when the enrollment itself went over HTTPS that verified (SEC) */
  pin?: string;
}

export const IDENTITY_FILE = 'identity.json';

const port = (min: number) => z.int().check(z.minimum(min), z.maximum(65535));
const pinSchema = z.string().check(z.regex(PIN_PATTERN));

const identitySchema = z.object({
  agentId: z.string().check(z.minLength(1)),
  secret: z.string().check(z.minLength(1)),
  mqttPort: port(0),
  mqttsPort: z.optional(port(1)),
  pin: z.optional(pinSchema),
});

// contract/api.ts declares the response as a type only; the agent checks the shape it received.
const enrollResponseSchema: z.ZodMiniType<EnrollResponse> = z.object({
  agentId: z.string().check(z.minLength(1)),
  secret: z.string().check(z.minLength(1)),
  mqtt: z.object({ port: port(0), tlsPort: z.optional(port(1)), pin: z.optional(pinSchema) }),
});

/** The stored identity, or null when the agent has not enrolled yet. */
export function readIdentity(stateDir: string): Identity | null {
  const file = path.join(stateDir, IDENTITY_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new RwError('RW_ERR_CONFIG', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RwError('RW_ERR_CONFIG', `${file} is not JSON; delete it and start again with --token to re-enroll`, { cause: error });
  }
  const parsed = identitySchema.safeParse(json);
  if (!parsed.success) {
    throw new RwError('RW_ERR_CONFIG', `${file} is not a valid identity; delete it and start again with --token to re-enroll`);
  }
  return parsed.data;
}

/**
 * Writes the identity atomically (temporary file, then rename) so a power cut never leaves a
 * half-written secret; the directory is created 0700 and the file 0600 whatever the umask.
 */
export function writeIdentity(stateDir: string, identity: Identity): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = path.join(stateDir, IDENTITY_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(identity, null, 2) + '\n', { mode: 0o600 });
  chmodSync(temporary, 0o600); // in case a stale temporary file existed with other permissions
  renameSync(temporary, file);
}

export interface EnrollDeps {
  applianceUrl: URL;
  /** Needed only when there is no stored identity yet. */
  token: string | undefined;
  stateDir: string;
  hostname: string;
  clock: Clock;
  log: Logger;
  /** Aborts the retry loop (SIGTERM during a first start against an unreachable appliance). */
  signal?: AbortSignal;
  /** the appliance's key (`sha256//…`): an https:// appliance is trusted by this key alone (SEC) */
  pin?: string;
  fetch?: FetchLike;
  /** First retry delay after a network error; doubles up to `retryMaxMs`. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/** The stored identity, or a new one from the appliance (then stored). */
export async function loadOrEnroll(deps: EnrollDeps): Promise<Identity> {
  const stored = readIdentity(deps.stateDir);
  if (stored) {
    deps.log.info('using stored identity', { agentId: stored.agentId });
    return stored;
  }
  if (!deps.token) {
    throw new RwError('RW_ERR_CONFIG',
      `--token: an enrollment token is needed for the first start (no ${IDENTITY_FILE} in ${deps.stateDir})`);
  }
  const identity = await enroll({ ...deps, token: deps.token });
  writeIdentity(deps.stateDir, identity);
  deps.log.info('enrolled', { agentId: identity.agentId, stateDir: deps.stateDir });
  return identity;
}

export function enrollUrl(applianceUrl: URL): string {
  return `${applianceUrl.href.replace(/\/+$/, '')}${API_PREFIX}/enroll`;
}

/**
 * Statuses worth retrying: the appliance is restarting or a proxy in front of it is. Anything
 * else is an answer, and asking again would get the same one.
 */
const TRANSIENT_STATUSES = new Set([502, 503, 504]);

/** POSTs the enrollment, retrying network errors and transient statuses with capped backoff. */
export async function enroll(deps: EnrollDeps & { token: string }): Promise<Identity> {
  const https = deps.applianceUrl.protocol === 'https:';
  const doFetch: FetchLike = deps.fetch ?? (https && deps.pin !== undefined ? pinnedFetch(deps.pin) : fetch);
  const url = enrollUrl(deps.applianceUrl);
  const body: EnrollRequest = { token: deps.token, hostname: deps.hostname };
  const baseMs = deps.retryBaseMs ?? 1000;
  const maxMs = deps.retryMaxMs ?? 60_000;
  for (let attempt = 0; ; attempt++) {
    deps.signal?.throwIfAborted();
    let response: Response | null = null;
    let networkError: unknown = null;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: deps.signal ?? null,
      });
    } catch (error) {
      if (deps.signal?.aborted) throw error;
      // another key than the pinned one is an answer, not an outage: asking again gets the same key
      if (error instanceof PinMismatchError) throw new RwError('RW_ERR_TLS_PIN', `enrollment refused by this agent: ${error.message}; ${ERROR_CODES.RW_ERR_TLS_PIN}`, { cause: error });
      networkError = error;
    }
    if (response && !TRANSIENT_STATUSES.has(response.status)) {
      const identity = await identityFrom(response, url);
      // the answer came over HTTPS that verified (pinned, or by a CA): its pin can be trusted for MQTT
      return https ? identity : { agentId: identity.agentId, secret: identity.secret, mqttPort: identity.mqttPort, ...(identity.mqttsPort ? { mqttsPort: identity.mqttsPort } : {}) };
    }
    const delayMs = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
    deps.log.warn('enrollment: appliance not available yet, retrying', {
      url, attempt: attempt + 1, retryInMs: delayMs,
      ...(response ? { status: response.status } : { error: networkError }),
    });
    await response?.body?.cancel();
    await sleep(deps.clock, delayMs, deps.signal);
  }
}

async function identityFrom(response: Response, url: string): Promise<Identity> {
  const text = await response.text();
  if (response.ok) {
    let json: unknown = null;
    try { json = JSON.parse(text); } catch { /* reported below as a malformed answer */ }
    const parsed = enrollResponseSchema.safeParse(json);
    if (!parsed.success) {
      throw new RwError('RW_ERR_BAD_PAYLOAD', `enrollment: ${url} answered ${response.status} with an unexpected body`);
    }
    const { port: mqttPort, tlsPort, pin } = parsed.data.mqtt;
    return { agentId: parsed.data.agentId, secret: parsed.data.secret, mqttPort, ...(tlsPort ? { mqttsPort: tlsPort } : {}), ...(pin ? { pin } : {}) };
  }
  const serverMessage = errorMessageOf(text);
  switch (response.status) {
    case 401:
      throw new RwError('RW_ERR_ENROLL_TOKEN',
        'enrollment refused: the token is wrong or expired; get a current one from the appliance\'s admin page');
    case 507:
      throw new RwError('RW_ERR_CAPACITY',
        'enrollment refused: the appliance\'s storage cannot hold another server; remove a server or add storage');
    default: {
      const code = errorCodeOf(text) ?? 'RW_ERR_INTERNAL';
      throw new RwError(code, `enrollment failed: ${url} answered HTTP ${response.status}${serverMessage ? `: ${serverMessage}` : ''}`);
    }
  }
}

/** The code of an `ApiError` body when it is one we know. */
function errorCodeOf(text: string): ErrorCode | null {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' && code in ERROR_CODES ? (code as ErrorCode) : null;
  } catch {
    return null;
  }
}

function errorMessageOf(text: string): string | null {
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    return typeof message === 'string' ? message : null;
  } catch {
    return null;
  }
}

function sleep(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(signal?.reason as Error);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
