// Joins incoming SMS-DELIVER parts into whole messages (pure: no I/O, time passed in). Parts are
// deleted from modem storage as soon as they are read (the notes: keep storage near empty), so
// the parts of an unfinished message wait here; after `partTimeoutMs` whatever arrived is handed
// on as an incomplete message rather than lost. Uses the codec's reassemble() for the grouping.
import { reassemble, type DeliverMessage, type ReassembledMessage } from '../sms/index.js';
import type { IncomingSms } from './modem-status.js';

type Part = DeliverMessage & { readonly receivedAt: number };

export class IncomingAssembler {
  #parts: Part[] = [];
  readonly #partTimeoutMs: number;

  constructor(options: { partTimeoutMs: number }) {
    this.#partTimeoutMs = options.partTimeoutMs;
  }

  /** Parts waiting for their siblings. */
  get waiting(): number {
    return this.#parts.length;
  }

  /** Adds one part read at `now`; returns the messages it completes (usually zero or one). */
  add(message: DeliverMessage, now: number): IncomingSms[] {
    this.#parts.push({ ...message, receivedAt: now });
    return this.#take((g) => g.complete);
  }

  /** Hands on, as incomplete, every message whose first part waited longer than the part timeout. */
  expire(now: number): IncomingSms[] {
    return this.#take((g) => Math.min(...g.parts.map((p) => p.receivedAt)) + this.#partTimeoutMs <= now);
  }

  #take(ready: (g: ReassembledMessage<Part>) => boolean): IncomingSms[] {
    const out: IncomingSms[] = [];
    const done = new Set<Part>();
    for (const g of reassemble(this.#parts)) {
      if (!ready(g)) continue;
      for (const p of [...g.parts, ...g.duplicates]) done.add(p);
      const first = g.parts[0];
      out.push({
        from: g.sender,
        text: g.text,
        receivedAt: Math.max(...g.parts.map((p) => p.receivedAt)),
        sentAt: first?.timestamp.epochMs ?? 0,
        parts: g.total,
        complete: g.complete,
      });
    }
    if (done.size > 0) this.#parts = this.#parts.filter((p) => !done.has(p));
    return out;
  }
}
