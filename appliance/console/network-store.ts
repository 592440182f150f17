// Changes the network settings with a confirm-or-revert window like a display-mode change (D5):
// the new file is installed and applied through a NetworkTarget, and unless the technician
// confirms within the window the previous file is installed and applied again, so a wrong address
// typed on the console cannot lock the box off the network. Two targets: here, the file written
// atomically in the data dir (core/private-files.ts) and the apply hook run (desktop, tests); on
// the board, a request to root (board-requests.ts), because the console's login may not write
// where systemd-networkd reads.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { isRwError, RwError } from '../../contract/errors.js';
import type { Clock } from '../../core/clock.js';
import { writeFileAtomic } from '../../core/private-files.js';
import { parseNetworkFile, renderNetworkFile, type NetworkSettings } from './network-settings.js';

/** sorts before Buildroot's `<iface>.network` (DHCP): networkd takes the first file that matches */
export const NETWORK_FILE_NAME = '10-rackwatch.network';
export const NETWORK_FILE = path.join('network', NETWORK_FILE_NAME);
/** systemd-networkd (its own user) must read it; it holds no secret */
export const NETWORK_FILE_MODE = 0o644;
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

/** Where the settings file is installed and applied. */
export interface NetworkTarget {
  /** the installed file, shown on the network screen */
  readonly file: string;
  /** its text; null when there is none */
  read(): string | null;
  /** installs `text` (null: no file, the image's default) and has it applied; rejects when it was not */
  install(text: string | null): Promise<void>;
}

/** The file (`<data-dir>/network/10-rackwatch.network` by default) written here, then the hook run with its path. */
export function localNetworkTarget(file: string, apply: ApplyHook): NetworkTarget {
  return {
    file,
    read: () => (existsSync(file) ? readFileSync(file, 'utf8') : null),
    install: async (text) => {
      if (text === null) rmSync(file, { force: true });
      else {
        mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
        writeFileAtomic(file, text, NETWORK_FILE_MODE);
      }
      await apply(file);
    },
  };
}

export interface NetworkStoreDeps {
  target: NetworkTarget;
  iface: string;
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

interface Pending {
  timer: unknown;
  previous: string | null;
  /** the taking back under way (the window's end or the technician's), which revert() waits for */
  restoring?: Promise<void>;
}

export class NetworkStore {
  private pending: Pending | null = null;

  constructor(private readonly deps: NetworkStoreDeps) {}

  get file(): string {
    return this.deps.target.file;
  }

  current(): NetworkSettings {
    const text = this.deps.target.read();
    return text === null ? { mode: 'dhcp' } : parseNetworkFile(text);
  }

  get hasPendingChange(): boolean {
    return this.pending !== null;
  }

  /** Writes and applies `settings`; a failed apply restores the previous file at once. */
  async change(settings: NetworkSettings): Promise<PendingChange> {
    if (this.pending) throw new RwError('RW_ERR_CONFLICT', 'a network change is waiting to be confirmed');
    const previous = this.deps.target.read();
    try {
      await this.deps.target.install(renderNetworkFile(this.deps.iface, settings));
    } catch (e) {
      // refused (RW_ERR_VALIDATION): nothing was installed, nothing to restore
      if (!isRwError(e, 'RW_ERR_VALIDATION')) await this.restore(previous);
      throw e;
    }
    const deadlineMs = this.deps.clock.now() + this.deps.confirmWindowMs;
    const pending: Pending = { previous, timer: null };
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

  /** Puts the previous file back once; a second call (the console's revert after the window's end) waits for the first. */
  private takeBack(pending: Pending): Promise<void> {
    if (pending.restoring) return pending.restoring;
    if (this.pending !== pending) return Promise.resolve();
    this.deps.clock.clearTimeout(pending.timer);
    this.pending = null;
    // on the board restoring is a request to root that takes a moment: "the previous settings
    // are back" must not be said before they are
    pending.restoring = this.restore(pending.previous);
    return pending.restoring;
  }

  private async restore(previous: string | null): Promise<void> {
    await this.deps.target.install(previous);
  }
}
