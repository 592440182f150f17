// A browser-like client of the appliance's HTTP API for tests: keeps cookies (the session and the
// CSRF secret), sends the CSRF token with every change, and can run first-start setup and sign-in
// the way the web UI does (docs/security.md).
import type { SessionResponse } from '../../contract/accounts-api.js';
import { FIRST_ADMIN, keepCookies } from '../../scripts/first-admin.js';

/** the admin the test harness makes at first start */
export const TEST_ADMIN = FIRST_ADMIN;

export class WebSession {
  readonly cookies = new Map<string, string>();
  csrf = '';

  constructor(readonly baseUrl: string) {}

  /** GET /api/v1/auth/session: who is signed in, and a fresh CSRF token. */
  async session(): Promise<SessionResponse> {
    const res = await this.request('GET', '/api/v1/auth/session');
    const body = await res.json() as SessionResponse;
    this.csrf = body.csrfToken;
    return body;
  }

  async setup(code: string, username: string = TEST_ADMIN.username, password: string = TEST_ADMIN.password): Promise<Response> {
    if (!this.csrf) await this.session();
    return this.request('POST', '/api/v1/auth/setup', { code, username, password });
  }

  async login(username: string, password: string, totpCode?: string): Promise<Response> {
    if (!this.csrf) await this.session();
    return this.request('POST', '/api/v1/auth/login', { username, password, ...(totpCode !== undefined ? { totpCode } : {}) });
  }

  /** A request with this session's cookies and CSRF token; cookies it sets are kept. */
  async request(method: string, pathname: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const h: Record<string, string> = { ...headers };
    if (this.cookies.size > 0) h.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (method !== 'GET' && method !== 'HEAD' && this.csrf) h['x-csrf-token'] = this.csrf;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(this.baseUrl + pathname, { method, headers: h, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), redirect: 'manual' });
    keepCookies(this.cookies, res);
    return res;
  }

  /** A JSON answer, or an error with the status and body. */
  async json<T>(method: string, pathname: string, body?: unknown): Promise<T> {
    const res = await this.request(method, pathname, body);
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${pathname}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
