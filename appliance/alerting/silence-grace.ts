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

export class SilenceGrace {
  /** reason → when it began */
  private readonly holds = new Map<string, number>();
  private fromMs = 0;
  private untilMs = 0;

  constructor(private readonly graceMs: number) {}

  /** The appliance started: a hold "starting" until `release('starting')`, or just the grace when none is taken. */
  started(nowMs: number): void {
    this.holds.clear();
    this.fromMs = nowMs;
    this.untilMs = nowMs + this.graceMs;
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
    if (this.holds.size === 0) this.untilMs = Math.max(this.untilMs, nowMs + this.graceMs);
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
