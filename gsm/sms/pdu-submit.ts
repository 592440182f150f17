// SMS-SUBMIT (3GPP TS 23.040 §9.2.2.2): encoding one alert text into the TPDUs written after
// `AT+CMGS=<tpduLength>` (TS 27.005 §3.5.1), and decoding them back (the modem simulator and tests).
import { RwError } from '../../contract/errors.js';
import { encodeDestination, readAddress, readSmsc, type DecodeOptions } from './address.js';
import { ByteReader, bytesToHex, hexToBytes } from './bytes.js';
import { DCS_GSM7, DCS_UCS2, parseDcs, type Alphabet } from './dcs.js';
import { segmentText, type TextEncoding } from '../../contract/sms-text/segmenter.js';
import { buildConcatUdh, type ConcatInfo } from './udh.js';
import { decodeUserData, encodeUserData } from './user-data.js';
import { DEFAULT_VALIDITY_MINUTES, validityMinutesToOctet, validityOctetToMinutes } from './validity-period.js';

/** First-octet bits of SMS-SUBMIT (§9.2.3.1 TP-MTI, §9.2.3.25 RD, §9.2.3.3 VPF, §9.2.3.5 SRR, §9.2.3.23 UDHI, §9.2.3.17 RP). */
const MTI_SUBMIT = 0x01;
const FO_RD = 0x04;
const VPF_MASK = 0x18;
const VPF_RELATIVE = 0x10;
const VPF_ENHANCED = 0x08;
const VPF_ABSOLUTE = 0x18;
const FO_SRR = 0x20;
const FO_UDHI = 0x40;
const FO_RP = 0x80;

export interface SubmitRequest {
  /** '+' and digits (TOA 0x91) or digits only (TOA 0x81). */
  readonly to: string;
  readonly text: string;
  /** Concat reference for this message, from a counter the caller persists (0–255, or 0–65535 with 16-bit refs). */
  readonly concatRef: number;
  readonly concatRefBits?: 8 | 16;
  /** Sets TP-SRR so the SMSC sends an SMS-STATUS-REPORT. */
  readonly statusReport?: boolean;
  /** Relative validity period; default 1440 (0xA7, 24 h). Rounded up to what the format can express. */
  readonly validityMinutes?: number;
}

export interface SubmitPdu {
  /** The TPDU in hex, without the SMSC field. */
  readonly tpduHex: string;
  /** TPDU octets: the <length> of AT+CMGS. */
  readonly tpduLength: number;
  /** What to write after the `> ` prompt: `00` (use the SIM's SMSC) + tpduHex. */
  readonly pduHex: string;
  readonly encoding: TextEncoding;
  /** 1-based part number and part count (1 and 1 for a single-part message). */
  readonly seq: number;
  readonly total: number;
}

/** Encodes one text into one SMS-SUBMIT per part. Errors: RW_ERR_SMS_ENCODE, RW_ERR_SMS_TOO_LONG. */
export function encodeSubmit(req: SubmitRequest): SubmitPdu[] {
  const refBits = req.concatRefBits ?? 8;
  const maxRef = refBits === 8 ? 0xff : 0xffff;
  if (!Number.isInteger(req.concatRef) || req.concatRef < 0 || req.concatRef > maxRef) {
    throw new RwError('RW_ERR_SMS_ENCODE', `concat reference must be an integer 0–${maxRef}, got ${req.concatRef}`);
  }
  const da = encodeDestination(req.to);
  const vp = validityMinutesToOctet(req.validityMinutes ?? DEFAULT_VALIDITY_MINUTES);
  const { encoding, segments } = segmentText(req.text, { concatRefBits: refBits });
  const total = segments.length;

  return segments.map((segment, i) => {
    const concat = total > 1;
    const udh = concat ? buildConcatUdh({ ref: req.concatRef, total, seq: i + 1, refBits }) : undefined;
    const { udl, ud } = encodeUserData(segment.text, encoding, udh);
    const fo = MTI_SUBMIT | VPF_RELATIVE | (req.statusReport ? FO_SRR : 0) | (concat ? FO_UDHI : 0);
    const tpdu = Uint8Array.of(
      fo,
      0x00, // TP-MR (§9.2.3.6): 00, the modem assigns the real one and returns it in +CMGS
      ...da, // TP-DA (§9.2.3.8, §9.1.2.5)
      0x00, // TP-PID (§9.2.3.9): plain short message
      encoding === 'gsm7' ? DCS_GSM7 : DCS_UCS2, // TP-DCS (§9.2.3.10, TS 23.038 §4)
      vp, // TP-VP relative (§9.2.3.12.1)
      udl, // TP-UDL (§9.2.3.16)
      ...ud, // TP-UD (§9.2.3.24)
    );
    const tpduHex = bytesToHex(tpdu);
    return { tpduHex, tpduLength: tpdu.length, pduHex: `00${tpduHex}`, encoding, seq: i + 1, total };
  });
}

export interface DecodedSubmit {
  /** Present only when decoded with `withSmsc` and the field was not `00`. */
  readonly smsc?: string;
  readonly to: string;
  readonly toa: number;
  readonly text: string;
  readonly encoding: Alphabet;
  readonly dcs: number;
  readonly pid: number;
  readonly mr: number;
  readonly statusReport: boolean;
  readonly rejectDuplicates: boolean;
  readonly replyPath: boolean;
  /** Minutes for a relative TP-VP; undefined when absent, absolute or enhanced. */
  readonly validityMinutes?: number;
  readonly concat?: ConcatInfo;
  readonly udl: number;
  /** 8-bit user data payload as hex. */
  readonly dataHex?: string;
}

/**
 * Decodes an SMS-SUBMIT. By default the hex is the bare TPDU (as counted by AT+CMGS); pass
 * `{ withSmsc: true }` for the PDU as written after the prompt. Errors: RW_ERR_PDU.
 */
export function decodeSubmit(hex: string, options: DecodeOptions = {}): DecodedSubmit {
  const r = new ByteReader(hexToBytes(hex));
  return readSubmit(r, options.withSmsc ? readSmsc(r) : undefined);
}

/** Decodes the TPDU part of an SMS-SUBMIT from `r` (positioned at the first octet). */
export function readSubmit(r: ByteReader, smsc: string | undefined): DecodedSubmit {
  const fo = r.u8('TP-MTI');
  if ((fo & 0x03) !== MTI_SUBMIT) throw new RwError('RW_ERR_PDU', `TP-MTI ${fo & 0x03} is not SMS-SUBMIT`);
  const mr = r.u8('TP-MR');
  const da = readAddress(r, 'TP-DA');
  const pid = r.u8('TP-PID');
  const dcs = r.u8('TP-DCS');
  const { alphabet } = parseDcs(dcs);
  let validityMinutes: number | undefined;
  switch (fo & VPF_MASK) {
    case VPF_RELATIVE:
      validityMinutes = validityOctetToMinutes(r.u8('TP-VP'));
      break;
    case VPF_ABSOLUTE: // §9.2.3.12.2, 7 octets
    case VPF_ENHANCED: // §9.2.3.12.3, 7 octets
      r.take(7, 'TP-VP');
      break;
    default: // 00: TP-VP not present
      break;
  }
  const udl = r.u8('TP-UDL');
  const ud = decodeUserData(r.rest(), udl, alphabet, (fo & FO_UDHI) !== 0);
  return {
    ...(smsc === undefined ? {} : { smsc }),
    to: da.address,
    toa: da.toa,
    text: ud.text,
    encoding: alphabet,
    dcs,
    pid,
    mr,
    statusReport: (fo & FO_SRR) !== 0,
    rejectDuplicates: (fo & FO_RD) !== 0,
    replyPath: (fo & FO_RP) !== 0,
    ...(validityMinutes === undefined ? {} : { validityMinutes }),
    ...(ud.udh?.concat === undefined ? {} : { concat: ud.udh.concat }),
    udl,
    ...(ud.dataHex === undefined ? {} : { dataHex: ud.dataHex }),
  };
}
