// Login throttling and lockout (docs/security.md), pure: counts failures per key and answers how
// long the next attempt must wait. The caller chooses the keys: `addr:<ip>` and `user:<name>` for
// sign-in, and the same limiter guards the setup code, agent enrollment and MQTT CONNECT.
//
// Defaults, per key: the first 3 failures cost nothing; each one after that doubles a delay
// starting at 1 s (1, 2, 4, … s) up to 60 s; the 10th failure locks the key for 15 min. A key
// with no failure for 15 min is forgotten, and a success clears it. At most 10,000 keys are kept
// (the oldest forgotten first), so a flood of addresses cannot grow memory without bound.
import type { Clock } from '../../core/clock.js';

export interface ThrottleLimits {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  lockAfterFailures: number;
  lockMs: number;
  forgetAfterMs: number;
  maxKeys: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = {
  freeFailures: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  lockAfterFailures: 10,
  lockMs: 15 * 60_000,
  forgetAfterMs: 15 * 60_000,
  maxKeys: 10_000,
};

interface KeyState {
  failures: number;
  lastFailureAt: number;
  /** no attempt before this instant (ms since the epoch) */
  blockedUntil: number;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterMs: number; locked: boolean };

export class LoginThrottle {
  readonly #states = new Map<string, KeyState>();
  readonly #limits: ThrottleLimits;

  constructor(private readonly clock: Clock, limits: Partial<ThrottleLimits> = {}) {
    this.#limits = { ...DEFAULT_THROTTLE, ...limits };
  }

  get limits(): ThrottleLimits {
    return this.#limits;
  }

  /** May an attempt under all these keys go ahead now? The longest wait wins. */
  check(keys: readonly string[]): ThrottleVerdict {
    const now = this.clock.now();
    let wait = 0;
    let locked = false;
    for (const key of keys) {
      const s = this.#live(key, now);
      if (!s || s.blockedUntil <= now) continue;
      if (s.blockedUntil - now > wait) {
        wait = s.blockedUntil - now;
        locked = s.failures >= this.#limits.lockAfterFailures;
      }
    }
    return wait > 0 ? { allowed: false, retryAfterMs: wait, locked } : { allowed: true };
  }

  /** Counts a failure under each key; returns the keys this failure locked (for the audit log and an alert). */
  failure(keys: readonly string[]): string[] {
    const now = this.clock.now();
    const l = this.#limits;
    const lockedNow: string[] = [];
    for (const key of keys) {
      const s = this.#live(key, now) ?? { failures: 0, lastFailureAt: now, blockedUntil: 0 };
      s.failures += 1;
      s.lastFailureAt = now;
      if (s.failures >= l.lockAfterFailures) {
        s.blockedUntil = now + l.lockMs;
        if (s.failures === l.lockAfterFailures) lockedNow.push(key);
      } else if (s.failures > l.freeFailures) s.blockedUntil = now + Math.min(l.maxDelayMs, l.baseDelayMs * 2 ** (s.failures - l.freeFailures - 1));
      // re-insert so the map's order is the order of last failure (oldest evicted first)
      this.#states.delete(key);
      this.#states.set(key, s);
    }
    while (this.#states.size > l.maxKeys) {
      const oldest = this.#states.keys().next().value;
      if (oldest === undefined) break;
      this.#states.delete(oldest);
    }
    return lockedNow;
  }

  success(keys: readonly string[]): void {
    for (const key of keys) this.#states.delete(key);
  }

  failuresOf(key: string): number {
    return this.#live(key, this.clock.now())?.failures ?? 0;
  }

  #live(key: string, now: number): KeyState | undefined {
    const s = this.#states.get(key);
    if (!s) return undefined;
    // forgotten after a quiet spell, but never while still locked
    if (now - s.lastFailureAt >= this.#limits.forgetAfterMs && s.blockedUntil <= now) {
      this.#states.delete(key);
      return undefined;
    }
    return s;
  }
}
