// TOTP second factor (RFC 6238, docs/security.md) through otplib: 30 s steps, 6 digits, SHA-1 (what
// every authenticator app supports), accepted one step either side of now for clock drift. A code
// is accepted once: a step that signed a user in cannot sign them in again (remembered in memory,
// which is enough since it expires within 90 s). Time comes from the Clock, so tests move it
// virtually.
import { authenticator } from 'otplib';
import type { Clock } from '../../core/clock.js';
import type { TotpEnrolment } from '../../contract/accounts-api.js';

export type { TotpEnrolment };

const ISSUER = 'rackwatch';
/** 20 bytes = 160 bits, the key size RFC 4226 recommends */
const SECRET_BYTES = 20;

export class Totp {
  /** per user key, the last time step a code was accepted for */
  readonly #lastStep = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  enrol(username: string): TotpEnrolment {
    const secret = authenticator.generateSecret(SECRET_BYTES);
    return { secret, uri: authenticator.keyuri(username, ISSUER, secret) };
  }

  /** Checks a code; with `userKey`, a code of a step at or before the last one accepted for that
   * user is refused (no replay of a code seen over someone's shoulder). */
  verify(secret: string, code: string, userKey?: string): boolean {
    const trimmed = code.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(trimmed)) return false;
    const delta = this.#at().checkDelta(trimmed, secret);
    if (delta === null) return false;
    if (userKey === undefined) return true;
    const step = Math.floor(this.clock.now() / 30_000) + delta;
    if (step <= (this.#lastStep.get(userKey) ?? -1)) return false;
    this.#lastStep.set(userKey, step);
    if (this.#lastStep.size > 10_000) this.#lastStep.delete(this.#lastStep.keys().next().value as string);
    return true;
  }

  /** The current code (tests, and the console tool's self-check). */
  current(secret: string): string {
    return this.#at().generate(secret);
  }

  #at(): typeof authenticator {
    return authenticator.clone({ epoch: this.clock.now(), window: 1, step: 30, digits: 6 });
  }
}
