// TOTP second factor (RFC 6238, docs/security.md) through otplib: 30 s steps, 6 digits, SHA-1 (what
// every authenticator app supports), accepted one step either side of now for clock drift. Time
// comes from the Clock, so tests move it virtually.
import { authenticator } from 'otplib';
import type { Clock } from '../../core/clock.js';

const ISSUER = 'rackwatch';
/** 20 bytes = 160 bits, the key size RFC 4226 recommends */
const SECRET_BYTES = 20;

export interface TotpEnrolment {
  /** base32, for typing into an app by hand */
  secret: string;
  /** otpauth://totp/… for a QR code */
  uri: string;
}

export class Totp {
  constructor(private readonly clock: Clock) {}

  enrol(username: string): TotpEnrolment {
    const secret = authenticator.generateSecret(SECRET_BYTES);
    return { secret, uri: authenticator.keyuri(username, ISSUER, secret) };
  }

  verify(secret: string, code: string): boolean {
    const trimmed = code.replace(/\s+/g, '');
    if (!/^\d{6}$/.test(trimmed)) return false;
    return this.#at().check(trimmed, secret);
  }

  /** The current code (tests, and the console tool's self-check). */
  current(secret: string): string {
    return this.#at().generate(secret);
  }

  #at(): typeof authenticator {
    return authenticator.clone({ epoch: this.clock.now(), window: 1, step: 30, digits: 6 });
  }
}
