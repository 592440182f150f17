// The appliance's ping probe (S5): a round of ICMP echoes through fping (fping-batch.ts), judged
// on the average round trip (warn/crit, ms) and the loss (lossWarn/lossCrit, %); all lost is
// CRITICAL. Perfdata: rtt_avg and rtt_max in ms, loss in %.
import { stateOfValue, type CheckState, type Perfdatum } from '../../../contract/checks.js';
import type { FpingBatch } from './fping-batch.js';
import { boundedOutput, probeTimeoutMs, type PingProbeDefinition, type ProbeOutcome } from './probe-types.js';

const RANK: Record<CheckState, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 };
const worse = (a: CheckState, b: CheckState): CheckState => (RANK[b] > RANK[a] ? b : a);
const round3 = (n: number): number => Math.round(n * 1000) / 1000;

export const DEFAULT_PING_COUNT = 3;

export async function runPingProbe(d: PingProbeDefinition, nowS: number, fping: FpingBatch): Promise<ProbeOutcome> {
  const started = performance.now();
  const count = d.count ?? DEFAULT_PING_COUNT;
  const reply = await fping.ping({ host: d.host, count, timeoutMs: probeTimeoutMs(d) });
  const durationMs = round3(performance.now() - started);
  if ('error' in reply) return { t: nowS, state: 'unknown', output: boundedOutput(`PING UNKNOWN - ${reply.error}`), perfdata: [], durationMs };
  const answered = reply.rttsMs.filter((v): v is number => v !== null);
  const lossPct = round3(((count - answered.length) / count) * 100);
  const loss: Perfdatum = { label: 'loss', value: lossPct, unit: '%', warn: d.lossWarn ?? null, crit: d.lossCrit ?? null, min: 0, max: 100 };
  if (answered.length === 0) {
    return { t: nowS, state: 'critical', output: boundedOutput(`PING CRITICAL - ${d.host}: no reply to ${count} echo requests (100% loss)`), perfdata: [loss], durationMs };
  }
  const avg = round3(answered.reduce((a, b) => a + b, 0) / answered.length);
  const max = round3(Math.max(...answered));
  const state = worse(stateOfValue(avg, d.warn ?? null, d.crit ?? null), stateOfValue(lossPct, d.lossWarn ?? null, d.lossCrit ?? null));
  return {
    t: nowS,
    state,
    output: boundedOutput(`PING ${state.toUpperCase()} - ${d.host}: rtt avg ${avg} ms, max ${max} ms, loss ${lossPct}%`),
    perfdata: [
      { label: 'rtt_avg', value: avg, unit: 'ms', warn: d.warn ?? null, crit: d.crit ?? null, min: 0, max: null },
      { label: 'rtt_max', value: max, unit: 'ms', warn: null, crit: null, min: 0, max: null },
      loss,
    ],
    durationMs,
  };
}
