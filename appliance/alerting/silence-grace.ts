// S7: when agents must not turn silent. An agent that cannot reach the appliance because of the
// appliance itself (it is starting and its broker does not listen yet; its storage refuses writes,
// so the broker closes connections without acknowledging) is not a server gone quiet: texting
// "offline" for it is noise (docs/alerting.md, "How noise was judged"). While any such hold lasts,
// and for the grace after the last one ends (agents reconnect with their own back-off), nobody
// turns silent. The window's start matters too: an agent already silent before it stays silent
// until it reports again after that start (rule-evaluator.ts evaluateSilence `graceFromMs`).

export interface GraceWindow {
  /** when the window began: agents silent before it stay so until they report after it */
  fromMs: number;
  /** nobody turns silent before this (Infinity while a hold lasts) */
  untilMs: number;
}

/**
 * How far agents still coming back may stretch the grace past its end: 2,000 simulated agents
 * took 75 s to reconnect to an appliance on a loaded 2-core machine (the soak), a real agent waits
 * up to 30 s between attempts (agent/session.ts), and a server really down must still be texted.
 */
export const MAX_GRACE_STRETCH_MS = 10 * 60_000;

export class SilenceGrace {
  /** reason → when it began */
  private readonly holds = new Map<string, number>();
  private fromMs = 0;
  private untilMs = 0;
  /** the grace may not be stretched past this (a bound on `reconnected`) */
  private stretchLimitMs = 0;

  constructor(private readonly graceMs: number) {}

  /** The appliance started: a hold "starting" until `release('starting')`, or just the grace when none is taken. */
  started(nowMs: number): void {
    this.holds.clear();
    this.fromMs = nowMs;
    this.untilMs = nowMs + this.graceMs;
    this.stretchLimitMs = this.untilMs + MAX_GRACE_STRETCH_MS;
  }

  /** The appliance keeps agents away for `reason` from now on (idempotent per reason). */
  hold(reason: string, nowMs: number): void {
    if (this.holds.has(reason)) return;
    // a window already open (another hold, or a grace still running) keeps its start
    if (!this.active(nowMs)) this.fromMs = nowMs;
    this.holds.set(reason, nowMs);
  }

  /** `reason` is over; when it was the last hold, the grace runs from now. */
  release(reason: string, nowMs: number): void {
    if (!this.holds.delete(reason)) return;
    if (this.holds.size === 0) {
      this.untilMs = Math.max(this.untilMs, nowMs + this.graceMs);
      this.stretchLimitMs = this.untilMs + MAX_GRACE_STRETCH_MS;
    }
  }

  /**
   * An agent came back during the grace: the fleet is still reconnecting (an appliance on a
   * loaded box accepts a few dozen a second), so the grace lasts until `graceMs` pass without one,
   * at most MAX_GRACE_STRETCH_MS past its own end.
   */
  reconnected(nowMs: number): void {
    if (this.holds.size > 0 || nowMs >= this.untilMs) return;
    this.untilMs = Math.min(this.stretchLimitMs, Math.max(this.untilMs, nowMs + this.graceMs));
  }

  active(nowMs: number): boolean {
    return this.holds.size > 0 || nowMs < this.untilMs;
  }

  window(): GraceWindow {
    return { fromMs: this.fromMs, untilMs: this.holds.size > 0 ? Number.POSITIVE_INFINITY : this.untilMs };
  }

  /** The reasons that hold now (for the log and health). */
  reasons(): string[] {
    return [...this.holds.keys()];
  }
}
