// The appliance's TCP probe (S5): core/tcp-probe.ts, which the agent's port check also runs, fed
// from a probe-tcp definition; the reply pattern runs in linear time (core/linear-pattern.ts).
import { stateOfValue } from '../../../contract/checks.js';
import { compileLinearPattern } from '../../../core/linear-pattern.js';
import { probeTcp } from '../../../core/tcp-probe.js';
import { boundedOutput, probeTimeoutMs, type ProbeOutcome, type TcpProbeDefinition } from './probe-types.js';

export async function runTcpProbe(d: TcpProbeDefinition, nowS: number): Promise<ProbeOutcome> {
  let expect: ((reply: string) => boolean) | undefined;
  if (d.expect !== undefined && d.expect !== '') {
    const pattern = compileLinearPattern(d.expect);
    if ('error' in pattern) return { t: nowS, state: 'unknown', output: boundedOutput(`TCP UNKNOWN - expect: ${pattern.error}`), perfdata: [], durationMs: 0 };
    expect = (reply) => pattern.test(reply);
  }
  const r = await probeTcp({
    host: d.host, port: d.port, timeoutMs: probeTimeoutMs(d),
    ...(d.send !== undefined && d.send !== '' ? { send: d.send } : {}),
    ...(expect ? { expect } : {}),
    warn: d.warn ?? null, crit: d.crit ?? null, stateOfTime: stateOfValue,
  });
  return { t: nowS, state: r.state, output: boundedOutput(r.output), perfdata: r.perfdata, durationMs: Math.round(r.durationMs * 1000) / 1000 };
}
