// OS and CPU facts for the inventory (S3), from systeminformation, read in a short-lived helper
// process: the agent runs its own bundle again with --print-host-facts, which prints them as JSON
// and exits. systeminformation spawns a handful of processes itself (lsb_release, lscpu…) and its
// modules would stay in the agent's heap for good (~3 MB of the 55 MB budget; docs/benchmarks.md); in the
// helper they are gone after the first second. Asked once per start: the OS and the CPU model do
// not change while the agent runs. If the helper fails, node:os answers what it can.
import { spawn } from 'node:child_process';
import os from 'node:os';
import type { Logger } from '../core/logger.js';
import { readHostFacts, type HostFacts } from './inventory.js';

export const HOST_FACTS_FLAG = '--print-host-facts';

/** What the helper does: prints the facts as one JSON line. */
export async function printHostFacts(): Promise<void> {
  process.stdout.write(JSON.stringify(await readHostFacts()) + '\n');
}

/** The facts node:os knows, for when the helper cannot answer. */
export function fallbackHostFacts(): HostFacts {
  return {
    os: { platform: os.platform(), distro: 'unknown', release: 'unknown', kernel: os.release(), arch: os.arch() },
    cpu: { model: os.cpus()[0]?.model ?? 'unknown', cores: os.availableParallelism() },
  };
}

/** Whether `value` has the shape of HostFacts (the helper is ours, but its output is text). */
export function isHostFacts(value: unknown): value is HostFacts {
  const v = value as { os?: Record<string, unknown>; cpu?: Record<string, unknown> } | null;
  return typeof v?.os === 'object' && typeof v.cpu === 'object' && v.os !== null && v.cpu !== null
    && ['platform', 'distro', 'release', 'kernel', 'arch'].every((k) => typeof v.os?.[k] === 'string')
    && typeof v.cpu.model === 'string' && typeof v.cpu.cores === 'number';
}

export interface HelperOptions {
  /** the agent's bundle (process.argv[1]) */
  script: string;
  log: Logger;
  timeoutMs?: number;
  execPath?: string;
}

/** Runs the helper; falls back to node:os (logged) when it fails or takes too long. */
export function hostFactsFromHelper(options: HelperOptions): Promise<HostFacts> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve) => {
    const child = spawn(options.execPath ?? process.execPath, [options.script, HOST_FACTS_FLAG], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-2000); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const fallBack = (why: string): void => {
      options.log.warn(`host facts: ${why}; the inventory shows what node:os knows`, { stderr: stderr.trim() });
      resolve(fallbackHostFacts());
    };
    child.on('error', (error) => {
      clearTimeout(timer);
      fallBack(`cannot start the helper (${error.message})`);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        fallBack(`the helper failed (${signal ?? `exit ${code}`})`);
        return;
      }
      try {
        const facts: unknown = JSON.parse(stdout);
        if (isHostFacts(facts)) resolve(facts);
        else fallBack('the helper answered something else');
      } catch {
        fallBack('the helper did not answer JSON');
      }
    });
  });
}
