// Runs a command-line tool for a test (openssl, curl, mosquitto_sub, sh) and returns its exit code
// and everything it wrote, never throwing on a non-zero exit: tests assert on both.
import { execFile } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr */
  out: string;
}

export function runCommand(cmd: string, args: string[], o: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: o.timeoutMs ?? 20_000, maxBuffer: 16 << 20, ...(o.env ? { env: { ...process.env, ...o.env } } : {}) }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr, out: stdout + stderr });
    });
    // a command that never reads its input (tmux) may have exited before it is written
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(o.input ?? '');
  });
}
