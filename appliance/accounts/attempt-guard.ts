// One guard in front of every secret that can be guessed (SEC; docs/security.md "Rate limits and
// lockout"): sign-in, the setup code, the enrollment token and agents' MQTT secrets. It asks the
// throttle whether an attempt may go ahead, counts it as a failure *before* the slow check (so
// parallel guesses each see the ones before them) and clears it on success. A caller may count
// some keys only once the check has failed (`failed`): MQTT counts an address so, because a whole
// fleet behind one address reconnects at once after the appliance restarts, and counted before
// the check its own logins in flight would lock it out. When a run of failures locks a key, the
// lock is written to the audit log and reported (an info alert).
import type { AuditLog } from './audit-log.js';
import type { LoginThrottle } from './login-throttle.js';
import { RwError } from '../../contract/errors.js';

/** Refused by the throttle: `retryAfterMs` is what a Retry-After header should say. */
export class ThrottledError extends RwError {
  constructor(readonly retryAfterMs: number, readonly locked: boolean) {
    super('RW_ERR_THROTTLED', `too many failed attempts: ${locked ? 'locked, ' : ''}try again in ${Math.ceil(retryAfterMs / 1000)} s`);
  }
}

export interface Lockout {
  /** what was being guessed: 'login', 'enroll', 'mqtt' */
  kind: string;
  /** the throttle keys the failures locked (`addr:…`, `user:…`, `agent:…`, `setup-code`) */
  keys: string[];
  address: string | null;
  lockedForMs: number;
  /** failures that locked it */
  failures: number;
}

/** What the broker and enrollment see of a guard. */
export interface AttemptGate {
  admit(keys: readonly string[], address: string | null, countedNow?: readonly string[]): void;
  failed(keys: readonly string[], address: string | null): void;
  succeeded(keys: readonly string[]): void;
}

export class AttemptGuard implements AttemptGate {
  constructor(
    readonly kind: string,
    private readonly throttle: LoginThrottle,
    private readonly audit: AuditLog,
    private readonly onLockout?: (lock: Lockout) => void,
  ) {}

  /**
   * Lets an attempt go ahead if none of `keys` must wait, or throws ThrottledError. The attempt is
   * counted as failed under `countedNow` (all the keys unless told) until `succeeded`.
   */
  admit(keys: readonly string[], address: string | null, countedNow: readonly string[] = keys): void {
    const verdict = this.throttle.check(keys);
    if (!verdict.allowed) throw new ThrottledError(verdict.retryAfterMs, verdict.locked);
    this.failed(countedNow, address);
  }

  /** Counts a failure under `keys` (those not counted at admission, once the check said no). */
  failed(keys: readonly string[], address: string | null): void {
    if (keys.length === 0) return;
    const locked = this.throttle.failure(keys);
    if (locked.length > 0) {
      const lock: Lockout = { kind: this.kind, keys: locked, address, lockedForMs: this.throttle.limits.lockMs, failures: this.throttle.limits.lockAfterFailures };
      this.audit.append({ actor: null, address, action: `${this.kind}.locked`, target: locked.join(' '), after: { lockedForMs: lock.lockedForMs } });
      this.onLockout?.(lock);
    }
  }

  succeeded(keys: readonly string[]): void {
    this.throttle.success(keys);
  }
}
