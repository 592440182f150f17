// The appliance's HTTP(S) probe (S5): core/http-probe.ts fed from a probe-http definition: the
// expected status codes ("200-299,301"; default 200–399), a body pattern in linear time on the
// first 64 KiB, the certificate's days left, `insecure` for a self-signed device.
import { stateOfValue } from '../../../contract/checks.js';
import { compileLinearPattern } from '../../../core/linear-pattern.js';
import { probeHttp } from '../../../core/http-probe.js';
import { boundedOutput, probeTimeoutMs, type HttpProbeDefinition, type ProbeOutcome } from './probe-types.js';

/** "200-299,301" → a test of a status code (the schema has checked the syntax). */
export function statusMatcher(spec: string): (status: number) => boolean {
  const ranges = spec.split(',').map((part) => {
    const [from, to] = part.split('-');
    const start = Number(from);
    return [start, to === undefined ? start : Number(to)] as const;
  });
  return (status) => ranges.some(([start, end]) => status >= start && status <= end);
}

export async function runHttpProbe(d: HttpProbeDefinition, nowS: number): Promise<ProbeOutcome> {
  let bodyMatch: ((body: string) => boolean) | undefined;
  if (d.bodyPattern !== undefined && d.bodyPattern !== '') {
    const pattern = compileLinearPattern(d.bodyPattern);
    if ('error' in pattern) return { t: nowS, state: 'unknown', output: boundedOutput(`HTTP UNKNOWN - bodyPattern: ${pattern.error}`), perfdata: [], durationMs: 0 };
    bodyMatch = (body) => pattern.test(body);
  }
  const started = performance.now();
  const r = await probeHttp({
    url: d.url, timeoutMs: probeTimeoutMs(d),
    ...(d.expectStatus !== undefined ? { expectStatus: statusMatcher(d.expectStatus) } : {}),
    ...(bodyMatch ? { bodyMatch } : {}),
    verifyTls: d.insecure !== true,
    ...(d.certWarnDays !== undefined ? { certWarnDays: d.certWarnDays } : {}),
    ...(d.certCritDays !== undefined ? { certCritDays: d.certCritDays } : {}),
    warn: d.warn ?? null, crit: d.crit ?? null, stateOfTime: stateOfValue,
  });
  const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
  return { t: nowS, state: r.state, output: boundedOutput(r.output), perfdata: r.perfdata, durationMs };
}
