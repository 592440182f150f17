// SMS-DELIVER (3GPP TS 23.040 §9.2.2.1): incoming messages as AT+CMGR / AT+CMGL print them in PDU
// mode, i.e. with the SMSC field first (TS 27.005 §3.1 <pdu>). Also an encoder, so the modem
// simulator can store messages that the real decoder then reads.
import { RwError } from '../../contract/errors.js';
import { encodeOriginator, encodeSmsc, readAddress, readSmsc, type DecodeOptions } from './address.js';
import { ByteReader, bytesToHex, hexToBytes } from './bytes.js';
import { DCS_GSM7, DCS_UCS2, parseDcs, type Alphabet } from './dcs.js';
import { countSeptets } from '../../contract/sms-text/gsm7.js';
import { chooseEncoding, partCapacity, type TextEncoding } from '../../contract/sms-text/segmenter.js';
import { decodeTimestamp, encodeTimestamp, type SmsTimestamp, type SmsTimestampFields } from './timestamp.js';
import { buildConcatUdh, type ConcatInfo } from './udh.js';
import { decodeUserData, encodeUserData } from './user-data.js';

/** First-octet bits of SMS-DELIVER (§9.2.3.1 MTI, §9.2.3.2 MMS, §9.2.3.4 SRI, §9.2.3.23 UDHI, §9.2.3.17 RP). */
const MTI_DELIVER = 0x00;
const FO_MMS = 0x04; // set = NO more messages waiting
const FO_SRI = 0x20;
const FO_UDHI = 0x40;
const FO_RP = 0x80;

export interface DeliverMessage {
  /** SMSC that delivered it; undefined when the field was `00` or not present. */
  readonly smsc?: string;
  /** TP-OA: '+digits', digits, or an alphanumeric name (TOA 0xD0). */
  readonly sender: string;
  readonly senderToa: number;
  /** TP-SCTS (§9.2.3.11). */
  readonly timestamp: SmsTimestamp;
  readonly pid: number;
  readonly dcs: number;
  readonly encoding: Alphabet;
  readonly text: string;
  readonly concat?: ConcatInfo;
  /** TP-MMS clear: the SMSC has more messages waiting. */
  readonly moreMessages: boolean;
  readonly statusReportIndication: boolean;
  readonly replyPath: boolean;
  /** 8-bit user data payload as hex (`text` is then its Latin-1 reading). */
  readonly dataHex?: string;
}

/**
 * Decodes an SMS-DELIVER. By default the hex starts with the SMSC field, as +CMGR/+CMGL print it;
 * pass `{ withSmsc: false }` for a bare TPDU. Errors: RW_ERR_PDU.
 */
export function decodeDeliver(hex: string, options: DecodeOptions = {}): DeliverMessage {
  const r = new ByteReader(hexToBytes(hex));
  const smsc = options.withSmsc === false ? undefined : readSmsc(r);
  return readDeliver(r, smsc);
}

/** Decodes the TPDU part of an SMS-DELIVER from `r` (positioned at the first octet). */
export function readDeliver(r: ByteReader, smsc: string | undefined): DeliverMessage {
  const fo = r.u8('TP-MTI');
  if ((fo & 0x03) !== MTI_DELIVER) throw new RwError('RW_ERR_PDU', `TP-MTI ${fo & 0x03} is not SMS-DELIVER`);
  const oa = readAddress(r, 'TP-OA');
  const pid = r.u8('TP-PID');
  const dcs = r.u8('TP-DCS');
  const { alphabet } = parseDcs(dcs);
  const timestamp = decodeTimestamp(r.take(7, 'TP-SCTS'));
  const udl = r.u8('TP-UDL');
  const ud = decodeUserData(r.rest(), udl, alphabet, (fo & FO_UDHI) !== 0);
  return {
    ...(smsc === undefined ? {} : { smsc }),
    sender: oa.address,
    senderToa: oa.toa,
    timestamp,
    pid,
    dcs,
    encoding: alphabet,
    text: ud.text,
    ...(ud.udh?.concat === undefined ? {} : { concat: ud.udh.concat }),
    moreMessages: (fo & FO_MMS) === 0,
    statusReportIndication: (fo & FO_SRI) !== 0,
    replyPath: (fo & FO_RP) !== 0,
    ...(ud.dataHex === undefined ? {} : { dataHex: ud.dataHex }),
  };
}

export interface DeliverRequest {
  readonly smsc?: string;
  /** '+digits', digits, or an alphanumeric name (≤ 11 GSM 7-bit characters). */
  readonly sender: string;
  readonly timestamp: SmsTimestampFields;
  /** The text of this one part. */
  readonly text: string;
  /** Default: chooseEncoding(text). */
  readonly encoding?: TextEncoding;
  readonly concat?: ConcatInfo;
}

/**
 * Encodes one SMS-DELIVER part, SMSC field first (as +CMGR prints it). The text must fit one part
 * (split longer texts with segmentText first); otherwise RW_ERR_SMS_ENCODE.
 */
export function encodeDeliver(req: DeliverRequest): string {
  const encoding = req.encoding ?? chooseEncoding(req.text);
  const units = encoding === 'gsm7' ? countSeptets(req.text) : req.text.length;
  if (units === undefined || units > partCapacity(encoding, req.concat?.refBits)) {
    throw new RwError('RW_ERR_SMS_ENCODE', `the text does not fit one ${encoding} SMS-DELIVER part`);
  }
  const udh = req.concat === undefined ? undefined : buildConcatUdh(req.concat);
  const { udl, ud } = encodeUserData(req.text, encoding, udh);
  const fo = MTI_DELIVER | FO_MMS | (udh === undefined ? 0 : FO_UDHI);
  const pdu = Uint8Array.of(
    ...encodeSmsc(req.smsc),
    fo,
    ...encodeOriginator(req.sender), // TP-OA (§9.2.3.7)
    0x00, // TP-PID (§9.2.3.9)
    encoding === 'gsm7' ? DCS_GSM7 : DCS_UCS2, // TP-DCS (§9.2.3.10)
    ...encodeTimestamp(req.timestamp), // TP-SCTS (§9.2.3.11)
    udl, // TP-UDL (§9.2.3.16)
    ...ud, // TP-UD (§9.2.3.24)
  );
  return bytesToHex(pdu);
}
