// TP-Data-Coding-Scheme (3GPP TS 23.038 §4, referenced by TS 23.040 §9.2.3.10): which alphabet
// the user data uses. We send 0x00 (GSM 7-bit, no class) or 0x08 (UCS2, no class).
import { RwError } from '../../contract/errors.js';

export type Alphabet = 'gsm7' | '8bit' | 'ucs2';

export const DCS_GSM7 = 0x00;
export const DCS_UCS2 = 0x08;

export interface DataCoding {
  readonly alphabet: Alphabet;
  /** TS 23.038 §4 bits 1..0 when the class bit is set: 0 flash, 1 ME, 2 SIM, 3 TE. */
  readonly messageClass?: 0 | 1 | 2 | 3;
}

/**
 * Decodes a DCS octet. Compressed text (TS 23.038 §4 bit 5 of groups 00xx/01xx, TS 23.042) is
 * RW_ERR_PDU: no handset we expect sends it. Reserved codings are read as GSM 7-bit, as §4 requires.
 */
export function parseDcs(dcs: number): DataCoding {
  const group = dcs >> 4;
  if (group <= 0x7) {
    // 00xx xxxx general data coding, 01xx xxxx automatic-deletion group: same layout.
    if (dcs & 0x20) throw new RwError('RW_ERR_PDU', `DCS 0x${hex2(dcs)} announces compressed text, which is not supported`);
    const alphabet = alphabetBits((dcs >> 2) & 0x03);
    return dcs & 0x10 ? { alphabet, messageClass: classOf(dcs) } : { alphabet };
  }
  switch (group) {
    case 0xc: // 1100 message waiting indication, discard message: GSM 7-bit
    case 0xd: // 1101 message waiting indication, store message: GSM 7-bit
      return { alphabet: 'gsm7' };
    case 0xe: // 1110 message waiting indication, store message: UCS2
      return { alphabet: 'ucs2' };
    case 0xf: // 1111 data coding/message class: bit 2 selects 8-bit, else GSM 7-bit
      return { alphabet: dcs & 0x04 ? '8bit' : 'gsm7', messageClass: classOf(dcs) };
    default: // 1000..1011 reserved coding groups
      return { alphabet: 'gsm7' };
  }
}

function alphabetBits(bits: number): Alphabet {
  if (bits === 1) return '8bit';
  if (bits === 2) return 'ucs2';
  return 'gsm7'; // 00, and 11 (reserved) per TS 23.038 §4
}

function classOf(dcs: number): 0 | 1 | 2 | 3 {
  return (dcs & 0x03) as 0 | 1 | 2 | 3;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0').toUpperCase();
}
