// S7: an "Agent silent" alert that has not fired yet lives in memory only. The rule waits its
// duration (a minute by default) because most silences are over within it: an agent or its server
// restarting, a network blip, a fleet reconnecting after the appliance closed its connections.
// Storing each of them as an alert with a "pending" and a "cancelled" event, and streaming both to
// every open web UI, would put hundreds of rows in the history at each such moment (the soak's
// chaos: ~200 when a tenth of the fleet reconnects) for nothing anyone could act on. So the
// pending event is held back: a silence over within the duration leaves no row, no event and no
// SMS (the policy sends nothing for pending and cancelled alerts anyway); one that fires is stored
// with its pending event first, so its history still says when the silence began.
// A restart forgets what is held: the start-up grace judges silence anew, and an agent still away
// after it is pending again from then.
import type { AlertEvent } from './rules/alert-lifecycle.js';

export interface SiftedEvents {
  /** what the repository stores (a held pending event goes just before its alert's "fired") */
  stored: AlertEvent[];
  /** what the live hub streams */
  shown: AlertEvent[];
  /** silences over within the rule's duration in these events: nothing was stored or shown of them */
  overWithin: AlertEvent[];
}

export class PendingSilences {
  /** alert id → its pending event, not stored yet */
  private readonly held = new Map<number, AlertEvent>();

  /** Whether this alert is a silence still within its rule's duration (not shown anywhere yet). */
  holds(alertId: number): boolean {
    return this.held.has(alertId);
  }

  /** Holds back the pending events of agent-silent alerts until they fire; drops those cancelled before. */
  sift(events: readonly AlertEvent[]): SiftedEvents {
    const out: SiftedEvents = { stored: [], shown: [], overWithin: [] };
    for (const e of events) {
      const id = e.alert.id;
      if (e.kind === 'pending' && e.alert.metric.kind === 'agent_silent') {
        this.held.set(id, e);
        continue;
      }
      const pending = this.held.get(id);
      if (pending !== undefined) {
        this.held.delete(id);
        if (e.kind === 'cancelled') {
          out.overWithin.push(e);
          continue;
        }
        out.stored.push(pending);
      }
      out.stored.push(e);
      out.shown.push(e);
    }
    return out;
  }

  /** The engine stopped: what was held is forgotten with it. */
  clear(): void {
    this.held.clear();
  }
}
