// B9: the Holt-Winters archives only where a baseline rule needs them. The store makes every file
// without them (on every server they cost +7.6 MB at 5 s, docs/storage.md); when a baseline rule
// covers a server's cpu or memory family, its file gets them added here: rewritten with
// `rrdtool create --source` (convertRrdFile, the retention change's own rewrite, rrdtool ≥ 1.7),
// which keeps every row of the consolidated archives and adds the five Holt-Winters archives
// empty. It runs inside the store's per-agent chain (RrdStore.exclusive: the agent's writes wait)
// after rrdcached has written what it holds of the file, so no cached update lands in the old file.
//
// The learning period counts from when the forecast began: the time of the rewrite, or for a file
// that already had the archives when first seen (made with them), its first stored value. Those
// times are kept in `rrd/baseline-archives.json` (written atomically), so a restart does not start
// the learning again nor take a just-converted file for an old one.
import { execFile } from 'node:child_process';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Family } from '../../contract/families.js';
import type { Logger } from '../../core/logger.js';
import { bytesForFile, bytesForWeeklyFile, dsDefs, hasHoltWinters, HW_WEEK_STEP_S, weeklyFileName, weeklyRraDefs, type RetentionProfile } from './rrd-layout.js';
import { convertRrdFile } from './retention-change.js';
import type { FetchCf, FetchResult } from './rrdcached-client.js';
import { syncFile } from './rrd-templates.js';

export const BASELINE_ARCHIVES_FILE = 'baseline-archives.json';

export interface BaselineArchivesDeps {
  rrdDir: string;
  /** the retention profile files are made with now (a retention change may switch it) */
  profile: () => RetentionProfile;
  store: {
    /** runs work while none of the agent's writes do */
    exclusive<T>(agentId: string, work: () => Promise<T>): Promise<T>;
    /** rrdcached writes what it holds of the file */
    flushFile(rel: string): Promise<void>;
    fetchFile(rel: string, cf: FetchCf, fromS: number, toS: number): Promise<FetchResult>;
    /** from now on, every update stored to `rel` is also sent to `weeklyRel` (rrd-store.ts) */
    feedWeekly(rel: string, weeklyRel: string): void;
  };
  /** how far back a file's first value is looked for (the retention's span) */
  spanS: () => number;
  nowS: () => number;
  logger: Logger;
  rrdtool?: string;
}

/** What ensure() found or did. */
export type ArchivesOutcome =
  /** the file carries the forecast, learnt since `sinceS` (unix s) */
  | { kind: 'ready'; sinceS: number; converted: boolean; weekly: WeeklyFile | null }
  /** no forecast for this file: its profile or step has none (rrd-layout.ts hasHoltWinters) */
  | { kind: 'unsupported' }
  /** the file needs a rewrite and `mayConvert` was false (the caller's budget is spent) */
  | { kind: 'deferred' };

/** The family's weekly file (rrd-layout.ts weeklyFileName), fed since `sinceS` (unix s). */
export interface WeeklyFile {
  rel: string;
  sinceS: number;
}

const run = promisify(execFile);

export class BaselineArchives {
  private since: Map<string, number> | null = null;

  constructor(private readonly deps: BaselineArchivesDeps) {}

  /** Makes sure `rel` (`<agentId>/cpu.5s.rrd`) has the Holt-Winters archives, adding them if needed. */
  async ensure(agentId: string, rel: string, family: Family, step: number, mayConvert = true): Promise<ArchivesOutcome> {
    const profile = this.deps.profile();
    if (!hasHoltWinters(family, profile, step)) return { kind: 'unsupported' };
    const since = await this.records();
    const withForecast = bytesForFile(family, step, profile, true);
    const size = (await stat(path.join(this.deps.rrdDir, rel))).size;
    if (size === withForecast) {
      const known = since.get(rel);
      if (known !== undefined) return { kind: 'ready', sinceS: known, converted: false, weekly: await this.weekly(agentId, rel, family) };
      const first = await this.firstValueS(rel);
      await this.record(rel, first);
      return { kind: 'ready', sinceS: first, converted: false, weekly: await this.weekly(agentId, rel, family) };
    }
    if (!mayConvert) return { kind: 'deferred' };
    await this.deps.store.exclusive(agentId, async () => {
      await this.deps.store.flushFile(rel);
      await convertRrdFile(this.deps.rrdDir, rel, profile, this.deps.rrdtool, true);
    });
    const now = this.deps.nowS();
    await this.record(rel, now);
    this.deps.logger.info('added the Holt-Winters archives a baseline rule needs', { file: rel, bytes: withForecast - size });
    return { kind: 'ready', sinceS: now, converted: true, weekly: await this.weekly(agentId, rel, family) };
  }

  /**
   * The family's weekly season (B9): its small file at 300 s, made when missing (with `rrdtool
   * create`, as convertRrdFile rewrites), and fed from now on with the family's updates. A file
   * that cannot be made leaves the rule on the daily season alone (logged); the next tick tries again.
   */
  private async weekly(agentId: string, rel: string, family: Family): Promise<WeeklyFile | null> {
    const weeklyRel = weeklyFileName(agentId, family);
    const file = path.join(this.deps.rrdDir, weeklyRel);
    try {
      const known = (await this.records()).get(weeklyRel);
      const size = await stat(file).then((s) => s.size, () => null);
      let sinceS = known;
      if (size !== bytesForWeeklyFile(family)) {
        const now = this.deps.nowS();
        await run(this.deps.rrdtool ?? 'rrdtool', ['create', file, '--step', String(HW_WEEK_STEP_S), '--start', String(now - HW_WEEK_STEP_S),
          ...dsDefs(family, HW_WEEK_STEP_S), ...weeklyRraDefs(family)], { timeout: 60_000 });
        await syncFile(file);
        await syncFile(path.dirname(file));
        sinceS = now;
        await this.record(weeklyRel, now);
        this.deps.logger.info('made the weekly Holt-Winters file a baseline rule needs', { file: weeklyRel, bytes: bytesForWeeklyFile(family) });
      } else if (sinceS === undefined) {
        // made before this record (or the record was lost): learning counts from now, the safe side
        sinceS = this.deps.nowS();
        await this.record(weeklyRel, sinceS);
      }
      this.deps.store.feedWeekly(rel, weeklyRel);
      return { rel: weeklyRel, sinceS };
    } catch (e) {
      this.deps.logger.warn('could not make the weekly Holt-Winters file: the rule judges against the daily season alone', { file: weeklyRel, err: e });
      return null;
    }
  }

  /** Since when the file's forecast learns (unix s), as recorded; null when no baseline rule has read it yet. */
  async sinceOf(rel: string): Promise<number | null> {
    return (await this.records()).get(rel) ?? null;
  }

  /** The time of a file's first stored value (its coarsest archive answers for the whole span), or now when it has none. */
  private async firstValueS(rel: string): Promise<number> {
    const now = this.deps.nowS();
    const r = await this.deps.store.fetchFile(rel, 'AVERAGE', now - this.deps.spanS(), now);
    for (const row of r.rows) if (row.values.some((v) => v !== null)) return row.t - r.step;
    return now;
  }

  private async records(): Promise<Map<string, number>> {
    if (this.since) return this.since;
    const out = new Map<string, number>();
    try {
      const parsed = JSON.parse(await readFile(path.join(this.deps.rrdDir, BASELINE_ARCHIVES_FILE), 'utf8')) as { since?: Record<string, unknown> };
      for (const [file, s] of Object.entries(parsed.since ?? {})) if (typeof s === 'number' && Number.isSafeInteger(s)) out.set(file, s);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.deps.logger.warn(`${BASELINE_ARCHIVES_FILE} is unreadable: the learning periods count from the files' first values`, { err: e });
    }
    this.since = out;
    return out;
  }

  private async record(rel: string, sinceS: number): Promise<void> {
    const since = await this.records();
    since.set(rel, sinceS);
    const file = path.join(this.deps.rrdDir, BASELINE_ARCHIVES_FILE);
    const tmp = `${file}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ since: Object.fromEntries(since) })}\n`, { mode: 0o644 });
    await syncFile(tmp);
    await rename(tmp, file);
  }
}
