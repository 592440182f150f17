// Runs a script check (S6): a program named by the appliance, found only in the directories the
// server's own administrator allowed (agent option, never set from the appliance), run with an
// argument list and no shell, in a process group of its own so that a timeout ends it and
// everything it started. Its output is read by the monitoring-plugins convention
// (plugin-output.ts) and bounded; a program outside the allowed directories is not run at all
// and the check reports UNKNOWN with the reason.
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { stateOfExitCode, type CheckState, type Perfdatum } from '../../contract/checks.js';
import { parsePluginOutput } from './plugin-output.js';

/** Where scripts may be: the agent's own directory, then the monitoring-plugins' (Debian, Fedora/RHEL). */
export const DEFAULT_SCRIPT_DIRS = ['/etc/rackwatch/checks.d', '/usr/lib/nagios/plugins', '/usr/lib/monitoring-plugins', '/usr/lib64/nagios/plugins'] as const;

export interface ScriptCheck {
  /** a file name in one of the allowed directories, or an absolute path inside one */
  command: string;
  args: readonly string[];
  timeoutMs: number;
  /** aborted: the program and its process group are killed at once (the agent is stopping) */
  signal?: AbortSignal;
}

export interface ScriptRunnerOptions {
  /** directories scripts may be in (symbolic links are resolved before the check) */
  allowedDirs: readonly string[];
  /** stdout kept; the rest is read and dropped (default 64 KiB) */
  maxOutputBytes?: number;
  /** after SIGTERM to the group, SIGKILL this much later (default 1 s) */
  killGraceMs?: number;
}

export interface ScriptResult {
  state: CheckState;
  output: string;
  longOutput: string;
  perfdata: Perfdatum[];
  durationMs: number;
  /** why the result is not the program's own (refused, timed out, output cut, perfdata skipped) */
  problems: string[];
}

const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024;
const DEFAULT_KILL_GRACE_MS = 1000;
/** at most this many argument bytes: a command line is no place for data */
const MAX_ARGS_BYTES = 4096;

export class ScriptRunner {
  private readonly maxOutputBytes: number;
  private readonly killGraceMs: number;

  constructor(private readonly opts: ScriptRunnerOptions) {
    this.maxOutputBytes = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    this.killGraceMs = opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  }

  /** The executable a check names, or why it may not run. */
  async resolve(command: string): Promise<{ file: string } | { refused: string }> {
    if (command === '' || command.includes('\0')) return { refused: 'no program named' };
    const candidates = command.includes('/')
      ? (path.isAbsolute(command) ? [command] : [])
      : this.opts.allowedDirs.map((d) => path.join(d, command));
    if (candidates.length === 0) return { refused: `${command}: give a file name in an allowed directory or an absolute path` };
    const allowed = await this.allowedRealDirs();
    for (const c of candidates) {
      let real: string;
      try {
        real = await realpath(c);
      } catch {
        continue;
      }
      if (!allowed.some((d) => real.startsWith(d + path.sep))) {
        return { refused: `${command} is not in an allowed directory (${this.opts.allowedDirs.join(', ')})` };
      }
      const st = await stat(real);
      if (!st.isFile()) return { refused: `${command} is not a file` };
      try {
        await access(real, constants.X_OK);
      } catch {
        return { refused: `${command} is not executable` };
      }
      return { file: real };
    }
    return { refused: `${command} was not found in an allowed directory (${this.opts.allowedDirs.join(', ')})` };
  }

  async run(check: ScriptCheck): Promise<ScriptResult> {
    const started = performance.now();
    const unknown = (why: string): ScriptResult => ({ state: 'unknown', output: why, longOutput: '', perfdata: [], durationMs: performance.now() - started, problems: [why] });
    if (check.args.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0) > MAX_ARGS_BYTES) return unknown(`arguments longer than ${MAX_ARGS_BYTES} bytes`);
    const target = await this.resolve(check.command);
    if ('refused' in target) return unknown(target.refused);
    return new Promise<ScriptResult>((resolve) => {
      const child = spawn(target.file, [...check.args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true, // a process group of its own: a timeout ends what it started, too
        cwd: path.dirname(target.file),
        env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', LC_ALL: 'C' },
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outBytes = 0;
      let errBytes = 0;
      let cut = false;
      child.stdout.on('data', (b: Buffer) => {
        if (outBytes >= this.maxOutputBytes) {
          cut = true;
          return;
        }
        out.push(b.subarray(0, this.maxOutputBytes - outBytes));
        if (b.length > this.maxOutputBytes - outBytes) cut = true;
        outBytes += b.length;
      });
      child.stderr.on('data', (b: Buffer) => {
        if (errBytes < 4096) err.push(b.subarray(0, 4096 - errBytes));
        errBytes += b.length;
      });
      let timedOut = false;
      let killTimer: NodeJS.Timeout | null = null;
      const killGroup = (signal: NodeJS.Signals): void => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, signal);
        } catch {
          // the group is gone already
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup('SIGTERM');
        killTimer = setTimeout(() => killGroup('SIGKILL'), this.killGraceMs);
      }, check.timeoutMs);
      const onAbort = (): void => killGroup('SIGKILL');
      check.signal?.addEventListener('abort', onAbort, { once: true });
      child.once('error', (e) => {
        clearTimeout(timer);
        check.signal?.removeEventListener('abort', onAbort);
        resolve(unknown(`could not run ${check.command}: ${e.message}`));
      });
      // 'exit', not 'close': a grandchild holding the pipes open must not hold the result
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        check.signal?.removeEventListener('abort', onAbort);
        if (killTimer) clearTimeout(killTimer);
        // a check leaves nothing running: whatever it started in its group goes with it
        killGroup('SIGKILL');
        const durationMs = performance.now() - started;
        if (timedOut) {
          resolve({ ...unknown(`timed out after ${(check.timeoutMs / 1000).toFixed(1)} s`), durationMs });
          return;
        }
        let text = Buffer.concat(out).toString('utf8');
        if (text.trim() === '' && errBytes > 0) text = Buffer.concat(err).toString('utf8');
        const parsed = parsePluginOutput(text);
        const problems = [...parsed.problems];
        if (cut) problems.push(`output beyond ${this.maxOutputBytes} bytes dropped`);
        if (signal) problems.push(`ended by ${signal}`);
        else if (code !== null && (code < 0 || code > 3)) problems.push(`exit code ${code} is not a plugin state (0–3)`);
        resolve({ state: stateOfExitCode(signal ? null : code), output: parsed.output, longOutput: parsed.longOutput, perfdata: parsed.perfdata, durationMs, problems });
      });
    });
  }

  private async allowedRealDirs(): Promise<string[]> {
    const dirs: string[] = [];
    for (const d of this.opts.allowedDirs) {
      try {
        dirs.push(await realpath(d));
      } catch {
        // an allowed directory that does not exist allows nothing
      }
    }
    return dirs;
  }
}
