// Child processes that do not outlive the appliance (RES). Two layers, because neither is enough
// alone:
// 1. Each child is started through util-linux `setpriv --pdeathsig <signal>`, which sets
//    PR_SET_PDEATHSIG and execs the real program (same pid, same argv): when the appliance dies,
//    even by SIGKILL, the kernel signals the child. Busybox's setpriv has no --pdeathsig; on the
//    board the image carries util-linux's (BR2_PACKAGE_UTIL_LINUX_SETPRIV, docs/notes/buildroot.md).
//    Without it, children are spawned as they are and layer 2 alone cleans up.
// 2. The child's pid is in a pid file under <data-dir>/run; the next start stops a process left
//    there, if its command line shows it is ours (a pid may have been reused by then). This also
//    covers the instant between fork and setpriv's prctl, when the parent's death goes unnoticed.
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';

/** The signal a child gets when the appliance dies: KILL for stateless helpers, TERM for a daemon that must flush (rrdcached -F). */
export type ParentDeathSignal = 'KILL' | 'TERM';

let setprivSupport: boolean | undefined;

/** Whether `setpriv --pdeathsig` works here (util-linux; not busybox). Probed once, by running it. */
export function canTieToParent(): boolean {
  if (setprivSupport === undefined) {
    try {
      execFileSync('setpriv', ['--pdeathsig', 'KILL', 'true'], { stdio: 'ignore', timeout: 5_000 });
      setprivSupport = true;
    } catch {
      setprivSupport = false;
    }
  }
  return setprivSupport;
}

/**
 * The command and arguments that run `command args` so that it gets `signal` when this process
 * dies; unchanged where setpriv cannot do it (the pid file then has to do).
 */
export function tiedToParent(command: string, args: readonly string[], signal: ParentDeathSignal): { command: string; args: string[] } {
  // a program that is not there is spawned as it is, so the caller gets spawn's own ENOENT
  // instead of setpriv's "failed to execute" exit
  if (!canTieToParent() || !isExecutable(command)) return { command, args: [...args] };
  return { command: 'setpriv', args: ['--pdeathsig', signal, '--', command, ...args] };
}

/** Whether `command` (a path, or a name looked up in PATH) names an executable file. */
function isExecutable(command: string): boolean {
  const candidates = command.includes('/') ? [command] : (process.env.PATH ?? '').split(':').filter(Boolean).map((dir) => path.join(dir, command));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export interface OrphanToStop {
  /** the pid file the previous run left */
  pidFile: string;
  /** the process is ours only if its argv (from /proc/<pid>/cmdline) passes this */
  isOurs: (argv: readonly string[]) => boolean;
  /** what it is, for the log */
  name: string;
  clock: Clock;
  logger: Logger;
  /** SIGTERM first; SIGKILL when it is still alive after this long */
  timeoutMs: number;
}

/**
 * Stops a process a previous appliance left running (it died without stopping its children).
 * Resolves once it is gone; true if there was one. A pid file naming no live process of ours is
 * left alone.
 */
export async function stopOrphan(o: OrphanToStop): Promise<boolean> {
  let pid: number;
  try {
    pid = Number((await readFile(o.pidFile, 'utf8')).trim());
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 1 || pid === process.pid) return false;
  let argv: string[];
  try {
    argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
  } catch {
    return false; // not running
  }
  if (!o.isOurs(argv)) return false;
  o.logger.warn(`${o.name} left over from a previous run: stopping it`, { pid });
  signal(pid, 'SIGTERM');
  const deadline = o.clock.now() + o.timeoutMs;
  while (isAlive(pid)) {
    if (o.clock.now() >= deadline) {
      signal(pid, 'SIGKILL');
      break;
    }
    await new Promise<void>((resolve) => o.clock.setTimeout(resolve, 100));
  }
  return true;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone in the meantime
  }
}
