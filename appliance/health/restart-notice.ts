// After an unplanned restart (a crash, a watchdog kill, a power cut: D1, RES) the on-call
// contacts are texted that the appliance is back and how long it was down. Two files in the
// data dir tell the cases apart: `alive` is touched every minute while the appliance runs (its
// mtime is when it was last known up), `clean-shutdown` is written by a clean stop and removed
// at start. At start, no `clean-shutdown` but an `alive` means the last run ended unplanned.
import { existsSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repeatEvery, type Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';

const ALIVE_FILE = 'alive';
const CLEAN_FILE = 'clean-shutdown';
/** how often `alive` is touched: the down time is known to within this (one small write a minute) */
export const ALIVE_EVERY_MS = 60_000;

/**
 * At start: how long the appliance was down when its last run ended unplanned, else null
 * (a clean stop, or the first start ever). Clears the clean-shutdown marker for this run.
 */
export function unplannedDowntimeMs(dataDir: string, nowMs: number): number | null {
  const clean = path.join(dataDir, CLEAN_FILE);
  const alive = path.join(dataDir, ALIVE_FILE);
  if (existsSync(clean)) {
    rmSync(clean, { force: true });
    return null;
  }
  if (!existsSync(alive)) return null;
  return Math.max(0, nowMs - statSync(alive).mtimeMs);
}

/**
 * The restart SMS, per contact language. `downMs` null: the down time is unknown, because the
 * clock was found behind the last known time (D1: a board without a real-time clock restarted
 * with no time server yet), so it cannot say how long the power was off.
 */
export function restartText(host: string, downMs: number | null): { ko: string; en: string } {
  if (downMs === null) {
    return {
      en: `rackwatch ${host} restarted; down time unknown (clock not synchronised)`,
      ko: `rackwatch ${host} 재시작: 시계가 동기화되지 않아 중단 시간을 알 수 없습니다`,
    };
  }
  const minutes = Math.max(1, Math.round(downMs / 60_000));
  return {
    en: `rackwatch ${host} restarted after being down ${minutes} min`,
    ko: `rackwatch ${host} 재시작: ${minutes}분 동안 중단되었습니다`,
  };
}

/** Keeps `alive` fresh while running; `stop()` marks the stop clean. */
export class AliveMarker {
  private touching: { stop(): void } | null = null;

  constructor(private readonly deps: { dataDir: string; clock: Clock; logger: Logger }) {}

  start(): void {
    this.touching = repeatEvery(this.deps.clock, ALIVE_EVERY_MS, () => this.touch());
  }

  stop(): void {
    this.touching?.stop();
    this.touching = null;
    this.touch();
    writeFileSync(path.join(this.deps.dataDir, CLEAN_FILE), `${new Date(this.deps.clock.now()).toISOString()}\n`);
  }

  private touch(): void {
    const file = path.join(this.deps.dataDir, ALIVE_FILE);
    const t = new Date(this.deps.clock.now());
    try {
      if (existsSync(file)) utimesSync(file, t, t);
      else writeFileSync(file, '');
    } catch (e) {
      // a full or failing /data: the down time of a later restart is then only less precise
      this.deps.logger.warn('could not mark the appliance alive', { err: e, file });
    }
  }
}
