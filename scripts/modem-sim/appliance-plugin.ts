// The simulator as the appliance loads it for `--modem sim` (built on its own to dist/modem-sim.js;
// see appliance/alerting/modem/simulated-modem.ts): starts the pty simulator, mirrors its log to
// <data-dir>/modem-sim.log, and answers the API's test hooks (log, incoming SMS, faults).
import path from 'node:path';
import type { SimulatedModem, SimulatedModemOptions } from '../../appliance/alerting/modem/simulated-modem.js';
import { startPtySimulator } from './pty-simulator.js';
import { SimLogFile, simLogView } from './sim-log-file.js';

const REPLUG_MS = 10_000;
/** the pty simulator's default link name: the path the appliance opens stays the same across a replug */
const LINK_NAME = 'modem';

export async function startSimulatedModem({ dataDir, clock, logger }: SimulatedModemOptions): Promise<SimulatedModem> {
  // the pty links and socat's pid file under the data directory, so the next start finds a socat
  // that a killed appliance left behind
  // a modem that crashed (its socat killed) comes back after REPLUG_MS under the same name, as a
  // USB modem re-enumerates after a reset: the outbox's queue must then drain (RES soak)
  let replugTimer: unknown = null;
  let stopped = false;
  const sim = await startPtySimulator({
    clock, logger: logger.child('modem-sim'), dir: path.join(dataDir, 'run', 'modem-sim'),
    onGone: () => {
      if (stopped) return;
      logger.warn(`modem simulator gone: it comes back in ${REPLUG_MS / 1000} s`);
      replugTimer = clock.setTimeout(() => {
        replugTimer = null;
        if (!stopped) sim.replug(LINK_NAME).catch((e: unknown) => logger.error('modem simulator: replug failed', { err: e }));
      }, REPLUG_MS);
    },
  });
  const logFile = new SimLogFile({ log: sim.log, file: path.join(dataDir, 'modem-sim.log'), clock, logger, bootMs: clock.now() });
  logFile.start();
  return {
    path: sim.path,
    view: () => simLogView(sim.log),
    deliver: (from, text) => sim.deliverSms(from, text),
    fault: (request) => armFault(sim.faults, request),
    stop: async () => {
      stopped = true;
      clock.clearTimeout(replugTimer);
      logFile.stop();
      await sim.stop();
    },
  };
}

type Faults = Awaited<ReturnType<typeof startPtySimulator>>['faults'];

function armFault(faults: Faults, request: unknown): ReturnType<SimulatedModem['fault']> {
  const body = (typeof request === 'object' && request !== null ? request : {}) as Record<string, unknown>;
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
  switch (body.kind) {
    case 'slowSend': {
      const ms = num(body.ms);
      if (ms === undefined) return { ok: false, problems: ['ms: must be a number ≥ 0'] };
      faults.slowSend(ms, { nth: num(body.nth) ?? 1, times: num(body.times) ?? 1 });
      break;
    }
    case 'cmsOnCmgs': {
      const code = num(body.code);
      if (code === undefined) return { ok: false, problems: ['code: must be a +CMS ERROR code'] };
      faults.cmsOnCmgs(code, { nth: num(body.nth) ?? 1, times: num(body.times) ?? 1 });
      break;
    }
    case 'cmsEvery': {
      const code = num(body.code);
      const every = num(body.every);
      if (code === undefined || every === undefined || !Number.isInteger(every) || every < 1) return { ok: false, problems: ['code, every: a +CMS ERROR code and an integer ≥ 1'] };
      faults.cmsEvery(code, every);
      break;
    }
    case 'clear':
      faults.clear();
      break;
    default:
      return { ok: false, problems: ['kind: must be slowSend, cmsOnCmgs, cmsEvery or clear'] };
  }
  return { ok: true, armed: faults.armed };
}
