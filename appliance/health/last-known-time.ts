// Time without a real-time clock (D1): the board has none, so after a power cut its clock starts
// wherever the boot left it (the board's clock-restore unit sets it forward to its own copy, saved
// every 10 minutes: buildroot/board/rackwatch/rootfs-overlay/usr/libexec/rackwatch/clock). The
// appliance keeps the last time it knew in its data dir, written every minute and at a clean stop,
// atomically (a power cut leaves the old value or the new one). At start, a system clock behind it
// means the clock is unsynchronised: health and the UI say so, and the times the appliance gives
// events do not go below it (core/clock.ts nonDecreasingClock).
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { repeatEvery, type Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { writeFileAtomic } from '../../core/private-files.js';

export const LAST_KNOWN_TIME_FILE = 'last-known-time';
/** how often the time is saved: after a power cut the restored floor is at most this old */
export const SAVE_EVERY_MS = 60_000;
/** RES: a longer file is not one the appliance wrote (docs/bounds.md) */
const MAX_FILE_BYTES = 64;

/** The last time the appliance stored, ms since the epoch; null when none (or unreadable: said in the log). */
export function readLastKnownTime(dataDir: string, logger?: Logger): number | null {
  const file = path.join(dataDir, LAST_KNOWN_TIME_FILE);
  let text: string;
  try {
    if (statSync(file).size > MAX_FILE_BYTES) throw new Error(`longer than ${MAX_FILE_BYTES} bytes`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') logger?.warn('the last known time is unreadable: ignored', { file, err: e });
    return null;
  }
  const ms = Date.parse(text.trim());
  if (Number.isNaN(ms)) {
    logger?.warn('the last known time is not a time: ignored', { file, text: text.slice(0, MAX_FILE_BYTES) });
    return null;
  }
  return ms;
}

/** Saves the clock's time every minute while running, and at stop. */
export class LastKnownTime {
  private saving: { stop(): void } | null = null;

  constructor(private readonly deps: { dataDir: string; clock: Clock; logger: Logger }) {}

  start(): void {
    this.saving = repeatEvery(this.deps.clock, SAVE_EVERY_MS, () => this.save());
  }

  stop(): void {
    this.saving?.stop();
    this.saving = null;
    this.save();
  }

  private save(): void {
    const file = path.join(this.deps.dataDir, LAST_KNOWN_TIME_FILE);
    try {
      writeFileAtomic(file, `${new Date(this.deps.clock.now()).toISOString()}\n`, 0o640);
    } catch (e) {
      // a full or failing /data: the floor after a power cut is then only older
      this.deps.logger.warn('could not save the last known time', { err: e, file });
    }
  }
}
