// A sentinel's modem channel (S13, B4): the alarm as SMS through a GSM modem on this server's own
// serial port, with the appliance's own AT engine and PDU codec (gsm/: GSM 7-bit or UCS2,
// concatenated parts), so the Korean text reaches the handset as the appliance's SMS do.
//
// The port is opened for each message and closed after it: alarms are rare, and a port held open
// for months would keep the device locked against its owner's tools (TIOCEXCL) for nothing. The
// driver initialises the modem (PIN, registration, PDU mode) and answers once it is ready.
// `serialport` is a native addon the single-file agent does not carry: it is loaded only here, on
// the first SMS, from node_modules beside the agent, where `install-agent.sh --with-modem` puts
// the appliance's own (docs/agent.md "Sentinel"). Without it the channel fails before touching
// the modem, saying so and how to fix it, in its result (the Redundancy screen's test) and once
// in the log, rather than as a modem that never comes up.
import type { ModemChannel } from '../../contract/sentinel.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { ModemDriver } from '../../gsm/modem/modem-driver.js';
import { loadSerialPort, openSerialPort } from '../../gsm/modem/serial-port-opener.js';
import { ChannelNotUsable } from './channel-not-usable.js';

export interface ModemChannelDeps {
  clock: Clock;
  log: Logger;
  /** how long the modem may take to be ready (PIN, registration) */
  readyTimeoutMs: number;
}

// concatenation references: no persisted counter on a sentinel; a random start makes a clash with
// a message the handset still joins (same sender, same reference, within minutes) unlikely
let concatRef = Math.floor(Math.random() * 256);

export const SERIALPORT_FIX = 'run the installer again with --with-modem';
let serialportProblemLogged = false;

/** Rejects, saying what to do, when serialport cannot be loaded from beside the agent. */
async function ensureSerialPort(log: Logger): Promise<void> {
  try {
    await loadSerialPort();
  } catch (error) {
    const cause = (error as Error).message.split('\n')[0] ?? '';
    const notFound = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && /'serialport'/.test(cause);
    const problem = notFound
      ? `serialport is not installed beside the agent: ${SERIALPORT_FIX}`
      : `serialport beside the agent does not load (${cause}): ${SERIALPORT_FIX}`;
    // the watch retries its alarms: the log says it once, each result says it again
    if (!serialportProblemLogged) log.error(problem);
    serialportProblemLogged = true;
    throw new ChannelNotUsable(problem);
  }
}

/** Sends `text` to every number of the channel; rejects naming the numbers not reached. */
export async function sendSmsThroughModem(channel: ModemChannel, text: string, deps: ModemChannelDeps): Promise<void> {
  await ensureSerialPort(deps.log);
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
