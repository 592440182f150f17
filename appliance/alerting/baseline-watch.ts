// B9's live evaluation: every BASELINE_TICK_MS the baseline rules' series (each enabled baseline
// rule × each server it covers) are read from rrdtool's Holt-Winters archives through rrdcached
// (baseline-reader.ts: the stored value, HWPREDICT, DEVPREDICT), judged in deviations
// (baseline-observations.ts) and handed to the engine (AlertEngine.onBaselinePoints), which does
// the rest as for any rule: the for-time, grades, hysteresis, the SMS through the outbox.
// The week is a second file per covered family at 300 s (baseline-archives.ts makes it, the store
// feeds it): its forecast is read with the daily one, and a step counts as unusual only outside
// both bands once the week has learnt (combineWeekly, docs/alerting.md "Baseline rules").
//
// Bounded work per tick (docs/bounds.md): at most `maxSeriesPerTick` series are read, taken in
// turn (a cursor goes round the list), and at most `maxConversionsPerTick` files get their
// archives added (baseline-archives.ts: a file rewrite each); a series is read from where the last
// read ended, at most BASELINE_LOOKBACK_S back. Only the covered families of the covered servers
// are read; with no baseline rule a tick costs a list of the rules.
import { BASELINE_METRICS, type BaselineMetricName, type Rule } from '../../contract/alerting.js';
import type { Family } from '../../contract/families.js';
import { repeatEvery, type Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { RateLimitedLog } from '../../core/rate-limited-log.js';
import type { ArchivesOutcome } from '../store/baseline-archives.js';
import { HW_MIN_STEP_S, HW_WEEK_SEASON_S, HW_WEEK_STEP_S, parseRrdFileName } from '../store/rrd-layout.js';
import type { BaselineFetcher } from './baseline-reader.js';
import { readBaselineRows } from './baseline-reader.js';
import { baselinePoints, combineWeekly, DEFAULT_LEARNING_S, WEEKLY_MATCH_STEPS, type BaselinePoint } from './rules/baseline-observations.js';

/** How often the archives are read: well inside the engine's 10 min staleness, a few steps of a 5 s series. */
export const BASELINE_TICK_MS = 30_000;
/** The most series (rule × server) read in one tick; the rest wait for the next (docs/bounds.md). */
export const BASELINE_MAX_SERIES_PER_TICK = 200;
/** The most files given their Holt-Winters archives in one tick: each is a rewrite of the file. */
export const BASELINE_MAX_CONVERSIONS_PER_TICK = 4;
/** A read never reaches further back than this (the first read of a series, or after an outage). */
export const BASELINE_LOOKBACK_S = 15 * 60;

export interface BaselineWatchDeps {
  engine: {
    baselineTargets(): { rule: Rule; agentId: string }[];
    onBaselinePoints(ruleId: string, agentId: string, points: readonly BaselinePoint[]): void;
  };
  store: BaselineFetcher & {
    /** an agent's RRD files, relative to the RRD directory */
    filesOf(agentId: string): Promise<string[]>;
  };
  archives: { ensure(agentId: string, rel: string, family: Family, step: number, mayConvert: boolean): Promise<ArchivesOutcome> };
  clock: Clock;
  logger: Logger;
  tickMs?: number;
  maxSeriesPerTick?: number;
  maxConversionsPerTick?: number;
}

export interface BaselineTickReport {
  read: number;
  converted: number;
  points: number;
  failed: number;
  /** series whose weekly season was read and had learnt (its band took part in the judging) */
  weekly: number;
}

export class BaselineWatch {
  private timer: { stop(): void } | null = null;
  private running: Promise<BaselineTickReport> | null = null;
  private cursor = 0;
  /** per series (rule, agent): the sample time (s) up to which its rows were judged */
  private readonly readTo = new Map<string, number>();
  private readonly failures = new RateLimitedLog(10 * 60_000);

  constructor(private readonly deps: BaselineWatchDeps) {}

  start(): void {
    if (this.timer) return;
    this.timer = repeatEvery(this.deps.clock, this.deps.tickMs ?? BASELINE_TICK_MS, () => void this.tick());
  }

  stop(): void {
    this.timer?.stop();
    this.timer = null;
  }

  /** One round (also what the timer runs); a round still running is not doubled. */
  tick(): Promise<BaselineTickReport> {
    this.running ??= this.round().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async round(): Promise<BaselineTickReport> {
    const report: BaselineTickReport = { read: 0, converted: 0, points: 0, failed: 0, weekly: 0 };
    const targets = this.deps.engine.baselineTargets();
    const live = new Set(targets.map((x) => seriesId(x.rule.id, x.agentId)));
    for (const k of [...this.readTo.keys()]) if (!live.has(k)) this.readTo.delete(k);
    if (targets.length === 0) return report;
    const maxSeries = Math.min(targets.length, this.deps.maxSeriesPerTick ?? BASELINE_MAX_SERIES_PER_TICK);
    const maxConversions = this.deps.maxConversionsPerTick ?? BASELINE_MAX_CONVERSIONS_PER_TICK;
    const nowS = Math.floor(this.deps.clock.now() / 1000);
    for (let n = 0; n < maxSeries; n++) {
      const target = targets[(this.cursor + n) % targets.length];
      if (!target || target.rule.metric.kind !== 'baseline') continue;
      const name = target.rule.metric.name;
      try {
        const points = await this.readSeries(target.rule, target.agentId, name, nowS, report, report.converted < maxConversions);
        if (points === null) continue;
        report.read++;
        report.points += points.length;
        this.deps.engine.onBaselinePoints(target.rule.id, target.agentId, points);
      } catch (e) {
        report.failed++;
        this.failures.maybe(() => this.deps.logger.warn('could not read a baseline rule\'s Holt-Winters archives (further failures are not logged for 10 minutes)', { rule: target.rule.id, agent: target.agentId, err: e }));
      }
    }
    this.cursor = (this.cursor + maxSeries) % targets.length;
    return report;
  }

  /** The judged steps of one series since its last read; null when it has no file with a forecast yet. */
  private async readSeries(rule: Rule, agentId: string, name: BaselineMetricName, nowS: number, report: BaselineTickReport, mayConvert: boolean): Promise<BaselinePoint[] | null> {
    const { family } = BASELINE_METRICS[name];
    const file = await currentBaselineFile(this.deps.store, agentId, family);
    if (!file) return null;
    // beyond the tick's rewrites, a file without the archives waits for a later tick
    const archives = await this.deps.archives.ensure(agentId, file.rel, family, file.step, mayConvert);
    if (archives.kind !== 'ready') return null;
    if (archives.converted) report.converted++;
    const id = seriesId(rule.id, agentId);
    const fromS = Math.max(this.readTo.get(id) ?? 0, nowS - BASELINE_LOOKBACK_S);
    if (fromS >= nowS) return [];
    const rows = await readBaselineRows(this.deps.store, file.rel, name, fromS, nowS);
    const learningS = rule.metric.kind === 'baseline' ? rule.metric.learningS ?? DEFAULT_LEARNING_S : DEFAULT_LEARNING_S;
    const daily = baselinePoints(name, rows, (archives.sinceS + learningS) * 1000);
    // the next read starts after the last step that had its forecast: the newest stored step
    // gets its forecast with the next update (baseline-reader.ts), so it is read again then
    const lastJudgeable = rows.filter((r) => r.observed !== null && r.predicted !== null).at(-1);
    // the weekly season (docs/alerting.md "Baseline rules"): read over the weekly steps that
    // contain the daily ones; it counts after two weeks (rrdtool sets its seasonal coefficients
    // at the end of the first, its deviations at the end of the second)
    const weeklyPoints = archives.weekly
      ? baselinePoints(name, await readBaselineRows(this.deps.store, archives.weekly.rel, name, fromS - (WEEKLY_MATCH_STEPS + 1) * HW_WEEK_STEP_S, nowS), (archives.weekly.sinceS + 2 * HW_WEEK_SEASON_S) * 1000)
      : [];
    const points = combineWeekly(daily, weeklyPoints, HW_WEEK_STEP_S);
    if (weeklyPoints.length > 0) report.weekly++;
    if (lastJudgeable) this.readTo.set(id, lastJudgeable.tMs / 1000);
    return points;
  }
}

/**
 * The file an agent writes a baseline family to: of its files at several steps (its interval
 * changed, S2), the finest step that may carry the forecast (HW_MIN_STEP_S).
 */
export async function currentBaselineFile(store: { filesOf(agentId: string): Promise<string[]> }, agentId: string, family: Family): Promise<{ rel: string; step: number } | null> {
  let best: { rel: string; step: number } | null = null;
  for (const rel of await store.filesOf(agentId)) {
    const p = parseRrdFileName(rel.slice(rel.lastIndexOf('/') + 1));
    if (!p || p.family !== family || p.key !== undefined || p.step < HW_MIN_STEP_S) continue;
    if (!best || p.step < best.step) best = { rel, step: p.step };
  }
  return best;
}

function seriesId(ruleId: string, agentId: string): string {
  return `${ruleId}\u0000${agentId}`;
}
