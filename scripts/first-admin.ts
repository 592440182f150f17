// An admin API token for a freshly started appliance, for the benchmarks and the test harness
// (docs/security.md "First start"): while no admin exists, the first one is made with the setup
// code from <data-dir>/setup-code exactly as the web UI does it (the page's CSRF cookie and token,
// then POST /api/v1/auth/setup), and signed in, it makes an API token; once an admin exists, the
// console tool (`rackwatch token create`) makes one for them.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

export const FIRST_ADMIN = { username: 'admin', password: 'rackwatch-test-admin-pw' } as const;

const execFileAsync = promisify(execFile);

/** Keeps the cookies a response sets in `jar` (a cleared one is dropped); returns the Cookie header. */
export function keepCookies(jar: Map<string, string>, res: Response): string {
  for (const c of res.headers.getSetCookie()) {
    const [pair = '', ...attrs] = c.split(';');
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0\b/i.test(a));
    if (expired || value === '') jar.delete(name);
    else jar.set(name, value);
  }
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

async function expectOk(res: Response, what: string): Promise<Response> {
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/**
 * An admin API token named `name`. `binary` is the appliance bundle (dist/appliance.js) that runs
 * the console tool when setup is already done.
 */
export async function adminApiToken(o: { baseUrl: string; dataDir: string; binary: string; name?: string }): Promise<string> {
  const name = o.name ?? 'automation';
  const codeFile = path.join(o.dataDir, 'setup-code');
  if (!existsSync(codeFile)) {
    const { stdout } = await execFileAsync(process.execPath, [o.binary, 'token', 'create', '--data-dir', o.dataDir, '--role', 'admin', '--name', name], { timeout: 30_000 });
    return stdout.trim();
  }
  const jar = new Map<string, string>();
  const page = await expectOk(await fetch(`${o.baseUrl}/api/v1/auth/session`), 'GET /api/v1/auth/session');
  let cookie = keepCookies(jar, page);
  const { csrfToken } = await page.json() as { csrfToken: string };
  const headers = (): Record<string, string> => ({ 'content-type': 'application/json', 'x-csrf-token': csrfToken, cookie });
  const setup = await expectOk(await fetch(`${o.baseUrl}/api/v1/auth/setup`, {
    method: 'POST', headers: headers(), body: JSON.stringify({ code: readFileSync(codeFile, 'utf8').trim(), ...FIRST_ADMIN }),
  }), 'first-start setup');
  cookie = keepCookies(jar, setup);
  const made = await expectOk(await fetch(`${o.baseUrl}/api/v1/tokens`, { method: 'POST', headers: headers(), body: JSON.stringify({ name, role: 'admin' }) }), 'POST /api/v1/tokens');
  return (await made.json() as { token: string }).token;
}
