// Remembers the parts this driver sent with a status-report request, so that an SMS-STATUS-REPORT
// can be matched to them by (TP-MR, recipient, time window) (TS 23.040 §9.2.3.6: TP-MR wraps at
// 255, so the recipient and the window disambiguate). Pure: time passed in.

interface SentPart {
  readonly mr: number;
  readonly recipient: string;
  readonly at: number;
}

export class SentTracker {
  #parts: SentPart[] = [];
  readonly #windowMs: number;

  constructor(options: { windowMs: number }) {
    this.#windowMs = options.windowMs;
  }

  get size(): number {
    return this.#parts.length;
  }

  record(mr: number, recipient: string, at: number): void {
    this.#prune(at);
    this.#parts.push({ mr, recipient, at });
  }

  /**
   * Finds the newest part with this TP-MR and recipient inside the window. A final report
   * (`keep` false) forgets it; a 'still trying' report keeps it for the final one.
   */
  match(mr: number, recipient: string, now: number, keep: boolean): boolean {
    this.#prune(now);
    for (let i = this.#parts.length - 1; i >= 0; i--) {
      const p = this.#parts[i];
      if (p && p.mr === mr && sameNumber(p.recipient, recipient)) {
        if (!keep) this.#parts.splice(i, 1);
        return true;
      }
    }
    return false;
  }

  #prune(now: number): void {
    const oldest = now - this.#windowMs;
    if (this.#parts.length > 0 && (this.#parts[0]?.at ?? now) < oldest) this.#parts = this.#parts.filter((p) => p.at >= oldest);
  }
}

/**
 * The SMSC may report the recipient in another format than we sent it ('+8210…' vs '010…'):
 * equal digits, or the same last 8 digits when both have at least 8.
 */
export function sameNumber(a: string, b: string): boolean {
  const da = a.replace(/\D/g, '');
  const db = b.replace(/\D/g, '');
  if (da === db) return true;
  return da.length >= 8 && db.length >= 8 && da.slice(-8) === db.slice(-8);
}
