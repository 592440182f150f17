// UCS2 user data (3GPP TS 23.038 §6.2.3). Handsets and SMSCs treat it as UTF-16BE, so characters
// outside the BMP (emoji) travel as surrogate pairs; a pair must never be split across parts.
import { RwError } from '../errors.js';

export function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

export function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** Replaces each lone surrogate with U+FFFD so that every part we send is well-formed UTF-16. */
export function toWellFormed(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    if (isHighSurrogate(u) && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      out += text.slice(i, i + 2);
      i += 1;
    } else if (isHighSurrogate(u) || isLowSurrogate(u)) {
      out += '\uFFFD';
    } else {
      out += text[i] ?? '';
    }
  }
  return out;
}

/** Text → UTF-16BE octets, two per code unit. */
export function encodeUcs2(text: string): Uint8Array {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    out[2 * i] = u >> 8;
    out[2 * i + 1] = u & 0xff;
  }
  return out;
}

/** UTF-16BE octets → text. An odd octet count is RW_ERR_PDU. */
export function decodeUcs2(bytes: Uint8Array): string {
  if (bytes.length % 2 !== 0) throw new RwError('RW_ERR_PDU', `UCS2 user data has an odd octet count (${bytes.length})`);
  const units: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) units.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let out = '';
  // Chunked: String.fromCharCode's argument count is bounded (UD is ≤ 140 octets, but be safe).
  for (let i = 0; i < units.length; i += 4096) out += String.fromCharCode(...units.slice(i, i + 4096));
  return out;
}
