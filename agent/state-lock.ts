// One agent per state directory: two would append to the same disk queue and send each other's
// batches. `<state-dir>/agent.pid` holds the running agent's pid; a file left by an agent that
// died (its pid no longer runs) is taken over.
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { RwError } from '../contract/errors.js';

export const LOCK_FILE = 'agent.pid';

/**
 * Whether `pid` is an agent like this one: it runs the same script. After a reboot the pid in a
 * stale file may belong to an unrelated process, which must not keep the agent from starting.
 */
export function isAgentProcess(pid: number, script = process.argv[1] ?? ''): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false; // not running
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').some((arg) => arg !== '' && path.basename(arg) === path.basename(script));
  } catch {
    return true; // cannot tell: better safe than two agents on one queue
  }
}

/** Takes the state directory for this process; the returned function gives it back. */
export function lockStateDir(stateDir: string, pid = process.pid, isAgent: (pid: number) => boolean = isAgentProcess): () => void {
  try {
    return lock(stateDir, pid, isAgent);
  } catch (error) {
    if (error instanceof RwError) throw error;
    throw new RwError('RW_ERR_CONFIG', `cannot use the state directory ${stateDir}: ${(error as Error).message}`, { cause: error });
  }
}

function lock(stateDir: string, pid: number, isAgent: (pid: number) => boolean): () => void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const file = path.join(stateDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${pid}\n`);
      closeSync(fd);
      return () => {
        try {
          if (Number(readFileSync(file, 'utf8').trim()) === pid) unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== pid && isAgent(holder)) {
      throw new RwError('RW_ERR_CONFIG', `another agent (pid ${holder}) is running with the state directory ${stateDir}; stop it, or give this one its own --state-dir`);
    }
    unlinkSync(file); // left by an agent that is gone
  }
  throw new RwError('RW_ERR_CONFIG', `cannot take ${file}`);
}
