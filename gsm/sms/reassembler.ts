// Joins the parts of concatenated SMS-DELIVER messages (3GPP TS 23.040 §9.2.3.24.1/.8) by
// (sender, reference, total), in sequence order, and says which parts are still missing. Pure:
// the caller keeps the parts (e.g. in SQLite, with their storage index) and decides how long to
// wait for missing ones.
import type { DeliverMessage } from './pdu-deliver.js';

export interface ReassembledMessage<T extends DeliverMessage> {
  readonly sender: string;
  /** Concat reference; undefined for a single-part message. */
  readonly ref?: number;
  readonly total: number;
  readonly complete: boolean;
  /** Sequence numbers (1-based) not yet received. */
  readonly missing: readonly number[];
  /** The received parts' text joined in sequence order (partial when incomplete). */
  readonly text: string;
  /** Received parts in sequence order, one per sequence number (the first copy of a duplicate). */
  readonly parts: readonly T[];
  /** Duplicate copies of an already-received sequence number (safe to delete from storage). */
  readonly duplicates: readonly T[];
}

/**
 * Groups `messages` into messages. Groups appear in the order of their first part in the input;
 * a message without a concat header is a complete group of its own.
 */
export function reassemble<T extends DeliverMessage>(messages: readonly T[]): ReassembledMessage<T>[] {
  type Group = { sender: string; ref?: number; total: number; bySeq: Map<number, T>; duplicates: T[] };
  const groups: Group[] = []; // in order of first appearance
  const byKey = new Map<string, Group>();
  messages.forEach((m, i) => {
    const c = m.concat;
    // A single-part message gets a key of its own; JSON keeps sender text with any characters distinct.
    const key = c === undefined ? JSON.stringify(['single', i]) : JSON.stringify([m.sender, c.ref, c.total]);
    let g = byKey.get(key);
    if (g === undefined) {
      g = c === undefined
        ? { sender: m.sender, total: 1, bySeq: new Map(), duplicates: [] }
        : { sender: m.sender, ref: c.ref, total: c.total, bySeq: new Map(), duplicates: [] };
      byKey.set(key, g);
      groups.push(g);
    }
    const seq = c?.seq ?? 1;
    if (g.bySeq.has(seq)) g.duplicates.push(m);
    else g.bySeq.set(seq, m);
  });

  return groups.map((g) => {
    const parts: T[] = [];
    const missing: number[] = [];
    for (let seq = 1; seq <= g.total; seq++) {
      const p = g.bySeq.get(seq);
      if (p === undefined) missing.push(seq);
      else parts.push(p);
    }
    return {
      sender: g.sender,
      ...(g.ref === undefined ? {} : { ref: g.ref }),
      total: g.total,
      complete: missing.length === 0,
      missing,
      text: parts.map((p) => p.text).join(''),
      parts,
      duplicates: g.duplicates,
    };
  });
}
