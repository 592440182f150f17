// The modem simulator on a pseudo-terminal: `socat` makes a pty pair; the appliance opens one end
// (the DTE path) through the real serialport binding, exactly as it would a USB modem, and the
// ModemModel answers on the other end. Unplug kills socat, so the DTE path disappears and the
// appliance's port fails with EIO; replug starts socat again under a new link name, the way a
// USB modem re-enumerates as another ttyUSBn. Used by `--modem sim`, the CLI (main.ts) and the
// end-to-end tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SerialPort } from 'serialport';
import { ModemError } from '../../gsm/modem/modem-error.js';
import { stopOrphan, tiedToParent } from '../../core/child-lifetime.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { ModemModel, type ModemModelOptions } from './modem-model.js';
import type { SimFaults } from './sim-faults.js';
import type { SimLog } from './sim-log.js';

export interface PtySimulatorOptions {
  /**
   * Directory for the pty links and socat's pid file; default: a new temporary directory, removed
   * by stop(). A socat that a killed process left running with its links here is stopped first.
   */
  readonly dir?: string;
  /** Name of the DTE link in `dir` (default 'modem'). */
  readonly linkName?: string;
  readonly model?: ModemModelOptions;
  /** Power on with boot banners after bootMs (default) or already booted and silent. */
  readonly boot?: 'banners' | 'ready';
  readonly socatPath?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** socat ended on its own or was killed (not unplug()): the simulator is unplugged, then told here */
  readonly onGone?: () => void;
}

export interface PtySimulator {
  /** The path the appliance opens (a symlink to /dev/pts/N); changes on replug. */
  readonly path: string;
  readonly dir: string;
  readonly log: SimLog;
  readonly faults: SimFaults;
  readonly model: ModemModel;
  /** Delivers an incoming SMS (split into parts as the network would); returns storage indexes. */
  deliverSms(from: string, text: string): number[];
  /** Pulls the plug: socat exits, both pty links disappear, the appliance's port gets EIO. */
  unplug(): Promise<void>;
  /** Plugs the modem back in under `linkName` (default: a new name); it boots with banners. Returns the new path. */
  replug(linkName?: string): Promise<string>;
  /** Stops socat, closes the pty and removes the directory if it was created here. */
  stop(): Promise<void>;
}

const SOCAT_READY = 'starting data transfer loop';
const SOCAT_START_TIMEOUT_MS = 5_000;
const SOCAT_PID_FILE = 'socat.pid';

interface Line {
  readonly socat: ChildProcess;
  readonly port: SerialPort;
  readonly dtePath: string;
  readonly dcePath: string;
}

/** Starts socat and the model. Errors: RW_ERR_MODEM_SIMULATOR (socat missing or failing). */
export async function startPtySimulator(options: PtySimulatorOptions = {}): Promise<PtySimulator> {
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? silentLogger;
  const socatPath = options.socatPath ?? 'socat';
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'rw-modem-sim-')));
  const pidFile = path.join(dir, SOCAT_PID_FILE);
  if (!ownDir) {
    await mkdir(dir, { recursive: true });
    // ours: a socat whose pty links are in this directory
    await stopOrphan({ pidFile, isOurs: (argv) => path.basename(argv[0] ?? '') === 'socat' && argv.some((a) => a.includes(`link=${dir}${path.sep}`)), name: 'modem simulator socat', clock, logger: log, timeoutMs: 5_000 });
  }
  const model = new ModemModel(options.model ?? {}, { clock });
  let generation = 0;
  let line: Line | undefined;
  let currentPath = path.join(dir, options.linkName ?? 'modem');

  const plug = async (linkName: string): Promise<Line> => {
    generation += 1;
    const dtePath = path.join(dir, linkName);
    const dcePath = path.join(dir, `sim-side-${generation}`);
    // links a SIGKILLed socat could not remove
    await Promise.all([dtePath, dcePath].map((p) => unlink(p).catch(() => undefined)));
    const socat = await startSocat(socatPath, dtePath, dcePath, log);
    // socat killed from outside (a benchmark's "modem gone") cannot remove its links: remove them
    // here, as udev removes a device node on unplug, so that the appliance never reopens a
    // /dev/pts number the kernel has since given to another program's terminal
    const plugged = generation;
    socat.once('exit', () => {
      // a replug under the same name since then owns dtePath
      for (const p of generation === plugged ? [dtePath, dcePath] : [dcePath]) void unlink(p).catch(() => undefined);
      // not our own unplug (which forgets the line first): the modem is gone
      if (line?.socat === socat) void unplugLine().then(() => options.onGone?.(), (e: unknown) => log.warn('modem simulator: cleaning up after socat failed', { err: e }));
    });
    if (socat.pid !== undefined) await writeFile(pidFile, `${socat.pid}\n`);
    const port = new SerialPort({ path: dcePath, baudRate: 115_200, autoOpen: false, lock: false });
    try {
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    } catch (e) {
      await stopSocat(socat);
      throw new ModemError('RW_ERR_MODEM_SIMULATOR', { message: `RW_ERR_MODEM_SIMULATOR: cannot open ${dcePath}: ${(e as Error).message}`, cause: e });
    }
    port.on('error', (e) => log.debug('simulator pty error', { error: e }));
    port.on('data', (chunk: Buffer) => model.receive(chunk));
    model.attach((text) => {
      if (port.isOpen) port.write(Buffer.from(text, 'latin1'));
    });
    currentPath = dtePath;
    log.info('modem simulator plugged in', { path: dtePath });
    return { socat, port, dtePath, dcePath };
  };

  const unplugLine = async (): Promise<void> => {
    const l = line;
    line = undefined;
    if (!l) return;
    model.detach();
    l.port.removeAllListeners('data');
    await stopSocat(l.socat);
    await unlink(pidFile).catch(() => undefined);
    if (l.port.isOpen) await new Promise<void>((resolve) => l.port.close(() => resolve()));
    // socat removes its links on a clean exit; make sure they are gone after any exit
    await Promise.all([l.dtePath, l.dcePath].map((p) => unlink(p).catch(() => undefined)));
  };

  try {
    line = await plug(options.linkName ?? 'modem');
  } catch (e) {
    if (ownDir) await rm(dir, { recursive: true, force: true });
    throw e;
  }
  if (options.boot === 'ready') model.powerOnReady();
  else model.powerOn();

  return {
    get path() {
      return currentPath;
    },
    dir,
    log: model.log,
    faults: model.faults,
    model,
    deliverSms: (from, text) => model.deliverSms(from, text),
    unplug: unplugLine,
    async replug(linkName) {
      await unplugLine();
      line = await plug(linkName ?? `modem-${generation + 1}`);
      model.powerOn();
      return currentPath;
    },
    async stop() {
      await unplugLine();
      model.dispose();
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

async function startSocat(socatPath: string, dtePath: string, dcePath: string, log: Logger): Promise<ChildProcess> {
  // KILL when the process that started it dies (core/child-lifetime.ts), and its own process
  // group, so a Ctrl-C reaches the appliance, which unplugs it in order
  const run = tiedToParent(socatPath, ['-d', '-d', `pty,raw,echo=0,link=${dtePath}`, `pty,raw,echo=0,link=${dcePath}`], 'KILL');
  const socat = spawn(run.command, run.args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`socat did not start within ${SOCAT_START_TIMEOUT_MS} ms: ${stderr}`)), SOCAT_START_TIMEOUT_MS);
      const done = (e?: Error): void => {
        clearTimeout(timer);
        socat.stderr?.off('data', onData);
        socat.off('error', onError);
        socat.off('exit', onExit);
        if (e) reject(e);
        else resolve();
      };
      const onData = (chunk: Buffer): void => {
        stderr += chunk.toString();
        if (stderr.includes(SOCAT_READY)) done();
      };
      const onError = (e: Error): void => done(e);
      const onExit = (code: number | null): void => done(new Error(`socat exited with ${code}: ${stderr}`));
      socat.stderr?.on('data', onData);
      socat.once('error', onError);
      socat.once('exit', onExit);
    });
  } catch (e) {
    await stopSocat(socat);
    throw new ModemError('RW_ERR_MODEM_SIMULATOR', { message: `RW_ERR_MODEM_SIMULATOR: ${(e as Error).message}`, cause: e });
  }
  // Keep draining socat's log so it never blocks on a full pipe.
  socat.stderr?.on('data', (chunk: Buffer) => log.debug('socat', { line: chunk.toString().trim() }));
  return socat;
}

async function stopSocat(socat: ChildProcess): Promise<void> {
  if (socat.pid === undefined || socat.exitCode !== null || socat.signalCode !== null) return; // never started, or gone
  const exited = once(socat, 'exit');
  socat.kill('SIGTERM');
  await exited;
}
