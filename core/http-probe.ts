// The HTTP(S) check (S5, probes from the appliance): one request with a timeout; the status
// must be the expected one (2xx or 3xx unless told), the body (read up to a bound) may have to
// match, an HTTPS certificate's days left give WARNING or CRITICAL below their thresholds, and
// the response time has its own thresholds. Redirects are not followed (a 3xx is an answer, as
// check_http has it). Shared like the TCP check (core/tcp-probe.ts).
import http from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { CheckState, Perfdatum } from './check-result.js';

export interface HttpProbeRequest {
  url: string;
  timeoutMs: number;
  method?: 'GET' | 'HEAD';
  /** default: 200–399 */
  expectStatus?: (status: number) => boolean;
  /** the body (up to maxBodyBytes, UTF-8) must satisfy this */
  bodyMatch?: (body: string) => boolean;
  /** default 64 KiB */
  maxBodyBytes?: number;
  /** false: a certificate that does not verify is still checked for its days left (internal services) */
  verifyTls?: boolean;
  /** trusted CAs besides the system's (PEM) */
  ca?: string;
  /** a certificate with fewer days left than these is WARNING / CRITICAL */
  certWarnDays?: number;
  certCritDays?: number;
  /** threshold ranges on the response time in seconds, and their test (contract/checks.ts stateOfValue) */
  warn?: string | null;
  crit?: string | null;
  stateOfTime: (seconds: number, warn: string | null, crit: string | null) => CheckState;
  /** the clock for the certificate's days left (tests); Date.now by default */
  nowMs?: () => number;
}

export interface HttpProbeResult {
  state: CheckState;
  output: string;
  perfdata: Perfdatum[];
  /** days the server's certificate has left (HTTPS), else null */
  certDaysLeft: number | null;
}

const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
const DAY_MS = 86_400_000;
const WORSE: Record<CheckState, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 };
const worst = (a: CheckState, b: CheckState): CheckState => (WORSE[b] > WORSE[a] ? b : a);

const perf = (label: string, value: number, unit: string, o: Partial<Perfdatum> = {}): Perfdatum =>
  ({ label, value, unit, warn: null, crit: null, min: 0, max: null, ...o });

export function probeHttp(r: HttpProbeRequest): Promise<HttpProbeResult> {
  const started = performance.now();
  const maxBody = r.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let url: URL;
  try {
    url = new URL(r.url);
  } catch {
    return Promise.resolve({ state: 'unknown', output: `HTTP UNKNOWN - ${r.url} is not a URL`, perfdata: [], certDaysLeft: null });
  }
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') return Promise.resolve({ state: 'unknown', output: `HTTP UNKNOWN - ${url.protocol} is not http: or https:`, perfdata: [], certDaysLeft: null });
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: HttpProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const fail = (why: string): void => done({ state: 'critical', output: `HTTP CRITICAL - ${why}`, perfdata: [], certDaysLeft: null });
    const options: https.RequestOptions = {
      method: r.method ?? 'GET', agent: false, headers: { 'user-agent': 'rackwatch-check', accept: '*/*' },
      ...(secure ? { rejectUnauthorized: r.verifyTls !== false, ...(r.ca !== undefined ? { ca: r.ca } : {}) } : {}),
    };
    const req = (secure ? https : http).request(url, options, (res) => {
      let certDaysLeft: number | null = null;
      if (secure) {
        const cert = (res.socket as TLSSocket).getPeerCertificate();
        const end = Date.parse(cert.valid_to);
        if (Number.isFinite(end)) certDaysLeft = Math.floor((end - (r.nowMs ?? Date.now)()) / DAY_MS);
      }
      const chunks: Buffer[] = [];
      let bytes = 0;
      let size = 0;
      const finish = (): void => {
        const seconds = (performance.now() - started) / 1000;
        const status = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).toString('utf8');
        const problems: string[] = [];
        let state: CheckState = r.stateOfTime(seconds, r.warn ?? null, r.crit ?? null);
        if (!(r.expectStatus ?? ((s) => s >= 200 && s < 400))(status)) {
          state = 'critical';
          problems.push(`status ${status} not expected`);
        }
        if (r.bodyMatch && !r.bodyMatch(body)) {
          state = 'critical';
          problems.push(`the body did not match (${bytes} bytes read)`);
        }
        if (certDaysLeft !== null) {
          if (r.certCritDays !== undefined && certDaysLeft < r.certCritDays) state = worst(state, 'critical');
          else if (r.certWarnDays !== undefined && certDaysLeft < r.certWarnDays) state = worst(state, 'warning');
        }
        const label = `HTTP ${state.toUpperCase()}`;
        const cert = certDaysLeft === null ? '' : `; certificate valid ${certDaysLeft} more day${certDaysLeft === 1 ? '' : 's'}`;
        const head = `${label}: ${status} ${res.statusMessage ?? ''} - ${size} bytes in ${seconds.toFixed(3)} s${cert}`;
        done({
          state,
          output: problems.length > 0 ? `${head} (${problems.join('; ')})` : head,
          perfdata: [
            perf('time', Number(seconds.toFixed(6)), 's', { warn: r.warn ?? null, crit: r.crit ?? null, max: r.timeoutMs / 1000 }),
            perf('size', size, 'B'),
            ...(certDaysLeft !== null ? [perf('cert_days', certDaysLeft, '', {
              warn: r.certWarnDays !== undefined ? `${r.certWarnDays}:` : null, crit: r.certCritDays !== undefined ? `${r.certCritDays}:` : null, min: null,
            })] : []),
          ],
          certDaysLeft,
        });
      };
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (bytes < maxBody) {
          chunks.push(chunk.subarray(0, maxBody - bytes));
          bytes = Math.min(maxBody, bytes + chunk.length);
        }
        // enough read to judge: the rest is not waited for
        if (bytes >= maxBody) finish();
      });
      res.once('end', finish);
      res.once('error', (e) => fail(e.message));
    });
    const timer = setTimeout(() => fail(`no answer within ${r.timeoutMs / 1000} s from ${url.host}`), r.timeoutMs);
    req.once('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? '';
      if (code === 'ECONNREFUSED') fail(`${url.host}: connection refused`);
      else if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) fail(`${url.host}: the certificate does not verify (${code})`);
      else fail(`${url.host}: ${e.message}`);
    });
    req.end();
  });
}
