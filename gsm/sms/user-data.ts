// TP-User-Data-Length and TP-User-Data (3GPP TS 23.040 §9.2.3.16, §9.2.3.24): the UDH (if any)
// followed by the text. For GSM 7-bit, TP-UDL counts septets and the text starts on the septet
// boundary after the UDH; for 8-bit and UCS2, TP-UDL counts octets.
import { RwError } from '../../contract/errors.js';
import { bytesToHex } from './bytes.js';
import type { Alphabet } from './dcs.js';
import { decodeGsm7, encodeGsm7, packSeptets, unpackSeptets } from '../../contract/sms-text/gsm7.js';
import { decodeUcs2, encodeUcs2 } from '../../contract/sms-text/ucs2.js';
import { parseUdh, type UserDataHeader } from './udh.js';
import { udhSeptets, MAX_UD_SEPTETS, MAX_UD_OCTETS } from '../../contract/sms-text/segmenter.js';

export interface EncodedUserData {
  /** TP-UDL: septets (GSM 7-bit, UDH included) or octets (UCS2). */
  readonly udl: number;
  readonly ud: Uint8Array;
}

export interface DecodedUserData {
  readonly text: string;
  readonly udh?: UserDataHeader;
  /** The payload after the UDH as hex, for 8-bit data (its text is a Latin-1 reading). */
  readonly dataHex?: string;
}

/** Builds TP-UDL/TP-UD. The result must fit one TPDU; otherwise RW_ERR_SMS_ENCODE. */
export function encodeUserData(text: string, alphabet: 'gsm7' | 'ucs2', udh?: Uint8Array): EncodedUserData {
  const header = udh ?? new Uint8Array(0);
  let udl: number;
  let body: Uint8Array;
  if (alphabet === 'gsm7') {
    const septets = encodeGsm7(text);
    const headerSeptets = udhSeptets(header.length);
    body = packSeptets(septets, headerSeptets * 7 - header.length * 8);
    udl = headerSeptets + septets.length;
    if (udl > MAX_UD_SEPTETS) throw new RwError('RW_ERR_SMS_ENCODE', `GSM 7-bit user data of ${udl} septets exceeds ${MAX_UD_SEPTETS}`);
  } else {
    body = encodeUcs2(text);
    udl = header.length + body.length;
    if (udl > MAX_UD_OCTETS) throw new RwError('RW_ERR_SMS_ENCODE', `UCS2 user data of ${udl} octets exceeds ${MAX_UD_OCTETS}`);
  }
  const ud = new Uint8Array(header.length + body.length);
  ud.set(header, 0);
  ud.set(body, header.length);
  return { udl, ud };
}

/**
 * Decodes TP-UD given TP-UDL, the alphabet from TP-DCS and TP-UDHI. Octets beyond what TP-UDL
 * covers are ignored (some modems pad); too few octets is RW_ERR_PDU.
 */
export function decodeUserData(ud: Uint8Array, udl: number, alphabet: Alphabet, hasUdh: boolean): DecodedUserData {
  if (alphabet === 'gsm7') {
    const udh = hasUdh ? parseUdh(ud) : undefined;
    const headerSeptets = udh === undefined ? 0 : udhSeptets(udh.length);
    const textSeptets = udl - headerSeptets;
    if (textSeptets < 0) throw new RwError('RW_ERR_PDU', `TP-UDL (${udl} septets) is shorter than the UDH (${headerSeptets} septets)`);
    const fill = udh === undefined ? 0 : headerSeptets * 7 - udh.length * 8;
    const text = decodeGsm7(unpackSeptets(ud.subarray(udh?.length ?? 0), textSeptets, fill));
    return udh === undefined ? { text } : { text, udh };
  }
  if (udl > ud.length) throw new RwError('RW_ERR_PDU', `TP-UDL says ${udl} octets, TP-UD holds ${ud.length}`);
  const all = ud.subarray(0, udl);
  const udh = hasUdh ? parseUdh(all) : undefined;
  const payload = all.subarray(udh?.length ?? 0);
  if (alphabet === 'ucs2') {
    const text = decodeUcs2(payload);
    return udh === undefined ? { text } : { text, udh };
  }
  const text = String.fromCharCode(...payload);
  const dataHex = bytesToHex(payload);
  return udh === undefined ? { text, dataHex } : { text, udh, dataHex };
}
