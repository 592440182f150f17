// What a fault of the appliance (RES, fault-monitor.ts) does to its alerting: the fault's own
// critical alert, and, for the faults during which agents cannot be judged, a hold on silence
// (S7, AlertEngine.holdSilence): nobody turns silent while it lasts nor for the grace after.
import type { ApplianceFault, FaultCause } from '../../contract/api.js';
import { CAUSE_TEXT, refusesWrites } from './fault-monitor.js';

/** The part of the alert engine a fault reaches. */
export interface FaultAlerting {
  raiseFault(cause: string, detail: string): void;
  clearFault(cause: string): void;
  holdSilence(reason: string): void;
  releaseSilence(reason: string): void;
}

/**
 * S7: the faults that make agents look silent when they are not. A storage fault refuses writes,
 * so the broker closes the agents' connections without acknowledging (their last wills); an
 * rrdcached that does not answer PING leaves every agent's batch unacknowledged until it answers
 * again (after a SIGSTOP, a stalled disk) or its watchdog replaces it, and the fleet catches up only
 * after that: the soak texted ~400 "no data" when a SIGSTOPped rrdcached was let go.
 */
export function holdsSilence(cause: FaultCause): boolean {
  return refusesWrites(cause) || cause === 'rrdcached-not-answering';
}

/** The hold's reason, as health and the log show it. */
const holdReason = (cause: FaultCause): string => `storage: ${cause}`;

export function faultRaised(alerting: FaultAlerting, fault: Pick<ApplianceFault, 'cause' | 'detail'>): void {
  alerting.raiseFault(CAUSE_TEXT[fault.cause], fault.detail);
  if (holdsSilence(fault.cause)) alerting.holdSilence(holdReason(fault.cause));
}

export function faultCleared(alerting: FaultAlerting, cause: FaultCause): void {
  alerting.clearFault(CAUSE_TEXT[cause]);
  if (holdsSilence(cause)) alerting.releaseSilence(holdReason(cause));
}
