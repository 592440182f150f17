// SMS that the outbox could not record (RES): on a read-only or failing data partition SQLite
// takes no write, and the message saying so would be lost with it. They are kept here, in memory
// (at most MAX_UNSTORED, the oldest dropped first), and sent straight to the modem in order when
// it is ready; a failed send is tried again every RETRY_MS. Nothing here survives a restart: this
// is the last resort, the outbox the normal path (a full disk is handled by the reserve file).
import type { Clock } from '../../../core/clock.js';
import type { Logger } from '../../../core/logger.js';
import type { SmsTransport } from './sms-outbox.js';

export const MAX_UNSTORED = 16;
export const UNSTORED_RETRY_MS = 10_000;

export interface UnstoredSmsDeps {
  transport: SmsTransport;
  clock: Clock;
  logger: Logger;
}

export class UnstoredSms {
  private readonly waiting: { to: string; text: string }[] = [];
  private timer: unknown = null;
  private sending = false;
  private running = false;
  /** concatenation references of our own: the outbox's counter lives in SQLite, which is what failed */
  private concatRef = 0x80;
  sent = 0;
  dropped = 0;

  constructor(private readonly deps: UnstoredSmsDeps) {}

  get pending(): number {
    return this.waiting.length;
  }

  start(): void {
    this.running = true;
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  add(msg: { to: string; text: string }): void {
    if (this.waiting.length >= MAX_UNSTORED) {
      this.waiting.shift();
      this.dropped++;
    }
    this.waiting.push({ to: msg.to, text: msg.text });
    this.deps.logger.warn('the outbox cannot store an SMS; sending it from memory', { to: msg.to, waiting: this.waiting.length });
    this.kick(0);
  }

  private kick(ms: number): void {
    if (!this.running || this.sending || this.waiting.length === 0) return;
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    const t = this.deps.clock.setTimeout(() => {
      this.timer = null;
      void this.sendNext();
    }, ms);
    t.unref?.();
    this.timer = t;
  }

  private async sendNext(): Promise<void> {
    const next = this.waiting[0];
    if (!next || !this.deps.transport.isReady()) {
      this.kick(UNSTORED_RETRY_MS);
      return;
    }
    this.sending = true;
    this.concatRef = this.concatRef >= 0xff ? 0x80 : this.concatRef + 1;
    try {
      await this.deps.transport.send({ to: next.to, text: next.text, statusReport: false, concatRef: this.concatRef });
      if (this.waiting[0] === next) this.waiting.shift();
      this.sent++;
      this.deps.logger.info('SMS sent from memory (not recorded in the outbox)', { to: next.to });
      this.sending = false;
      this.kick(0);
    } catch (e) {
      this.deps.logger.warn('could not send an SMS kept in memory; trying again', { to: next.to, err: e, inMs: UNSTORED_RETRY_MS });
      this.sending = false;
      this.kick(UNSTORED_RETRY_MS);
    }
  }
}
