// Writes the network settings to the data dir and applies them, with a confirm-or-revert window
// like a display-mode change (D5): the new file is written atomically (core/private-files.ts), the
// apply hook runs (on the board a script that has systemd-networkd reload it; in tests any
// command), and unless the technician confirms within the window the previous file is put back and
// applied again, so a wrong address typed on the console cannot lock the box off the network.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { RwError } from '../../contract/errors.js';
import type { Clock } from '../../core/clock.js';
import { writeFileAtomic } from '../../core/private-files.js';
import { parseNetworkFile, renderNetworkFile, type NetworkSettings } from './network-settings.js';

export const NETWORK_FILE = path.join('network', '10-rackwatch.network');
/** systemd-networkd (its own user) must read it; it holds no secret */
const NETWORK_FILE_MODE = 0o644;
/** RES: an apply hook that has not finished after this is killed and counts as failed */
const APPLY_TIMEOUT_MS = 30_000;

/** Runs the apply hook with the file's path as its one argument. */
export type ApplyHook = (file: string) => Promise<void>;

/** The hook as a command (`--apply-command`); null: the file is only written. */
export function commandApplyHook(command: string | null): ApplyHook {
  if (command === null) return () => Promise.resolve();
  return (file) => new Promise((resolve, reject) => {
    execFile(command, [file], { timeout: APPLY_TIMEOUT_MS }, (error, _stdout, stderr) => {
      if (error) reject(new RwError('RW_ERR_NETWORK_APPLY', `${command} failed: ${stderr.trim() || error.message}`));
      else resolve();
    });
  });
}

export interface NetworkStoreDeps {
  dataDir: string;
  iface: string;
  apply: ApplyHook;
  clock: Clock;
  confirmWindowMs: number;
  /** told when an unconfirmed change was taken back (or taking it back failed) */
  onReverted?: (outcome: { ok: boolean; error?: string }) => void;
}

export interface PendingChange {
  /** unix ms when the previous settings come back */
  deadlineMs: number;
  confirm(): void;
  /** takes the change back now (as the window's end does) */
  revert(): Promise<void>;
}

export class NetworkStore {
  private pending: { timer: unknown; previous: string | null } | null = null;

  constructor(private readonly deps: NetworkStoreDeps) {}

  get file(): string {
    return path.join(this.deps.dataDir, NETWORK_FILE);
  }

  current(): NetworkSettings {
    return existsSync(this.file) ? parseNetworkFile(readFileSync(this.file, 'utf8')) : { mode: 'dhcp' };
  }

  get hasPendingChange(): boolean {
    return this.pending !== null;
  }

  /** Writes and applies `settings`; a failed apply restores the previous file at once. */
  async change(settings: NetworkSettings): Promise<PendingChange> {
    if (this.pending) throw new RwError('RW_ERR_CONFLICT', 'a network change is waiting to be confirmed');
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o750 });
    const previous = existsSync(this.file) ? readFileSync(this.file, 'utf8') : null;
    writeFileAtomic(this.file, renderNetworkFile(this.deps.iface, settings), NETWORK_FILE_MODE);
    try {
      await this.deps.apply(this.file);
    } catch (e) {
      await this.restore(previous);
      throw e;
    }
    const deadlineMs = this.deps.clock.now() + this.deps.confirmWindowMs;
    const pending = { previous, timer: null as unknown };
    pending.timer = this.deps.clock.setTimeout(() => {
      void this.takeBack(pending).then(
        () => this.deps.onReverted?.({ ok: true }),
        (e: unknown) => this.deps.onReverted?.({ ok: false, error: (e as Error).message }),
      );
    }, this.deps.confirmWindowMs);
    this.pending = pending;
    return {
      deadlineMs,
      confirm: () => {
        if (this.pending !== pending) return;
        this.deps.clock.clearTimeout(pending.timer);
        this.pending = null;
      },
      revert: () => this.takeBack(pending),
    };
  }

  /** Drops a pending change's timer (the console is closing); the change is taken back first. */
  async stop(): Promise<void> {
    if (this.pending) await this.takeBack(this.pending);
  }

  private async takeBack(pending: { timer: unknown; previous: string | null }): Promise<void> {
    if (this.pending !== pending) return;
    this.deps.clock.clearTimeout(pending.timer);
    this.pending = null;
    await this.restore(pending.previous);
  }

  private async restore(previous: string | null): Promise<void> {
    if (previous === null) rmSync(this.file, { force: true });
    else writeFileAtomic(this.file, previous, NETWORK_FILE_MODE);
    await this.deps.apply(this.file);
  }
}
