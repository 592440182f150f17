// Check results on their way to the appliance (`rw/v1/<agentId>/checks`, QoS 1; S5).
//
// Not through the disk queue the metrics take: a check's result is its latest state, and a newer
// one makes an older one moot, while the queue keeps everything in order and would replay hours
// of stale states after an outage. So the outbox keeps, in memory, the latest unacknowledged
// result of each check (at most one per check: bounded by the 1,000 checks an agent runs) and
// sends them when the link allows: a broker outage or a slow link costs the intermediate results
// (the appliance's history and charts have a gap there, as for an agent that was down), never the
// current state, which arrives as soon as the link returns. An agent restart starts from fresh
// results, which its first rounds bring within seconds.
//
// One message in flight at a time (like the metrics), each at most RESULTS_MESSAGE_BYTES and
// CHECK_DEFINITION_LIMITS.resultsPerMessage results: the appliance closes the connection of a
// packet over 256 KiB (docs/mqtt-contract.md), and a result may be ~15 KiB.
import { CHECK_DEFINITION_LIMITS, type CheckResult } from '../../contract/check-definitions.js';
import type { Logger } from '../../core/logger.js';

/** bytes of one message's payload at most: well under the appliance's 256 KiB packet limit */
export const RESULTS_MESSAGE_BYTES = 192 * 1024;

export interface CheckOutboxDeps {
  /** publishes one payload (QoS 1) and calls back with whether the broker acknowledged it; false at once when not connected */
  send: (payload: string, done: (acknowledged: boolean) => void) => void;
  log: Logger;
}

export class CheckOutbox {
  /** id → its latest result not yet acknowledged, oldest first */
  private readonly pending = new Map<string, CheckResult>();
  private inFlight = false;
  private sentMessages = 0;

  constructor(private readonly deps: CheckOutboxDeps) {}

  /** Keeps these results (replacing older ones of the same checks) and sends what the link allows. */
  add(results: readonly CheckResult[]): void {
    for (const r of results) {
      this.pending.delete(r.id);
      this.pending.set(r.id, r);
    }
    this.flush();
  }

  /** Drops what is waiting for checks that no longer exist. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.pending.keys()) if (!ids.has(id)) this.pending.delete(id);
  }

  get waiting(): number {
    return this.pending.size;
  }

  get messages(): number {
    return this.sentMessages;
  }

  /** Sends the next message unless one is in flight; called again on every (re)connect. */
  flush(): void {
    if (this.inFlight || this.pending.size === 0) return;
    const batch: CheckResult[] = [];
    const parts: string[] = [];
    let bytes = 32;
    for (const r of this.pending.values()) {
      const text = JSON.stringify(r);
      if (batch.length > 0 && (bytes + text.length + 1 > RESULTS_MESSAGE_BYTES || batch.length === CHECK_DEFINITION_LIMITS.resultsPerMessage)) break;
      batch.push(r);
      parts.push(text);
      bytes += text.length + 1;
    }
    const payload = `{"v":1,"results":[${parts.join(',')}]}`;
    this.inFlight = true;
    this.deps.send(payload, (acknowledged) => {
      this.inFlight = false;
      if (!acknowledged) return; // kept; the next connect or the next round sends it
      this.sentMessages++;
      // a newer result that arrived meanwhile stays to be sent
      for (const r of batch) if (this.pending.get(r.id) === r) this.pending.delete(r.id);
      this.flush();
    });
  }
}
