// The skew rule's clock (B6): every minute each pool's members are judged over the last minute
// (pool-skew.ts); a member flagged at every judgement for the pool's skewMinutes raises a warning
// on its server through the alerting engine, naming the pool and why; it resolves at the first
// judgement that finds the member back in line, or when the member or its pool is gone. An alert
// restored at start stays open while its member is still flagged. A judgement that cannot read
// the series (rrdcached down) changes nothing.
import { repeatEvery, type Clock } from '../../../core/clock.js';
import type { Logger } from '../../../core/logger.js';
import { RateLimitedLog } from '../../../core/rate-limited-log.js';
import type { PoolSkewNotice, PoolSkewRef } from '../../alerting/alert-engine.js';
import type { PoolsFeature } from './pools-feature.js';

export const SKEW_CHECK_MS = 60_000;
/** the window of each judgement: the minute since the last */
export const SKEW_WINDOW_S = 60;

/** What the monitor raises and resolves (the AlertEngine). */
export interface PoolSkewAlerts {
  raisePoolSkew(notice: PoolSkewNotice): void;
  clearPoolSkew(ref: PoolSkewRef): void;
  openPoolSkews(): PoolSkewRef[];
}

export interface PoolSkewMonitorDeps {
  pools: PoolsFeature;
  alerts: PoolSkewAlerts;
  clock: Clock;
  logger: Logger;
}

const refKey = (r: PoolSkewRef): string => `${r.poolId}/${r.sourceId}/${r.agentId}`;

export class PoolSkewMonitor {
  /** since when (ms) each flagged member has been flagged without a break */
  private readonly flaggedSince = new Map<string, number>();
  private timer: { stop(): void } | null = null;
  private running: Promise<void> | null = null;
  private readonly failures = new RateLimitedLog(10 * 60_000);

  constructor(private readonly deps: PoolSkewMonitorDeps) {}

  start(): void {
    if (this.timer) return;
    // the first judgement a minute after start: the series hold that minute by then
    let first = true;
    this.timer = repeatEvery(this.deps.clock, SKEW_CHECK_MS, () => {
      if (first) {
        first = false;
        return;
      }
      void this.check();
    });
  }

  stop(): void {
    this.timer?.stop();
    this.timer = null;
  }

  /** One judgement of every pool (also what the timer runs); a judgement still running is not doubled. */
  check(): Promise<void> {
    this.running ??= this.judge().catch((e: unknown) => {
      this.failures.maybe(() => this.deps.logger.warn('could not judge the pools\' skew (further failures are not logged for 10 minutes)', { err: e }));
    }).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async judge(): Promise<void> {
    const { pools, alerts, clock } = this.deps;
    const toS = Math.floor(clock.now() / 1000);
    const flagged = new Map<string, PoolSkewNotice>();
    // every pool read before anything is raised or resolved: a read that fails changes nothing
    for (const pool of pools.list()) {
      for (const m of await pools.members(pool, toS - SKEW_WINDOW_S, toS)) {
        if (m.skew === null) continue;
        flagged.set(refKey({ poolId: pool.id, ...m }), { poolId: pool.id, pool: pool.name, sourceId: m.sourceId, agentId: m.agentId, reason: m.skew });
      }
    }
    const now = clock.now();
    for (const key of this.flaggedSince.keys()) if (!flagged.has(key)) this.flaggedSince.delete(key);
    const minutesOf = new Map(pools.list().map((p) => [p.id, p.skewMinutes]));
    for (const [key, notice] of flagged) {
      const since = this.flaggedSince.get(key) ?? now;
      this.flaggedSince.set(key, since);
      // flagged at the judgement `since` stands for the minute before it
      if (now - since + SKEW_CHECK_MS >= (minutesOf.get(notice.poolId) ?? 1) * 60_000) alerts.raisePoolSkew(notice);
    }
    for (const open of alerts.openPoolSkews()) if (!flagged.has(refKey(open))) alerts.clearPoolSkew(open);
  }
}
