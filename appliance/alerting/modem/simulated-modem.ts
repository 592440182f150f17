// `--modem sim`: the modem simulator stands in for a GSM modem (there is no GSM network on a test
// machine or a laptop demo). The simulator is not part of the appliance bundle: it is built on its
// own (dist/modem-sim.js, from scripts/modem-sim/) and loaded here at run time, so the image that
// ships to a board carries none of its code. The appliance knows it only through this interface.
import type { SimFaultRequest, SimLogResponse } from '../../../contract/alerts-api.js';
import { RwError } from '../../../contract/errors.js';
import type { Clock } from '../../../core/clock.js';
import type { Logger } from '../../../core/logger.js';

export interface SimulatedModemOptions {
  /** the simulator's log is mirrored to <dataDir>/modem-sim.log for tests in other processes */
  dataDir: string;
  clock: Clock;
  logger: Logger;
}

/** A running simulator: the serial path the modem driver opens, and the test hooks the API exposes. */
export interface SimulatedModem {
  readonly path: string;
  /** what the simulated network received: AT commands, decoded SMS-SUBMITs, messages joined */
  view(): SimLogResponse;
  /** an incoming SMS, split into parts as the network would; returns the modem's storage indexes */
  deliver(from: string, text: string): number[];
  /** arms a fault; problems as "path: message" when the request is not one */
  fault(request: unknown): { ok: true; armed: number } | { ok: false; problems: string[] };
  stop(): Promise<void>;
}

export type StartSimulatedModem = (options: SimulatedModemOptions) => Promise<SimulatedModem>;
export type { SimFaultRequest };

/** the module file next to the appliance bundle */
export const SIMULATOR_MODULE = 'modem-sim.js';

/** Loads the separately built simulator next to this bundle. Errors: RW_ERR_MODEM_SIMULATOR. */
export async function loadSimulatedModem(moduleUrl = new URL(`./${SIMULATOR_MODULE}`, import.meta.url)): Promise<StartSimulatedModem> {
  try {
    const mod = (await import(moduleUrl.href)) as { startSimulatedModem?: StartSimulatedModem };
    if (typeof mod.startSimulatedModem !== 'function') throw new Error('it exports no startSimulatedModem');
    return mod.startSimulatedModem;
  } catch (e) {
    throw new RwError('RW_ERR_MODEM_SIMULATOR', `--modem sim needs the modem simulator built next to the appliance (${moduleUrl.pathname}; npm run build): ${(e as Error).message}`);
  }
}
