// Encoding choice and segmentation (3GPP TS 23.038 §6.2.1, TS 23.040 §9.2.3.24.1/.8). GSM 7-bit
// when every character is in the default or extension table, otherwise UCS2. Lengths are counted
// in septets or UTF-16 code units, never in JavaScript characters, and two hazards are avoided:
// an extension character (ESC + code) is never split, and neither is a surrogate pair.
import { RwError } from '../errors.js';
import { gsm7SeptetsOf } from './gsm7.js';
import { toWellFormed } from './ucs2.js';

export type TextEncoding = 'gsm7' | 'ucs2';

/** §9.2.3.24.1: the 8-bit-reference concat IE's max-parts octet. */
export const MAX_PARTS = 255;

/** UDH octets with one concat IE: `05 00 03 ref tot seq` or `06 08 04 rH rL tot seq`. */
const CONCAT_UDH_OCTETS = { 8: 6, 16: 7 } as const;

export interface SegmentOptions {
  /** Width of the concat reference (default 8: `05 00 03 …`). */
  readonly concatRefBits?: 8 | 16;
}

export interface Segment {
  readonly text: string;
  /** Septets (GSM 7-bit) or UTF-16 code units (UCS2) of this part's text. */
  readonly units: number;
}

export interface Segmentation {
  readonly encoding: TextEncoding;
  readonly segments: readonly Segment[];
}

/** Capacity in septets / UCS2 code units: single part, or one part of a concatenated message. */
export function partCapacity(encoding: TextEncoding, concatRefBits: 8 | 16 | undefined): number {
  if (encoding === 'gsm7') {
    // 160 single; 160 − 7 = 153 with the 6-octet UDH (+1 fill bit); 160 − 8 = 152 with 7 octets.
    return concatRefBits === undefined ? MAX_UD_SEPTETS : MAX_UD_SEPTETS - udhSeptets(CONCAT_UDH_OCTETS[concatRefBits]);
  }
  // 70 single; (140 − 6) / 2 = 67; (140 − 7) / 2 → 66.
  const octets = concatRefBits === undefined ? MAX_UD_OCTETS : MAX_UD_OCTETS - CONCAT_UDH_OCTETS[concatRefBits];
  return Math.floor(octets / 2);
}

/** 'gsm7' when every character is in the GSM 7-bit default or extension table, else 'ucs2'. */
export function chooseEncoding(text: string): TextEncoding {
  for (const ch of text) if (gsm7SeptetsOf(ch) === undefined) return 'ucs2';
  return 'gsm7';
}

/**
 * Splits `text` into the parts of one SMS. Lone surrogates are first replaced with U+FFFD.
 * More than 255 parts is RW_ERR_SMS_TOO_LONG. Empty text is one empty part.
 */
export function segmentText(text: string, options: SegmentOptions = {}): Segmentation {
  const clean = toWellFormed(text);
  const encoding = chooseEncoding(clean);
  // Each code point is indivisible: 1 or 2 septets (ESC + code), or 1 or 2 UTF-16 units (a pair).
  const cost = (ch: string): number => (encoding === 'gsm7' ? (gsm7SeptetsOf(ch)?.length ?? 0) : ch.length);
  const chars = Array.from(clean);
  const total = chars.reduce((n, ch) => n + cost(ch), 0);
  if (total <= partCapacity(encoding, undefined)) return { encoding, segments: [{ text: clean, units: total }] };

  const capacity = partCapacity(encoding, options.concatRefBits ?? 8);
  const segments: Segment[] = [];
  let current = '';
  let units = 0;
  for (const ch of chars) {
    const c = cost(ch);
    if (units + c > capacity) {
      segments.push({ text: current, units });
      current = '';
      units = 0;
    }
    current += ch;
    units += c;
  }
  segments.push({ text: current, units });
  if (segments.length > MAX_PARTS) {
    throw new RwError('RW_ERR_SMS_TOO_LONG', `the text needs ${segments.length} parts in ${encoding}; at most ${MAX_PARTS} are possible`);
  }
  return { encoding, segments };
}

/** TS 23.040 §9.2.3.24: TP-UD is at most 140 octets, i.e. 160 septets. */
export const MAX_UD_OCTETS = 140;

export const MAX_UD_SEPTETS = 160;

/** Septets a UDH of `udhOctets` occupies, padded to the septet boundary (TS 23.040 §9.2.3.24). */
export function udhSeptets(udhOctets: number): number {
  return Math.ceil((udhOctets * 8) / 7);
}
