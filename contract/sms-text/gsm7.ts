// GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 §6.2.1, §6.2.1.1), and
// septet packing with the fill bits that follow a User Data Header (TS 23.038 §6.1.2.1.1,
// TS 23.040 §9.2.3.24). Pure: no I/O, no state.
import { RwError } from '../errors.js';

/** TS 23.038 §6.2.1: code 0x1B escapes to the extension table; it is not a character itself. */
export const GSM7_ESC = 0x1b;

/** TS 23.038 §6.2.1 default alphabet, indexed by septet. Index 0x1B (ESC) is never encoded from text. */
const DEFAULT_ALPHABET: readonly string[] = [
  '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
  'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u001b', 'Æ', 'æ', 'ß', 'É',
  ' ', '!', '"', '#', '¤', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
  '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
  'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
  '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
  'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
];

/** TS 23.038 §6.2.1.1 extension table: septet after ESC → character. Each costs 2 septets. */
const EXTENSION_TABLE: ReadonlyMap<number, string> = new Map([
  [0x0a, '\f'], // form feed (page break)
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
]);

const ENCODE: ReadonlyMap<string, readonly number[]> = (() => {
  const m = new Map<string, readonly number[]>();
  DEFAULT_ALPHABET.forEach((ch, code) => {
    if (code !== GSM7_ESC) m.set(ch, [code]);
  });
  for (const [code, ch] of EXTENSION_TABLE) m.set(ch, [GSM7_ESC, code]);
  return m;
})();

/** The septets for one character (one code point): 1 for the default table, 2 (ESC + code) for the extension. */
export function gsm7SeptetsOf(ch: string): readonly number[] | undefined {
  return ENCODE.get(ch);
}

/** Septet count of `text` in GSM 7-bit, or undefined when a character is in neither table. */
export function countSeptets(text: string): number | undefined {
  let n = 0;
  for (const ch of text) {
    const s = ENCODE.get(ch);
    if (s === undefined) return undefined;
    n += s.length;
  }
  return n;
}

export function isGsm7Encodable(text: string): boolean {
  return countSeptets(text) !== undefined;
}

/** Text → septet values. Throws RW_ERR_SMS_ENCODE for a character outside both tables. */
export function encodeGsm7(text: string): number[] {
  const out: number[] = [];
  for (const ch of text) {
    const s = ENCODE.get(ch);
    if (s === undefined) {
      throw new RwError('RW_ERR_SMS_ENCODE', `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase()} is not in the GSM 7-bit alphabet`);
    }
    out.push(...s);
  }
  return out;
}

/**
 * Septet values → text. TS 23.038 §6.2.1.1: an ESC followed by a code with no extension entry
 * shows the default-table character for that code; ESC ESC (reserved for a further table) shows a
 * space. A dangling ESC as the very last septet is dropped.
 */
export function decodeGsm7(septets: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < septets.length; i++) {
    const code = (septets[i] ?? 0) & 0x7f;
    if (code !== GSM7_ESC) {
      out += DEFAULT_ALPHABET[code] ?? '';
      continue;
    }
    i += 1;
    if (i >= septets.length) break;
    const ext = (septets[i] ?? 0) & 0x7f;
    out += ext === GSM7_ESC ? ' ' : (EXTENSION_TABLE.get(ext) ?? DEFAULT_ALPHABET[ext] ?? '');
  }
  return out;
}

/**
 * Packs septets LSB-first into octets (TS 23.038 §6.1.2.1.1), after `fillBits` zero bits. With a
 * UDH the text starts on the next septet boundary of the UD (TS 23.040 §9.2.3.24), so the caller
 * passes the fill bit count (0–6) and appends the result to the UDH octets. Spare bits at the end
 * are zero: TP-UDL (in septets) tells the receiver where the text stops.
 */
export function packSeptets(septets: ArrayLike<number>, fillBits = 0): Uint8Array {
  const totalBits = fillBits + 7 * septets.length;
  const out = new Uint8Array(Math.ceil(totalBits / 8));
  for (let i = 0; i < septets.length; i++) {
    const v = (septets[i] ?? 0) & 0x7f;
    const bit = fillBits + 7 * i;
    const idx = bit >> 3;
    const shift = bit & 7;
    out[idx] = (out[idx] ?? 0) | ((v << shift) & 0xff);
    if (shift > 1) out[idx + 1] = (out[idx + 1] ?? 0) | (v >> (8 - shift));
  }
  return out;
}

/** Inverse of packSeptets: reads `count` septets starting `fillBits` bits into `bytes`. */
export function unpackSeptets(bytes: Uint8Array, count: number, fillBits = 0): number[] {
  const needed = Math.ceil((fillBits + 7 * count) / 8);
  if (needed > bytes.length) {
    throw new RwError('RW_ERR_PDU', `TP-UD holds ${bytes.length} octets, ${needed} are needed for ${count} septets`);
  }
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const bit = fillBits + 7 * i;
    const idx = bit >> 3;
    const shift = bit & 7;
    let v = (bytes[idx] ?? 0) >> shift;
    if (shift > 1) v |= (bytes[idx + 1] ?? 0) << (8 - shift);
    out.push(v & 0x7f);
  }
  return out;
}
