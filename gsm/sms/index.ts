// Public API of the SMS PDU codec (pure: no I/O). The AT engine, the outbox and the modem
// simulator import from here.
export { DEFAULT_VALIDITY_MINUTES, validityMinutesToOctet, validityOctetToMinutes } from './validity-period.js';
export { countSeptets, isGsm7Encodable } from '../../contract/sms-text/gsm7.js';
export { chooseEncoding, segmentText, partCapacity, MAX_PARTS } from '../../contract/sms-text/segmenter.js';
export type { Segment, Segmentation, SegmentOptions, TextEncoding } from '../../contract/sms-text/segmenter.js';
export { encodeSubmit, decodeSubmit } from './pdu-submit.js';
export type { SubmitRequest, SubmitPdu, DecodedSubmit } from './pdu-submit.js';
export { decodeDeliver, encodeDeliver } from './pdu-deliver.js';
export type { DeliverMessage, DeliverRequest } from './pdu-deliver.js';
export { decodeStatusReport, encodeStatusReport, classifyStatus } from './pdu-status-report.js';
export type { StatusReport, StatusReportRequest, DeliveryStatusClass } from './pdu-status-report.js';
export { decodeIncoming } from './pdu-incoming.js';
export type { IncomingPdu } from './pdu-incoming.js';
export { reassemble } from './reassembler.js';
export type { ReassembledMessage } from './reassembler.js';
export type { DecodeOptions } from './address.js';
export type { ConcatInfo } from './udh.js';
export type { SmsTimestamp, SmsTimestampFields } from './timestamp.js';
export type { Alphabet } from './dcs.js';
