// Address fields (3GPP TS 23.040 §9.1.2.5: TP-DA, TP-OA, TP-RA) with semi-octet digits
// (§9.1.2.3), and the SMSC address that 27.005 PDU mode puts before the TPDU (TS 24.011 §8.2.5.1
// RP-Originator/Destination address: length in octets, then TOA and BCD digits).
import { RwError } from '../../contract/errors.js';
import type { ByteReader } from './bytes.js';
import { decodeGsm7, encodeGsm7, packSeptets, unpackSeptets } from '../../contract/sms-text/gsm7.js';

/** Type-of-address octets (§9.1.2.5): bit 7 set, TON in bits 6..4, NPI in bits 3..0. */
export const TOA_INTERNATIONAL = 0x91; // TON 001 international, NPI 0001 ISDN/E.164
export const TOA_UNKNOWN_ISDN = 0x81; // TON 000 unknown, NPI 0001
export const TOA_ALPHANUMERIC = 0xd0; // TON 101 alphanumeric (GSM 7-bit), NPI 0000

const TON_INTERNATIONAL = 0b001;
const TON_ALPHANUMERIC = 0b101;

/** §9.1.2.3: semi-octet values 0–9, then *, #, a, b, c; F is the filler of an odd count. */
const BCD_DIGITS = '0123456789*#abc';

/** §9.1.2.5: the address value is at most 10 octets, i.e. 20 digits. */
const MAX_DIGITS = 20;

export interface DecodedAddress {
  /** '+' and digits for an international number, digits otherwise, text for an alphanumeric sender. */
  readonly address: string;
  readonly toa: number;
}

/** Digits → semi-octets, low nibble first, padded with F (§9.1.2.3). */
export function encodeSemiOctets(digits: string): Uint8Array {
  const out = new Uint8Array(Math.ceil(digits.length / 2));
  for (let i = 0; i < digits.length; i++) {
    const v = BCD_DIGITS.indexOf(digits[i] ?? '');
    if (v < 0) throw new RwError('RW_ERR_SMS_ENCODE', `"${digits[i]}" cannot be sent as an address digit`);
    out[i >> 1] = (out[i >> 1] ?? 0) | (i % 2 === 0 ? v : v << 4);
  }
  if (digits.length % 2 === 1) out[out.length - 1] = (out[out.length - 1] ?? 0) | 0xf0;
  return out;
}

/** Semi-octets → `count` digits (§9.1.2.3). A filler or an undefined nibble inside the count is RW_ERR_PDU. */
export function decodeSemiOctets(bytes: Uint8Array, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) {
    const b = bytes[i >> 1] ?? 0;
    const v = i % 2 === 0 ? b & 0x0f : b >> 4;
    const ch = BCD_DIGITS[v];
    if (ch === undefined) throw new RwError('RW_ERR_PDU', `address digit ${i + 1} is the filler 0x${v.toString(16)}`);
    out += ch;
  }
  return out;
}

/**
 * TP-DA for SMS-SUBMIT (§9.1.2.5): digit count, TOA 0x91 for a leading '+' (international),
 * otherwise 0x81, then nibble-swapped BCD. Only digits are accepted: normalise numbers in config.
 */
export function encodeDestination(number: string): Uint8Array {
  const international = number.startsWith('+');
  const digits = international ? number.slice(1) : number;
  if (!/^[0-9]{1,20}$/.test(digits)) {
    throw new RwError('RW_ERR_SMS_ENCODE', `"${number}" is not a phone number: use an optional '+' and 1–${MAX_DIGITS} digits`);
  }
  return Uint8Array.of(digits.length, international ? TOA_INTERNATIONAL : TOA_UNKNOWN_ISDN, ...encodeSemiOctets(digits));
}

/**
 * TP-OA/TP-DA/TP-RA → address (§9.1.2.5). The length octet counts useful semi-octets; for an
 * alphanumeric address (TON 101) the value is packed GSM 7-bit and the septet count is
 * floor(semi-octets × 4 / 7).
 */
export function readAddress(r: ByteReader, field: string): DecodedAddress {
  const semiOctets = r.u8(`${field} length`);
  const toa = r.u8(`${field} type-of-address`);
  if (semiOctets > 2 * MAX_DIGITS) throw new RwError('RW_ERR_PDU', `${field} claims ${semiOctets} semi-octets; the maximum is ${2 * MAX_DIGITS}`);
  const value = r.take(Math.ceil(semiOctets / 2), `${field} value`);
  const ton = (toa >> 4) & 0x07;
  if (ton === TON_ALPHANUMERIC) {
    return { address: decodeGsm7(unpackSeptets(value, Math.floor((semiOctets * 4) / 7))), toa };
  }
  const digits = decodeSemiOctets(value, semiOctets);
  return { address: ton === TON_INTERNATIONAL ? `+${digits}` : digits, toa };
}

/**
 * An originating address for SMS-DELIVER or a recipient for SMS-STATUS-REPORT (used by the modem
 * simulator): '+digits' → 0x91, digits → 0x81, anything else → alphanumeric 0xD0 (at most 11
 * GSM 7-bit characters, per §9.1.2.5's 10-octet limit).
 */
export function encodeOriginator(address: string): Uint8Array {
  if (/^\+?[0-9]{1,20}$/.test(address)) return encodeDestination(address);
  const septets = encodeGsm7(address);
  const packed = packSeptets(septets);
  if (packed.length > 10) throw new RwError('RW_ERR_SMS_ENCODE', `alphanumeric address "${address}" is longer than 10 octets`);
  return Uint8Array.of(Math.ceil((septets.length * 7) / 4), TOA_ALPHANUMERIC, ...packed);
}

export interface DecodeOptions {
  /** Whether the hex starts with the SMSC field (as after AT+CMGS, and in +CMGR/+CMGL output). */
  readonly withSmsc?: boolean;
}

/**
 * The SMSC field before the TPDU in 27.005 PDU mode (§3.1 <pdu>; TS 24.011 §8.2.5.1): a length
 * in octets (0 = none: use the SIM's SMSC), then TOA and BCD digits. Returns undefined for 0.
 */
export function readSmsc(r: ByteReader): string | undefined {
  const octets = r.u8('SMSC length');
  if (octets === 0) return undefined;
  const toa = r.u8('SMSC type-of-address');
  const value = r.take(octets - 1, 'SMSC address');
  let count = value.length * 2;
  if (count > 0 && ((value[value.length - 1] ?? 0) & 0xf0) === 0xf0) count -= 1;
  const digits = decodeSemiOctets(value, count);
  return ((toa >> 4) & 0x07) === TON_INTERNATIONAL ? `+${digits}` : digits;
}

/** Encodes an SMSC field; undefined → `00` (the SIM's SMSC). */
export function encodeSmsc(smsc: string | undefined): Uint8Array {
  if (smsc === undefined || smsc === '') return Uint8Array.of(0);
  const da = encodeDestination(smsc);
  return Uint8Array.of(da.length - 1, ...da.subarray(1));
}
