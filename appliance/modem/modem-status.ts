// The modem driver's public snapshot and event payloads (types only): what health, the API and
// the UI show about the modem, and what the outbox and the alert rules receive.
import type { DeliveryStatusClass } from '../sms/index.js';
import type { RegistrationState, Signal, SimState } from './at-parsers.js';

export type { RegistrationState, Signal, SimState } from './at-parsers.js';

export type ModemState =
  /** The port path does not resolve (unplugged, re-enumerating) or cannot be opened. */
  | 'absent'
  /** Port open; running the init sequence. */
  | 'initializing'
  /** Initialised, SIM ready and registered: sendSms works. */
  | 'ready'
  /** The SIM wants a PIN and none is configured. */
  | 'pin-required'
  /** The configured PIN was rejected once (never retried), or the SIM wants its PUK. */
  | 'pin-failed'
  /** Initialised but not registered (or no SIM): sendSms waits for registration. */
  | 'no-network'
  /** A step of the reset ladder is running (ESC + AT, reopen, AT+CFUN=1,1, back-off). */
  | 'resetting';

export interface ModemStatus {
  readonly state: ModemState;
  readonly signal: Signal;
  readonly registration: RegistrationState;
  /** Operator name from AT+COPS?, null when unknown or not registered. */
  readonly operator: string | null;
  readonly sim: SimState;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: number } | null;
  /** Messages sent (every part accepted with +CMGS) and failed since start. */
  readonly sentCount: number;
  readonly failedCount: number;
  readonly receivedCount: number;
  /** Times the reset ladder ran a step. */
  readonly resetCount: number;
  /** The configured path (maybe a by-id symlink) and what it resolved to at the last open. */
  readonly path: string;
  readonly device: string | null;
  /** Clock time of the last change. */
  readonly since: number;
}

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
