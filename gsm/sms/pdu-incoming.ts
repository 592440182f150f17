// Dispatches a PDU read from modem storage (AT+CMGR / AT+CMGL, SMSC field first) on TP-MTI
// (3GPP TS 23.040 §9.2.3.1): SMS-DELIVER, SMS-STATUS-REPORT, or a stored SMS-SUBMIT.
import { RwError } from '../../contract/errors.js';
import { readSmsc, type DecodeOptions } from './address.js';
import { ByteReader, hexToBytes } from './bytes.js';
import { readDeliver, type DeliverMessage } from './pdu-deliver.js';
import { readStatusReport, type StatusReport } from './pdu-status-report.js';
import { readSubmit, type DecodedSubmit } from './pdu-submit.js';

export type IncomingPdu =
  | { readonly kind: 'deliver'; readonly message: DeliverMessage }
  | { readonly kind: 'status-report'; readonly report: StatusReport }
  | { readonly kind: 'submit'; readonly submit: DecodedSubmit };

/** Decodes any PDU the modem hands back. By default the hex starts with the SMSC field. Errors: RW_ERR_PDU. */
export function decodeIncoming(hex: string, options: DecodeOptions = {}): IncomingPdu {
  const r = new ByteReader(hexToBytes(hex));
  const smsc = options.withSmsc === false ? undefined : readSmsc(r);
  // Peek at TP-MTI without consuming it: each reader starts at the first octet.
  const mti = r.peek('TP-MTI') & 0x03;
  switch (mti) {
    case 0:
      return { kind: 'deliver', message: readDeliver(r, smsc) };
    case 1:
      return { kind: 'submit', submit: readSubmit(r, smsc) };
    case 2:
      return { kind: 'status-report', report: readStatusReport(r, smsc) };
    default:
      throw new RwError('RW_ERR_PDU', 'TP-MTI 3 is reserved');
  }
}
