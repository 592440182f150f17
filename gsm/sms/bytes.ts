// Hex <-> octets, and a bounds-checked cursor for decoding TPDUs. AT+CMGR/+CMGL/+CMGS carry PDUs
// as hexadecimal text (3GPP TS 27.005 §3.1 <pdu>); every overrun or bad digit is RW_ERR_PDU.
import { RwError } from '../../contract/errors.js';

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

/** Parses an even-length hex string (case-insensitive, surrounding whitespace ignored). */
export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.trim();
  if (!HEX_RE.test(clean)) throw new RwError('RW_ERR_PDU', `the PDU is not an even-length hex string: "${clean.slice(0, 40)}"`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Uppercase hex, the form modems print and accept. */
export function bytesToHex(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] ?? 0).toString(16).padStart(2, '0');
  return s.toUpperCase();
}

/** Reads octets in order; `field` names the TPDU field in the error when the PDU is too short. */
export class ByteReader {
  #offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get offset(): number {
    return this.#offset;
  }

  get remaining(): number {
    return this.bytes.length - this.#offset;
  }

  /** The next octet without consuming it. */
  peek(field: string): number {
    const v = this.bytes[this.#offset];
    if (v === undefined) throw truncated(field, this.#offset);
    return v;
  }

  u8(field: string): number {
    const v = this.bytes[this.#offset];
    if (v === undefined) throw truncated(field, this.#offset);
    this.#offset += 1;
    return v;
  }

  take(n: number, field: string): Uint8Array {
    if (n < 0 || this.#offset + n > this.bytes.length) throw truncated(field, this.#offset);
    const out = this.bytes.subarray(this.#offset, this.#offset + n);
    this.#offset += n;
    return out;
  }

  rest(): Uint8Array {
    const out = this.bytes.subarray(this.#offset);
    this.#offset = this.bytes.length;
    return out;
  }
}

function truncated(field: string, offset: number): RwError {
  return new RwError('RW_ERR_PDU', `the PDU ends inside ${field} (octet ${offset})`);
}
