// This appliance as the peer of another one (S13, B4; docs/agent.md "Sentinel"): the other
// appliance's sentinels report its outage here (POST /api/v1/sentinel/alarm with an API token of
// this appliance), and this appliance texts its own contacts through its own outbox.
//
// It is also where several sentinels agree: the first report of an appliance opens one alert and
// is answered `first: true`; every later report while that alert is open (another sentinel, or
// the same one retrying) is answered `first: false` with who came first, and sends nothing new,
// so the later sentinels leave their own channels to the first one. A recovery resolves the alert
// (texted as recoveries are) and forgets who was first.
import type { PeerAlarm, PeerAlarmResponse } from '../../contract/sentinel.js';
import type { Logger } from '../../core/logger.js';

export interface PeerAlarmsDeps {
  /** opens the alert; false when it was open already (also after a restart of this appliance) */
  raise: (appliance: string, problem: string, detail: string) => boolean;
  clear: (appliance: string) => void;
  logger: Logger;
}

export class PeerAlarms {
  /** watched appliance → the sentinel whose report opened its alert */
  private readonly firstBy = new Map<string, string>();

  constructor(private readonly deps: PeerAlarmsDeps) {}

  report(a: PeerAlarm): PeerAlarmResponse {
    if (a.event === 'test') {
      // the channel's test from the other appliance's Redundancy screen: reachable, token taken
      this.deps.logger.info('a sentinel tested its peer channel', { appliance: a.appliance, sentinel: a.sentinel });
      return { first: true, firstBy: a.sentinel };
    }
    if (a.event === 'recovery') {
      this.firstBy.delete(a.appliance);
      this.deps.clear(a.appliance);
      this.deps.logger.info('a sentinel reports the watched appliance answers again', { appliance: a.appliance, sentinel: a.sentinel });
      return { first: false, firstBy: null };
    }
    const opened = this.deps.raise(
      a.appliance,
      `appliance ${a.appliance} not answering since ${a.since} (sentinel ${a.sentinel})`,
      `${a.appliance} has not answered since ${a.since}, seen from sentinel ${a.sentinel}: ${a.seen}`,
    );
    if (opened) {
      this.firstBy.set(a.appliance, a.sentinel);
      this.deps.logger.warn('a sentinel reports the watched appliance down: alert raised', { appliance: a.appliance, sentinel: a.sentinel, since: a.since });
      return { first: true, firstBy: a.sentinel };
    }
    const first = this.firstBy.get(a.appliance) ?? null;
    // the same sentinel again (its answer was lost): it is still the first
    return { first: first === a.sentinel, firstBy: first };
  }
}
