// Whether the system clock is synchronised (D1), as the machine's own time service says: chrony's
// `chronyc tracking` where chrony runs (the board), else systemd's `timedatectl show -p
// NTPSynchronized` (the kernel's adjtimex state, whatever sets the clock). Neither answering (a
// container, a machine without systemd): nothing is known. The commands are looked up on PATH, so a
// test puts its own `chronyc` first; parsing is apart from running, for the unit tests.
import { execFile } from 'node:child_process';
import type { ClockSyncSource } from '../../contract/api.js';

export interface ClockSyncReading {
  synchronised: boolean | null;
  source: Exclude<ClockSyncSource, 'last-known-time'>;
}

/** Runs a command; `ok: false` when it is missing, fails or times out. */
export type RunCommand = (file: string, args: string[]) => Promise<{ ok: boolean; stdout: string }>;

/** RES: a time service that does not answer within this is taken as not there */
const COMMAND_TIMEOUT_MS = 5_000;

/**
 * The commands' environment: C locale (the output is parsed), and no systemd notify socket: a
 * failing systemd tool reports ERRNO= to it, which systemd (NotifyAccess=all) would take as the
 * appliance's own.
 */
function commandEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' };
  delete env.NOTIFY_SOCKET;
  return env;
}

export const runCommand: RunCommand = (file, args) => new Promise((resolve) => {
  execFile(file, args, { timeout: COMMAND_TIMEOUT_MS, maxBuffer: 64 * 1024, env: commandEnv() }, (error, stdout) => {
    resolve({ ok: !error, stdout: String(stdout) });
  });
});

/** `chronyc tracking`'s "Leap status": Normal (or a leap second announced) once synchronised. */
export function parseChronyTracking(out: string): boolean | null {
  const leap = /^Leap status\s*:\s*(.+)$/m.exec(out)?.[1]?.trim();
  if (leap === undefined) return null;
  return leap !== 'Not synchronised';
}

/** `timedatectl show -p NTPSynchronized --value`: yes or no. */
export function parseTimedatectl(out: string): boolean | null {
  const v = out.trim();
  return v === 'yes' ? true : v === 'no' ? false : null;
}

export async function readClockSync(run: RunCommand = runCommand): Promise<ClockSyncReading> {
  const chrony = await run('chronyc', ['-n', 'tracking']);
  const fromChrony = chrony.ok ? parseChronyTracking(chrony.stdout) : null;
  if (fromChrony !== null) return { synchronised: fromChrony, source: 'chrony' };
  const systemd = await run('timedatectl', ['show', '-p', 'NTPSynchronized', '--value']);
  const fromSystemd = systemd.ok ? parseTimedatectl(systemd.stdout) : null;
  if (fromSystemd !== null) return { synchronised: fromSystemd, source: 'timedatectl' };
  return { synchronised: null, source: 'none' };
}
