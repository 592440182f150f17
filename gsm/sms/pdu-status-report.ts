// SMS-STATUS-REPORT (3GPP TS 23.040 §9.2.2.3): the SMSC's answer to a SUBMIT sent with TP-SRR,
// read after +CDSI with AT+CMGR (SMSC field first) or pushed as +CDS. Matched to the sent message
// by TP-MR (the `+CMGS: <mr>` value) and the recipient.
import { RwError } from '../../contract/errors.js';
import { encodeOriginator, encodeSmsc, readAddress, readSmsc, type DecodeOptions } from './address.js';
import { ByteReader, bytesToHex, hexToBytes } from './bytes.js';
import { parseDcs } from './dcs.js';
import { decodeTimestamp, encodeTimestamp, type SmsTimestamp, type SmsTimestampFields } from './timestamp.js';
import { decodeUserData } from './user-data.js';

/** First-octet bits (§9.2.3.1 MTI = 10, §9.2.3.2 MMS, §9.2.3.26 SRQ, §9.2.3.23 UDHI). */
const MTI_STATUS_REPORT = 0x02;
const FO_MMS = 0x04;
const FO_SRQ = 0x20;
const FO_UDHI = 0x40;

/** TP-PI bits (§9.2.3.27): which optional fields follow TP-ST. */
const PI_PID = 0x01;
const PI_DCS = 0x02;
const PI_UDL = 0x04;

export type DeliveryStatusClass = 'delivered' | 'pending' | 'failed';

export interface StatusReport {
  readonly smsc?: string;
  /** TP-MR of the SUBMIT this reports on (the `+CMGS: <mr>` value). */
  readonly mr: number;
  /** TP-RA (§9.2.3.14): the recipient of the original message. */
  readonly recipient: string;
  readonly recipientToa: number;
  /** TP-SCTS: when the SMSC received the original SUBMIT. */
  readonly scts: SmsTimestamp;
  /** TP-DT (§9.2.3.13): delivery time, or time of the last attempt / failure. */
  readonly dischargeTime: SmsTimestamp;
  /** TP-ST (§9.2.3.15). */
  readonly status: number;
  readonly statusClass: DeliveryStatusClass;
  /** TP-SRQ: the report answers an SMS-COMMAND rather than an SMS-SUBMIT. */
  readonly forCommand: boolean;
  readonly moreMessages: boolean;
  readonly pid?: number;
  readonly dcs?: number;
  readonly text?: string;
}

/**
 * TP-ST (§9.2.3.15): 0x00–0x1F transaction completed (0x00 received by the SME, 0x01 forwarded
 * but unconfirmed, 0x02 replaced by the SC); 0x20–0x3F temporary error, SC still trying;
 * 0x40–0x5F permanent error; 0x60–0x7F temporary error, SC no longer trying. Reserved values
 * (≥ 0x80) count as failed.
 */
export function classifyStatus(st: number): DeliveryStatusClass {
  if (st <= 0x1f) return 'delivered';
  if (st <= 0x3f) return 'pending';
  return 'failed';
}

/** Decodes an SMS-STATUS-REPORT. By default the hex starts with the SMSC field (+CMGR); use `{ withSmsc: false }` for a bare TPDU. */
export function decodeStatusReport(hex: string, options: DecodeOptions = {}): StatusReport {
  const r = new ByteReader(hexToBytes(hex));
  const smsc = options.withSmsc === false ? undefined : readSmsc(r);
  return readStatusReport(r, smsc);
}

/** Decodes the TPDU part of an SMS-STATUS-REPORT from `r` (positioned at the first octet). */
export function readStatusReport(r: ByteReader, smsc: string | undefined): StatusReport {
  const fo = r.u8('TP-MTI');
  if ((fo & 0x03) !== MTI_STATUS_REPORT) throw new RwError('RW_ERR_PDU', `TP-MTI ${fo & 0x03} is not SMS-STATUS-REPORT`);
  const mr = r.u8('TP-MR');
  const ra = readAddress(r, 'TP-RA');
  const scts = decodeTimestamp(r.take(7, 'TP-SCTS'), 'TP-SCTS');
  const dischargeTime = decodeTimestamp(r.take(7, 'TP-DT'), 'TP-DT');
  const status = r.u8('TP-ST');
  const report: StatusReport = {
    ...(smsc === undefined ? {} : { smsc }),
    mr,
    recipient: ra.address,
    recipientToa: ra.toa,
    scts,
    dischargeTime,
    status,
    statusClass: classifyStatus(status),
    forCommand: (fo & FO_SRQ) !== 0,
    moreMessages: (fo & FO_MMS) === 0,
  };
  return { ...report, ...readOptionalFields(r, (fo & FO_UDHI) !== 0) };
}

/**
 * TP-PI and the fields it announces (§9.2.3.27) are optional, and some SMSCs pad the report
 * instead. They are read only when complete: a short or malformed tail leaves them out, because
 * the status above is what the caller needs.
 */
function readOptionalFields(r: ByteReader, udhi: boolean): Pick<StatusReport, 'pid' | 'dcs' | 'text'> {
  if (r.remaining === 0) return {};
  const pi = r.u8('TP-PI');
  const out: { pid?: number; dcs?: number; text?: string } = {};
  if (pi & PI_PID) {
    if (r.remaining < 1) return out;
    out.pid = r.u8('TP-PID');
  }
  if (pi & PI_DCS) {
    if (r.remaining < 1) return out;
    out.dcs = r.u8('TP-DCS');
  }
  if (pi & PI_UDL && r.remaining >= 1) {
    const udl = r.u8('TP-UDL');
    try {
      out.text = decodeUserData(r.rest(), udl, parseDcs(out.dcs ?? 0).alphabet, udhi).text;
    } catch (e) {
      if (!(e instanceof RwError)) throw e; // only a malformed optional UD is tolerated
    }
  }
  return out;
}

export interface StatusReportRequest {
  readonly smsc?: string;
  readonly mr: number;
  readonly recipient: string;
  readonly scts: SmsTimestampFields;
  readonly dischargeTime: SmsTimestampFields;
  readonly status: number;
}

/** Encodes an SMS-STATUS-REPORT with the SMSC field first (for the modem simulator's +CMGR). */
export function encodeStatusReport(req: StatusReportRequest): string {
  return bytesToHex(
    Uint8Array.of(
      ...encodeSmsc(req.smsc),
      MTI_STATUS_REPORT | FO_MMS,
      req.mr & 0xff, // TP-MR (§9.2.3.6)
      ...encodeOriginator(req.recipient), // TP-RA (§9.2.3.14)
      ...encodeTimestamp(req.scts), // TP-SCTS (§9.2.3.11)
      ...encodeTimestamp(req.dischargeTime), // TP-DT (§9.2.3.13)
      req.status & 0xff, // TP-ST (§9.2.3.15)
    ),
  );
}
