// The modem driver's public snapshot and event payloads (types only): what health, the API and
// the UI show about the modem, and what the outbox and the alert rules receive.
import type { DeliveryStatusClass } from '../sms/index.js';

import { type ModemStatus } from '../../contract/alerting.js';

export type { RegistrationState, Signal, SimState } from '../../contract/alerting.js';

export interface IncomingSms {
  readonly from: string;
  readonly text: string;
  /** Clock time when the last part was read from the modem. */
  readonly receivedAt: number;
  /** The SMSC time stamp of the first part (ms since the epoch). */
  readonly sentAt: number;
  readonly parts: number;
  /** False when parts were still missing after the part timeout (text is then partial). */
  readonly complete: boolean;
}

export interface StatusReportEvent {
  /** TP-MR of the reported SUBMIT (the `+CMGS: <mr>` value). */
  readonly mr: number;
  readonly recipient: string;
  readonly statusClass: DeliveryStatusClass;
  /** TP-ST (TS 23.040 §9.2.3.15). */
  readonly status: number;
  /** True when (mr, recipient) matched a part this driver sent within the match window. */
  readonly matched: boolean;
  /** TP-DT: delivery time or time of the last attempt (ms since the epoch). */
  readonly dischargeTime: number;
}

export interface ModemAlarm {
  readonly code: 'RW_ERR_MODEM_PIN' | 'RW_ERR_MODEM_SIM';
  readonly message: string;
}

export interface ModemDriverEvents {
  status: [ModemStatus];
  sms: [IncomingSms];
  'status-report': [StatusReportEvent];
  /** A condition that needs a person (PIN rejected or missing, PUK, no SIM). */
  alarm: [ModemAlarm];
}
