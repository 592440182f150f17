// User Data Header (3GPP TS 23.040 §9.2.3.24): information elements, and the concatenation IE that
// joins long messages: IEI 0x00 with an 8-bit reference (§9.2.3.24.1) or IEI 0x08 with a 16-bit
// reference (§9.2.3.24.8).
import { RwError } from '../../contract/errors.js';
import { bytesToHex } from './bytes.js';

export const IEI_CONCAT_8BIT = 0x00;
export const IEI_CONCAT_16BIT = 0x08;

export interface ConcatInfo {
  /** Concatenated short message reference number, the same in every part of one message. */
  readonly ref: number;
  /** Maximum number of short messages in the concatenated message (1..255). */
  readonly total: number;
  /** Sequence number of this part (1..total). */
  readonly seq: number;
  readonly refBits: 8 | 16;
}

export interface InformationElement {
  readonly iei: number;
  readonly dataHex: string;
}

export interface UserDataHeader {
  /** Octets taken by the UDH including the UDHL octet itself. */
  readonly length: number;
  readonly elements: readonly InformationElement[];
  readonly concat?: ConcatInfo;
}

/** Parses the UDH at the start of `ud` (TP-UDHI set). Overruns are RW_ERR_PDU. */
export function parseUdh(ud: Uint8Array): UserDataHeader {
  const udhl = ud[0];
  if (udhl === undefined || udhl + 1 > ud.length) throw new RwError('RW_ERR_PDU', 'the User Data Header is longer than TP-UD');
  const elements: InformationElement[] = [];
  let concat: ConcatInfo | undefined;
  let i = 1;
  while (i < udhl + 1) {
    const iei = ud[i];
    const len = ud[i + 1];
    if (iei === undefined || len === undefined || i + 2 + len > udhl + 1) {
      throw new RwError('RW_ERR_PDU', `information element at UDH octet ${i} overruns the UDH`);
    }
    const data = ud.subarray(i + 2, i + 2 + len);
    elements.push({ iei, dataHex: bytesToHex(data) });
    // §9.2.3.24: when an IE is repeated, the last occurrence wins.
    const c = concatFrom(iei, data);
    if (c !== undefined) concat = c;
    i += 2 + len;
  }
  return concat === undefined ? { length: udhl + 1, elements } : { length: udhl + 1, elements, concat };
}

/**
 * §9.2.3.24.1 / §9.2.3.24.8: a concat IE with total 0, seq 0 or seq > total "shall be ignored"
 * by the receiver, so it yields undefined rather than an error.
 */
function concatFrom(iei: number, d: Uint8Array): ConcatInfo | undefined {
  let c: ConcatInfo | undefined;
  if (iei === IEI_CONCAT_8BIT && d.length === 3) {
    c = { ref: d[0] ?? 0, total: d[1] ?? 0, seq: d[2] ?? 0, refBits: 8 };
  } else if (iei === IEI_CONCAT_16BIT && d.length === 4) {
    c = { ref: ((d[0] ?? 0) << 8) | (d[1] ?? 0), total: d[2] ?? 0, seq: d[3] ?? 0, refBits: 16 };
  }
  if (c === undefined || c.total === 0 || c.seq === 0 || c.seq > c.total) return undefined;
  return c;
}

/** The whole UDH (UDHL included) for one part: `05 00 03 ref tot seq` or `06 08 04 rH rL tot seq`. */
export function buildConcatUdh(c: ConcatInfo): Uint8Array {
  if (c.refBits === 8) return Uint8Array.of(0x05, IEI_CONCAT_8BIT, 0x03, c.ref & 0xff, c.total, c.seq);
  return Uint8Array.of(0x06, IEI_CONCAT_16BIT, 0x04, (c.ref >> 8) & 0xff, c.ref & 0xff, c.total, c.seq);
}
