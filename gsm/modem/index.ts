// Public API of the GSM modem driver (D4). The composition root builds one ModemDriver with
// openSerialPort; `--modem sim` first starts the pty simulator and passes its path.
export { ModemDriver, resolveDevice } from './modem-driver.js';
export type { ModemDriverOptions, ModemDriverDeps, SendSmsRequest, SendSmsResult } from './modem-driver.js';
export type { ModemDriverEvents, IncomingSms, StatusReportEvent, ModemAlarm, RegistrationState, Signal, SimState } from './modem-status.js';
export type { ModemStatus, ModemState } from '../../contract/alerting.js';
export { openSerialPort, MODEM_BAUD_RATE } from './serial-port-opener.js';
export type { OpenedPort } from './serial-port-opener.js';
export { ModemError, isModemError } from './modem-error.js';
export type { ModemErrorCode, CommandPhase } from './modem-error.js';
export { classifyCms, classifyCme, retryHint } from './cms-errors.js';
export type { ModemErrorClass, ModemErrorClassification, RetryHint } from './cms-errors.js';
export { AtSession, DEFAULT_AT_TIMEOUTS } from './at-session.js';
export type { AtTimeouts, AtResponse, UrcEvent, TraceEvent } from './at-session.js';
