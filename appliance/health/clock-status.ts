// The clock's line in health (D1): whether it is synchronised, and the last known time. The time
// service (clock-sync.ts) is asked at start and every minute; a system clock that was behind the
// last known time at start counts as unsynchronised until the time service says otherwise.
import type { ClockHealth } from '../../contract/api.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { readClockSync, type ClockSyncReading } from './clock-sync.js';

export const CLOCK_CHECK_EVERY_MS = 60_000;

export interface ClockStatusDeps {
  /** the appliance's clock (non-decreasing): the times it gives events */
  clock: Clock;
  lastKnownMs: number | null;
  behindAtStart: boolean;
  /** the time service; injectable for tests */
  readSync?: () => Promise<ClockSyncReading>;
  logger: Logger;
}

/** Whether a system clock at `nowMs` is behind the last known time. */
export function isBehind(nowMs: number, lastKnownMs: number | null): boolean {
  return lastKnownMs !== null && nowMs < lastKnownMs;
}

export class ClockStatus {
  private reading: ClockSyncReading = { synchronised: null, source: 'none' };
  private timer: unknown = null;
  private stopped = false;

  constructor(private readonly deps: ClockStatusDeps) {}

  /** Asks the time service once (awaited: the first health report has its answer), then every minute. */
  async start(): Promise<void> {
    await this.check();
  }

  stop(): void {
    this.stopped = true;
    this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  report(): ClockHealth {
    const { lastKnownMs, behindAtStart } = this.deps;
    const fromService = this.reading.synchronised !== null;
    return {
      synchronised: fromService ? this.reading.synchronised : behindAtStart ? false : null,
      source: fromService ? this.reading.source : behindAtStart ? 'last-known-time' : 'none',
      lastKnownMs,
      behindAtStart,
      nowMs: this.deps.clock.now(),
    };
  }

  private async check(): Promise<void> {
    const before = this.reading.synchronised;
    try {
      this.reading = await (this.deps.readSync ?? readClockSync)();
    } catch (e) {
      this.deps.logger.warn('could not ask the time service', { err: e });
    }
    if (this.reading.synchronised !== before && this.reading.synchronised !== null) {
      this.deps.logger.info(this.reading.synchronised ? 'the clock is synchronised' : 'the clock is not synchronised', { source: this.reading.source });
    }
    if (!this.stopped) this.timer = this.deps.clock.setTimeout(() => void this.check(), CLOCK_CHECK_EVERY_MS);
  }
}
