// Wires the simulated modem to the code under test over an in-memory duplexPair (docs/conventions.md 4), on
// a virtual clock, so that the engine and driver tests run the same model as the pty tests.
import { duplexPair, type Duplex } from 'node:stream';
import type { Test } from 'tap';
import { AtSession, type AtTimeouts, type TraceEvent } from '../../../../gsm/modem/at-session.js';
import { ModemDriver, type ModemDriverOptions } from '../../../../gsm/modem/modem-driver.js';
import type { ModemStatus } from '../../../../contract/alerting.js';
import type { OpenedPort } from '../../../../gsm/modem/serial-port-opener.js';
import { silentLogger } from '../../../../core/logger.js';
import { ModemModel, type ModemModelOptions } from '../../../../scripts/modem-sim/modem-model.js';
import { VirtualClock } from '../../../helpers/virtual-clock.js';

/** The model's delays in the engine tests: short, distinct, and in virtual time anyway. */
export const TEST_DELAYS = { replyMs: 10, promptMs: 20, sendMs: 500, reportMs: 2_000, bootMs: 300, simReadyMs: 100 } as const;

/** Connects `model` to a fresh duplexPair and returns the DTE side. */
export function plugModel(model: ModemModel): { dte: Duplex; dce: Duplex } {
  const [dte, dce] = duplexPair();
  dce.on('data', (chunk: Buffer) => model.receive(chunk));
  model.attach((text) => {
    if (!dce.destroyed) dce.write(Buffer.from(text, 'latin1'));
  });
  return { dte, dce };
}

export interface SessionHarness {
  readonly clock: VirtualClock;
  readonly model: ModemModel;
  readonly session: AtSession;
  readonly dte: Duplex;
  readonly trace: TraceEvent[];
  readonly urcs: string[];
  readonly boots: string[];
}

/** An AtSession talking to a booted model (echo still on, as after power-up). */
export function sessionWithModel(t: Test, options: { model?: ModemModelOptions; timeouts?: Partial<AtTimeouts> } = {}): SessionHarness {
  const clock = new VirtualClock();
  const model = new ModemModel({ delays: TEST_DELAYS, ...options.model }, { clock });
  const { dte, dce } = plugModel(model);
  model.powerOnReady();
  const session = new AtSession(dte, { clock, logger: silentLogger, ...(options.timeouts ? { timeouts: options.timeouts } : {}) });
  const trace: TraceEvent[] = [];
  const urcs: string[] = [];
  const boots: string[] = [];
  session.on('trace', (e) => trace.push(e));
  session.on('urc', (u) => urcs.push(u.pdu === undefined ? u.line : `${u.line} | ${u.pdu}`));
  session.on('boot', (line) => boots.push(line));
  t.teardown(() => {
    session.dispose();
    model.dispose();
    dte.destroy();
    dce.destroy();
  });
  return { clock, model, session, dte, trace, urcs, boots };
}

/** A promise's outcome, observed from the moment it is created (no unhandled rejections while time advances). */
export interface Outcome<T> {
  readonly settled: boolean;
  readonly value: T | undefined;
  readonly error: unknown;
}

export function observe<T>(p: Promise<T>): Outcome<T> {
  const o = { settled: false, value: undefined as T | undefined, error: undefined as unknown };
  p.then(
    (v) => Object.assign(o, { settled: true, value: v }),
    (e: unknown) => Object.assign(o, { settled: true, error: e }),
  );
  return o;
}

export interface DriverHarness {
  readonly clock: VirtualClock;
  readonly model: ModemModel;
  readonly driver: ModemDriver;
  readonly statuses: ModemStatus[];
  /** Every line the driver wrote and read. */
  readonly trace: TraceEvent[];
  /** Every port the driver opened, in order. */
  readonly opened: string[];
  /** Makes the device path vanish (the USB device is gone) and the open port fail with EIO. */
  unplug(): void;
  /** The device vanishes but the open port never reports it (no EIO, serialport/node-serialport#2351). */
  unplugSilently(): void;
  /** Brings the device back under another name and powers the modem on (boot banners). */
  replug(device: string): void;
  /** Whether the device currently resolves. */
  present(): boolean;
}

/** A ModemDriver whose openPort plugs the model into a fresh duplexPair per open. */
export function driverWithModel(
  t: Test,
  options: { model?: ModemModelOptions; driver?: Partial<ModemDriverOptions>; boot?: 'ready' | 'banners' } = {},
): DriverHarness {
  const clock = new VirtualClock();
  const model = new ModemModel({ delays: TEST_DELAYS, ...options.model }, { clock });
  let device: string | null = '/dev/ttyUSB2';
  let current: { dte: Duplex; dce: Duplex } | undefined;
  const opened: string[] = [];
  if (options.boot === 'banners') model.powerOn();
  else model.powerOnReady();
  const openPort = (dev: string): Promise<OpenedPort> => {
    if (dev !== device) return Promise.reject(new Error(`ENOENT: ${dev}`));
    opened.push(dev);
    const pair = plugModel(model);
    current = pair;
    return Promise.resolve({
      stream: pair.dte,
      close: () => {
        pair.dte.destroy();
        pair.dce.destroy();
        return Promise.resolve();
      },
    });
  };
  let ref = 0;
  const trace: TraceEvent[] = [];
  const driver = new ModemDriver(
    { path: '/dev/serial/by-id/usb-SIM_Modem-if02-port0', nextConcatRef: () => (ref = (ref + 1) & 0xff), ...options.driver },
    { clock, logger: silentLogger, openPort, resolvePath: () => Promise.resolve(device), onTrace: (e) => trace.push(e) },
  );
  const statuses: ModemStatus[] = [];
  driver.on('status', (s) => statuses.push(s));
  t.teardown(async () => {
    const stopping = driver.stop();
    await clock.advance(5_000); // lets a pending close or sleep finish in virtual time
    await stopping;
    model.dispose();
  });
  return {
    clock, model, driver, statuses, trace, opened,
    unplug: () => {
      device = null;
      model.detach();
      current?.dte.destroy(new Error('EIO: i/o error, read'));
    },
    unplugSilently: () => {
      device = null;
      model.detach();
    },
    replug: (dev) => {
      device = dev;
      model.powerOn();
    },
    present: () => device !== null,
  };
}
