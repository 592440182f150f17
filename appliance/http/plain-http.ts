// What plain (unencrypted) HTTP does (SEC, --http-plain; docs/security.md "HTTPS"): `serve`
// answers everything as HTTPS does; `redirect` answers 308 to the same path on HTTPS at the
// configured address, except what agents installed before TLS need over plain HTTP (their
// enrollment, and re-running the installer they were given: /install.sh and /agent/*); `off`
// has no listener. Pure: the HTTP layer asks it per request.

export const HTTP_PLAIN_MODES = ['redirect', 'serve', 'off'] as const;
export type HttpPlainMode = (typeof HTTP_PLAIN_MODES)[number];

/**
 * Requests an agent of an older install makes over plain HTTP: POST /api/v1/enroll (an agent
 * installed but not yet enrolled; Node's fetch would follow a 308 to a certificate it cannot
 * verify) and the installer's downloads (`curl -fsSL http://…/install.sh | sh` to upgrade).
 */
export function servedOverPlainHttpForOldAgents(method: string, pathname: string): boolean {
  if (method === 'POST') return pathname === '/api/v1/enroll';
  if (method !== 'GET' && method !== 'HEAD') return false;
  return pathname === '/install.sh' || pathname.startsWith('/agent/');
}

/** The path and query of a request target; an absolute-form target (`GET http://x/y`) keeps only its path. */
export function pathAndQuery(target: string): string {
  if (target.startsWith('/') && !target.startsWith('//')) return target;
  try {
    const u = new URL(target, 'http://appliance');
    return u.pathname + u.search;
  } catch {
    return '/';
  }
}

export type PlainHttpAction = { kind: 'serve' } | { kind: 'redirect'; location: string };

/** What one plain-HTTP request gets, under `mode` ('off' has no listener to ask). */
export function plainHttpAction(mode: Exclude<HttpPlainMode, 'off'>, method: string, target: string, httpsOrigin: string): PlainHttpAction {
  const path = pathAndQuery(target);
  if (mode === 'serve') return { kind: 'serve' };
  const pathname = path.split('?')[0] ?? '/';
  if (servedOverPlainHttpForOldAgents(method, pathname)) return { kind: 'serve' };
  return { kind: 'redirect', location: httpsOrigin + path };
}
