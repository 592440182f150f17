// The systemd watchdog (D1, RES): under a unit with Type=notify and WatchdogSec, systemd sets
// NOTIFY_SOCKET and WATCHDOG_USEC. The appliance says READY=1 once it serves, then WATCHDOG=1
// from its event loop every half interval, but only while rrdcached answers PING and SQLite a
// trivial query: a hung loop sends nothing (its timer never fires), a dead dependency makes the
// probe fail, and either way systemd kills and restarts the appliance after WatchdogSec.
//
// How the datagram gets out: sd_notify is a datagram to a unix socket, which Node cannot send
// (node:dgram is UDP only). The npm packages that can (unix-dgram, sd-notify) are native addons
// that would need one more cross-build for the board; `systemd-notify` is on every systemd
// system, Buildroot's included. It costs one fork+exec per ping (a ping every WatchdogSec/2, 15 s
// on the board), and as the sender is a child process the unit needs NotifyAccess=all. Since
// systemd 246 it waits (BARRIER=1) until systemd has read the message, so the message is
// attributed to the unit before the child exits.
import { execFile } from 'node:child_process';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';

/** What must answer for the appliance to count as alive. */
export interface WatchdogProbes {
  /** resolves when rrdcached answers within `timeoutMs` */
  rrdcached(timeoutMs: number): Promise<void>;
  /** throws when SQLite does not answer a trivial query */
  database(): void;
}

/** Sends one sd_notify state line ("READY=1", "WATCHDOG=1"). */
export type NotifySender = (state: string) => Promise<void>;

export interface SystemdWatchdogDeps {
  /** WATCHDOG_USEC / 1000 */
  intervalMs: number;
  probes: WatchdogProbes;
  send: NotifySender;
  clock: Clock;
  logger: Logger;
}

/**
 * The watchdog interval systemd asked for, in ms: null when the process is not under a
 * watchdog (no NOTIFY_SOCKET, no WATCHDOG_USEC, or WATCHDOG_PID naming another process).
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number): number | null {
  if (!env.NOTIFY_SOCKET) return null;
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isSafeInteger(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return null;
  return Math.max(1, Math.floor(usec / 1000));
}

/** sd_notify through `systemd-notify` (see the header); the socket is the one in NOTIFY_SOCKET. */
export function systemdNotifySender(env: NodeJS.ProcessEnv): NotifySender {
  return (state) => new Promise((resolve, reject) => {
    execFile('systemd-notify', [state], { env, timeout: 10_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`systemd-notify ${state} failed: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}

export class SystemdWatchdog {
  private timer: unknown = null;
  private running = false;
  private failing = false;

  constructor(private readonly deps: SystemdWatchdogDeps) {}

  /** Says READY=1 and starts pinging. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.deps.send('READY=1');
    this.deps.logger.info('systemd watchdog on', { intervalMs: this.deps.intervalMs });
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.tick().catch((e: unknown) => this.deps.logger.error('systemd watchdog tick failed', { err: e }));
    }, this.halfInterval());
  }

  private halfInterval(): number {
    return Math.max(1, Math.floor(this.deps.intervalMs / 2));
  }

  /** One round: both probes answer (each within half an interval), then WATCHDOG=1. */
  private async tick(): Promise<void> {
    try {
      this.deps.probes.database();
      await this.deps.probes.rrdcached(this.halfInterval());
    } catch (e) {
      if (!this.failing) this.deps.logger.error('not pinging the systemd watchdog: a dependency does not answer', { err: e });
      this.failing = true;
      this.schedule();
      return;
    }
    if (this.failing) this.deps.logger.info('dependencies answer again: pinging the systemd watchdog');
    this.failing = false;
    if (!this.running) return;
    try {
      await this.deps.send('WATCHDOG=1');
    } catch (e) {
      this.deps.logger.warn('could not ping the systemd watchdog', { err: e });
    }
    this.schedule();
  }
}
