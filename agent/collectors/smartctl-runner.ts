// Runs smartctl (smartmontools) for the disk-health collector (S1+), bounded: no shell (an argv
// list), a timeout after which it is killed (a dying disk can hold an ioctl for minutes), a cap
// on what it may print, `LANG=C`. smartctl exits non-zero for many reasons that still come with a
// complete JSON answer (its exit status is a bit mask that includes "the disk is failing"), so the
// answer is parsed whatever the status, and only a missing program, a timeout, an oversized or
// non-JSON answer count as failures of the run.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export const SMARTCTL_LIMITS = {
  /** one smartctl run; killed (SIGKILL) beyond it */
  timeoutMs: 10_000,
  /** bytes of one answer (`-x` of a big SAS disk is ~60 KB) */
  maxOutputBytes: 1024 * 1024,
} as const;

export type SmartctlRun =
  | { ok: true; json: unknown }
  | { ok: false; problem: 'missing' | 'timeout' | 'too-big' | 'not-json' | 'failed'; detail: string };

export interface SmartctlRunner {
  (program: string, args: readonly string[]): Promise<SmartctlRun>;
}

export function createSmartctlRunner(limits: { timeoutMs: number; maxOutputBytes: number } = SMARTCTL_LIMITS): SmartctlRunner {
  return (program, args) => new Promise((resolve) => {
    execFile(program, [...args], {
      timeout: limits.timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: limits.maxOutputBytes,
      env: { LANG: 'C', LC_ALL: 'C', PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    }, (error, stdout) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EACCES') return resolve({ ok: false, problem: 'missing', detail: `${program}: ${code}` });
        if (code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return resolve({ ok: false, problem: 'too-big', detail: `more than ${limits.maxOutputBytes} bytes` });
        if ((error as { killed?: boolean }).killed) return resolve({ ok: false, problem: 'timeout', detail: `no answer within ${limits.timeoutMs} ms` });
        // any other exit status: the answer says why (smartctl.exit_status, smartctl.messages)
      }
      try {
        resolve({ ok: true, json: JSON.parse(stdout) as unknown });
      } catch {
        resolve({ ok: false, problem: stdout.trim() ? 'not-json' : 'failed', detail: stdout.trim().slice(0, 200) || (error?.message ?? 'no output') });
      }
    });
  });
}

/**
 * The first executable `smartctl` on PATH, or null. PATH only: systemd gives a service the sbin
 * directories, and a test (or an operator) chooses which smartctl the agent runs through it.
 */
export function findSmartctl(pathVariable = process.env.PATH ?? ''): string | null {
  for (const dir of new Set(pathVariable.split(':').filter(Boolean))) {
    const candidate = path.join(dir, 'smartctl');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not there: the next directory
    }
  }
  return null;
}
