// What a fault of the appliance (RES, fault-monitor.ts) does to its alerting: the fault's own
// critical alert, and, for the faults during which agents cannot be judged, a hold on silence
// (S7, AlertEngine.holdSilence): nobody turns silent while it lasts nor for the grace after.
import type { ApplianceFault, FaultCause } from '../../contract/api.js';
import type { Clock } from '../../core/clock.js';
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

/**
 * RES: a fault's alert resolves only once the fault has stayed away this long. A disk at the edge
 * of full (the file that filled it still there, while a journal rotated or a checkpoint gave back a
 * few MB) clears and fills again within seconds: the soak texted "disk full" twice 30 s apart for
 * one fill. The fault itself (health, ingest's refusal, the hold on silence) follows the disk at
 * once; only its alert waits, and a fault back within the wait continues the same alert.
 */
export const FAULT_ALERT_RESOLVE_AFTER_MS = 60_000;

/** Faults to their alerts, as the appliance wires them (its alerting may start after the monitor). */
export class FaultAlerts {
  readonly #resolving = new Map<FaultCause, unknown>();

  constructor(
    private readonly alerting: () => FaultAlerting | null,
    private readonly clock: Clock,
    private readonly resolveAfterMs = FAULT_ALERT_RESOLVE_AFTER_MS,
  ) {}

  raised(fault: Pick<ApplianceFault, 'cause' | 'detail'>): void {
    const resolving = this.#resolving.get(fault.cause);
    if (resolving !== undefined) {
      this.clock.clearTimeout(resolving);
      this.#resolving.delete(fault.cause);
    }
    const alerting = this.alerting();
    if (alerting) faultRaised(alerting, fault);
  }

  cleared(cause: FaultCause): void {
    const alerting = this.alerting();
    if (!alerting) return;
    if (holdsSilence(cause)) alerting.releaseSilence(holdReason(cause));
    if (this.#resolving.has(cause)) return;
    const timer = this.clock.setTimeout(() => {
      this.#resolving.delete(cause);
      this.alerting()?.clearFault(CAUSE_TEXT[cause]);
    }, this.resolveAfterMs);
    timer.unref?.();
    this.#resolving.set(cause, timer);
  }

  /** Alerts still waiting to resolve stay open; the next start resolves those whose fault is gone. */
  stop(): void {
    for (const timer of this.#resolving.values()) this.clock.clearTimeout(timer);
    this.#resolving.clear();
  }
}
