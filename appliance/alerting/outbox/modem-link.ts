// Connects the modem driver to the rest of the appliance: the driver is the outbox's transport;
// its status changes wake the outbox and reach the live hub; its status reports update the
// outbox; incoming SMS go to the SMS command handler. Every listener's error is caught and logged
// with its owner, so a bad SMS can never stop the process (docs/conventions.md 7).
import type { Logger } from '../../../core/logger.js';
import type { ModemDriver, ModemStatus, IncomingSms, StatusReportEvent, ModemAlarm } from '../../../gsm/modem/index.js';
import type { SmsOutbox, SmsTransport } from './sms-outbox.js';

/** The part of ModemDriver this module uses. */
export type ModemLike = Pick<ModemDriver, 'status' | 'sendSms' | 'on' | 'off'>;

export function driverTransport(driver: Pick<ModemDriver, 'status' | 'sendSms'>): SmsTransport {
  return {
    isReady: () => driver.status.state === 'ready',
    send: (req) => driver.sendSms(req),
  };
}

export interface ModemLinkDeps {
  driver: ModemLike;
  outbox: SmsOutbox;
  logger: Logger;
  onSms: (sms: IncomingSms) => void;
  onStatus: (status: ModemStatus) => void;
}

export class ModemLink {
  private attached = false;
  private lastState: string | null = null;

  constructor(private readonly deps: ModemLinkDeps) {}

  private readonly statusListener = (status: ModemStatus): void => {
    this.guard('status', () => {
      if (status.state !== this.lastState) {
        this.deps.logger.info('modem state', { state: status.state, registration: status.registration, operator: status.operator, signalDbm: status.signal.dbm });
        this.lastState = status.state;
      }
      this.deps.outbox.transportChanged();
      this.deps.onStatus(status);
    });
  };

  private readonly smsListener = (sms: IncomingSms): void => {
    this.guard('incoming SMS', () => this.deps.onSms(sms));
  };

  private readonly reportListener = (report: StatusReportEvent): void => {
    this.guard('status report', () => {
      this.deps.outbox.handleStatusReport({ mr: report.mr, recipient: report.recipient, statusClass: report.statusClass, status: report.status });
    });
  };

  private readonly alarmListener = (alarm: ModemAlarm): void => {
    this.deps.logger.error('modem alarm: a person is needed', { code: alarm.code, message: alarm.message });
  };

  start(): void {
    if (this.attached) return;
    this.attached = true;
    const d = this.deps.driver;
    d.on('status', this.statusListener);
    d.on('sms', this.smsListener);
    d.on('status-report', this.reportListener);
    d.on('alarm', this.alarmListener);
  }

  stop(): void {
    if (!this.attached) return;
    this.attached = false;
    const d = this.deps.driver;
    d.off('status', this.statusListener);
    d.off('sms', this.smsListener);
    d.off('status-report', this.reportListener);
    d.off('alarm', this.alarmListener);
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.deps.logger.error(`modem ${what} handler failed`, { err: e });
    }
  }
}
