// Whether the MQTT session still answers (S13, B4; docs/agent.md "Sentinel"). mqtt.js notices a
// hung broker or a cut link only after 1.5 × keepalive (22.5 s at the default 15 s), which put a
// sentinel's alarm past grace + 15 s. The broker answers every QoS 1 PUBLISH with a PUBACK and
// every PINGREQ with a PINGRESP, so a packet that wants an answer and has had none, with nothing
// at all received from the broker for a bound since it was sent, means the session is lost for
// the sentinel's purpose, whatever the keepalive. An idle session (nothing waiting for an answer)
// is never judged here: `probe()` sends a PINGREQ so the next look can tell.
import type { Clock } from '../core/clock.js';

/** How long a packet may wait for the broker's answer: PUBACKs on a LAN take milliseconds, a loaded appliance a few seconds. */
export const ANSWER_BOUND_MS = 5_000;

/** MQTT 3.1.1 packets the broker answers (PUBLISH only with QoS > 0). */
const ANSWERED = new Set(['pingreq', 'subscribe', 'unsubscribe', 'pubrel']);

export class SessionLiveness {
  /** when the first packet still wanting an answer was sent after the last packet received; null: none waits */
  private waitingSince: number | null = null;

  constructor(private readonly clock: Clock, private readonly boundMs = ANSWER_BOUND_MS) {}

  /** mqtt.js 'packetsend' */
  sent(packet: { cmd: string; qos?: number }): void {
    const wantsAnswer = ANSWERED.has(packet.cmd) || (packet.cmd === 'publish' && (packet.qos ?? 0) > 0);
    if (wantsAnswer) this.waitingSince ??= this.clock.now();
  }

  /** mqtt.js 'packetreceive': the broker is there; whatever still waits is timed from the next send */
  received(): void {
    this.waitingSince = null;
  }

  /** a new connection (or none): nothing of the old one waits */
  reset(): void {
    this.waitingSince = null;
  }

  /** true unless a packet has waited for the broker's answer for the bound with nothing received meanwhile */
  get answering(): boolean {
    return this.waitingSince === null || this.clock.now() - this.waitingSince < this.boundMs;
  }

  /** true when nothing waits for an answer: a PINGREQ is what would tell */
  get idle(): boolean {
    return this.waitingSince === null;
  }
}
