// What the appliance's probes (S5: watching a server from the outside, so that one without an
// agent, or with a dead one, is still watched) have in common: their definitions, and the result
// of one run before the scheduler stamps it with the check's id.
import type { CheckResult } from '../../../contract/check-definitions.js';
import type { CheckInput, ProbeType } from '../../../contract/checks-api.js';

export type ProbeDefinition = Extract<CheckInput, { type: ProbeType }>;
export type TcpProbeDefinition = Extract<CheckInput, { type: 'probe-tcp' }>;
export type HttpProbeDefinition = Extract<CheckInput, { type: 'probe-http' }>;
export type PingProbeDefinition = Extract<CheckInput, { type: 'probe-ping' }>;

/** One run's result; the scheduler adds the check's id. */
export type ProbeOutcome = Omit<CheckResult, 'id'>;

/** A run may take this long unless the definition says otherwise, and never longer than its interval. */
export const DEFAULT_PROBE_TIMEOUT_S = 10;

export function probeTimeoutMs(definition: ProbeDefinition): number {
  return Math.min(definition.timeout ?? DEFAULT_PROBE_TIMEOUT_S, definition.interval) * 1000;
}

export function isProbeDefinition(definition: CheckInput): definition is ProbeDefinition {
  // read through a cast: CheckInput's agent-check members lose `type` in their inferred type
  // (contract/checks-api.ts agentParams omits through `as never`)
  const type = (definition as { type?: unknown }).type;
  return type === 'probe-tcp' || type === 'probe-http' || type === 'probe-ping';
}

/** A first line of output within the contract's bound (contract/checks.ts CHECK_LIMITS.outputChars). */
export function boundedOutput(text: string, max = 1024): string {
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
