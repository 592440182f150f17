// A sentinel's modem channel (S13, B4): the alarm as SMS through a GSM modem on this server's own
// serial port, with the appliance's own AT engine and PDU codec (gsm/: GSM 7-bit or UCS2,
// concatenated parts), so the Korean text reaches the handset as the appliance's SMS do.
//
// The port is opened for each message and closed after it: alarms are rare, and a port held open
// for months would keep the device locked against its owner's tools (TIOCEXCL) for nothing. The
// driver initialises the modem (PIN, registration, PDU mode) and answers once it is ready.
// `serialport` is a native addon the single-file agent does not carry: it is loaded only here, on
// the first SMS, from node_modules beside the agent (docs/agent.md "Sentinel").
import type { ModemChannel } from '../../contract/sentinel.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { ModemDriver } from '../../gsm/modem/modem-driver.js';
import { openSerialPort } from '../../gsm/modem/serial-port-opener.js';

export interface ModemChannelDeps {
  clock: Clock;
  log: Logger;
  /** how long the modem may take to be ready (PIN, registration) */
  readyTimeoutMs: number;
}

// concatenation references: no persisted counter on a sentinel; a random start makes a clash with
// a message the handset still joins (same sender, same reference, within minutes) unlikely
let concatRef = Math.floor(Math.random() * 256);

/** Sends `text` to every number of the channel; rejects naming the numbers not reached. */
export async function sendSmsThroughModem(channel: ModemChannel, text: string, deps: ModemChannelDeps): Promise<void> {
  const driver = new ModemDriver(
    { path: channel.device, nextConcatRef: () => (concatRef = (concatRef + 1) & 0xff), ...(channel.pin ? { pin: channel.pin } : {}) },
    { clock: deps.clock, logger: deps.log, openPort: (device) => openSerialPort(device) },
  );
  driver.start();
  try {
    await new Promise<void>((resolve, reject) => {
      const check = (): boolean => {
        if (driver.status.state !== 'ready') return false;
        deps.clock.clearTimeout(timer);
        driver.off('status', check);
        resolve();
        return true;
      };
      const timer = deps.clock.setTimeout(() => {
        driver.off('status', check);
        reject(new Error(`the modem on ${channel.device} is not ready after ${deps.readyTimeoutMs} ms (${driver.status.state}${driver.status.lastError ? `: ${driver.status.lastError.message}` : ''})`));
      }, deps.readyTimeoutMs);
      driver.on('status', check);
      check();
    });
    const failed: string[] = [];
    for (const to of channel.to) {
      try {
        await driver.sendSms({ to, text });
      } catch (error) {
        failed.push(`${to}: ${(error as Error).message}`);
      }
    }
    if (failed.length > 0) throw new Error(`SMS not sent to ${failed.join('; ')}`);
  } finally {
    await driver.stop();
  }
}
