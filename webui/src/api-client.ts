// Typed calls to the appliance's HTTP API (contract/api.ts). URLs are relative to the page, so the
// UI also works behind a reverse proxy that mounts the appliance under a sub-path.
import { API_PREFIX } from '../../contract/api.js';
import type { AgentDetail, AgentSummary, AgentWithLatest, ApiError, HealthResponse, SeriesResponse } from '../../contract/api.js';
import type { Family } from '../../contract/metrics.js';

/** A request that got no usable answer: `status` is null when the appliance was not reached. */
export class ApiRequestError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string | null,
    /** a 400 RW_ERR_VALIDATION answer's problems, each "path: message" */
    readonly problems: readonly string[] = [],
    /** a 429's Retry-After, in seconds */
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

/** A board under load answers in well under this; past it the operator should see an error. */
const REQUEST_TIMEOUT_MS = 15_000;

/** The two answers that mean "nobody is signed in" (SEC): the session ended, or there never was one. */
export type SignedOutCode = 'RW_ERR_SESSION' | 'RW_ERR_AUTH';

/**
 * What every request needs from the page's session (SEC): the CSRF token for changes, and whom to
 * tell when the appliance answers that nobody is signed in. Set once by the page (app.tsx); kept
 * here rather than passed to each call, because every typed call of every view goes through
 * `getJson` and none of them should have to know about sessions.
 */
export interface AuthHooks {
  csrfToken: () => string;
  onSignedOut: (code: SignedOutCode) => void;
}

let authHooks: AuthHooks = { csrfToken: () => '', onSignedOut: () => undefined };

/** Installs the page's hooks; returns a function that puts the inert ones back. */
export function setAuthHooks(hooks: AuthHooks): () => void {
  authHooks = hooks;
  return () => {
    authHooks = { csrfToken: () => '', onSignedOut: () => undefined };
  };
}

function retryAfterOf(res: Response): number | null {
  const v = Number(res.headers.get('retry-after'));
  return Number.isFinite(v) && v > 0 ? v : null;
}

export function apiUrl(path: string, params?: URLSearchParams): string {
  const query = params?.toString() ?? '';
  return `.${API_PREFIX}${path}${query ? `?${query}` : ''}`;
}

function isApiError(v: unknown): v is ApiError {
  if (typeof v !== 'object' || v === null || !('error' in v)) return false;
  const e = v.error;
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string';
}

function problemsOf(body: ApiError): string[] {
  const problems: unknown = (body.error as { problems?: unknown }).problems;
  return Array.isArray(problems) ? problems.filter((p): p is string => typeof p === 'string') : [];
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  params?: URLSearchParams;
  /** sent as JSON */
  body?: unknown;
  /** sent as it is, `application/octet-stream` (an upload, S17); instead of `body` */
  bytes?: Blob;
  signal?: AbortSignal;
  /** non-2xx statuses whose body is still the answer */
  okStatuses?: readonly number[];
  /**
   * a 401 is this call's own answer (a wrong password at sign-in, setup or a password change),
   * not a sign that the session is gone
   */
  credentialCheck?: boolean;
}

/** Any API call; a 204 (or another empty 2xx) answers undefined. */
export function requestJson<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  return getJson<T>(path, opts.params, opts.signal, opts.okStatuses, opts.method, opts.bytes ?? opts.body, opts.credentialCheck);
}

async function getJson<T>(
  path: string,
  params?: URLSearchParams,
  signal?: AbortSignal,
  okStatuses: readonly number[] = [],
  method: NonNullable<RequestOptions['method']> = 'GET',
  payload?: unknown,
  credentialCheck = false,
): Promise<T> {
  // one controller for both the caller's cancel and our timeout (AbortSignal.any is too new for
  // the browsers an operator's console may run)
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
  const onAbort = (): void => controller.abort();
  signal?.addEventListener('abort', onAbort);
  let res: Response;
  try {
    const headers: Record<string, string> = { accept: 'application/json' };
    const raw = payload instanceof Blob;
    if (payload !== undefined) headers['content-type'] = raw ? 'application/octet-stream' : 'application/json';
    // every change made with the session cookie must prove it comes from this page (SEC)
    if (method !== 'GET') headers['x-csrf-token'] = authHooks.csrfToken();
    res = await fetch(apiUrl(path, params), {
      method,
      signal: controller.signal,
      headers,
      ...(payload !== undefined ? { body: raw ? payload : JSON.stringify(payload) } : {}),
    });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiRequestError(controller.signal.aborted ? 'timed out' : 'unreachable', null, null);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok && !okStatuses.includes(res.status)) {
    if (isApiError(body)) {
      const code = body.error.code;
      if (res.status === 401 && !credentialCheck && (code === 'RW_ERR_SESSION' || code === 'RW_ERR_AUTH')) authHooks.onSignedOut(code);
      throw new ApiRequestError(body.error.message, res.status, code, problemsOf(body), retryAfterOf(res));
    }
    throw new ApiRequestError(`HTTP ${res.status}`, res.status, null);
  }
  if (body === null && method !== 'GET' && res.ok) return undefined as T;
  if (body === null) throw new ApiRequestError('not JSON', res.status, null);
  // the appliance is typed against the same contract module; the UI trusts its shapes
  return body as T;
}

export function listAgents(signal?: AbortSignal): Promise<AgentSummary[]> {
  return getJson<AgentSummary[]>('/agents', undefined, signal);
}

/**
 * The servers with their latest values (S9): the server list's columns in one request; a fleet
 * over AGENT_LIST_LATEST_MAX comes without them (the stream fills them).
 */
export function listAgentsWithLatest(signal?: AbortSignal): Promise<AgentWithLatest[]> {
  return getJson<AgentWithLatest[]>('/agents', new URLSearchParams({ latest: '1' }), signal);
}

export function getAgent(id: string, signal?: AbortSignal): Promise<AgentDetail> {
  return getJson<AgentDetail>(`/agents/${encodeURIComponent(id)}`, undefined, signal);
}

/** A degraded appliance answers 503 with the same body: that is a health report, not a failure. */
export function getHealth(signal?: AbortSignal): Promise<HealthResponse> {
  return getJson<HealthResponse>('/health', undefined, signal, [503]);
}

export interface SeriesQuery {
  family: Family;
  key?: string;
  /** unix seconds */
  from: number;
  /** unix seconds */
  to: number;
  /** wanted number of points, about the chart's width in pixels */
  points: number;
  /** B9: with the baseline band (a cpu or memory series whose file has the forecast) */
  band?: boolean;
}

export function getSeries(agentId: string, q: SeriesQuery, signal?: AbortSignal): Promise<SeriesResponse> {
  const params = new URLSearchParams({ family: q.family, from: String(Math.floor(q.from)), to: String(Math.ceil(q.to)), points: String(Math.round(q.points)) });
  if (q.key !== undefined) params.set('key', q.key);
  if (q.band) params.set('band', '1');
  return getJson<SeriesResponse>(`/agents/${encodeURIComponent(agentId)}/series`, params, signal);
}

/** A short reason for an error banner: the appliance's message, or what went wrong on the way. */
export function errorReason(e: unknown): string {
  if (e instanceof ApiRequestError) return e.code ? `${e.code}: ${e.message}` : e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
