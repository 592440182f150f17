// The appliance's time-series store: one RRD file per agent, family, key and step, written and
// read through a supervised rrdcached (docs/storage.md). write() resolves only when rrdcached
// has acknowledged every update AND the store's own sample journal has them on disk (fdatasync),
// which is what the broker's backpressure waits on: what it acknowledges is never lost, not when
// rrdcached is killed, not in a power cut (sample-journal.ts, docs/storage.md "Power cut").
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { SeriesResponse } from '../../contract/api.js';
import { isRwError, RwError } from '../../contract/errors.js';
import { FAMILIES, familyFields, METRICS_LIMITS, type Family, type Sample } from '../../contract/metrics.js';
import { nowSeconds, type Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import {
  archives, bytesPerServer, dsDefs, isValidAgentId, parseRrdFileName, rraDefs, rrdFileName,
  type ConsolidationFn, type RetentionProfile,
  HEARTBEAT_STEPS,
} from './rrd-layout.js';
import {
  isNoSuchFile, isStaleUpdate, parseUpdateLine, updateLine, type FetchCf, type FetchResult, type RrdcachedClient, type UpdateCommand,
} from './rrdcached-client.js';
import { RrdcachedSupervisor, withTimeout, type BackoffOptions, type RrdcachedHealth } from './rrdcached-supervisor.js';
import { RrdTemplates, syncFile, TEMPLATE_DIR } from './rrd-templates.js';
import { SampleJournal, syncFilesystemOf, type SampleJournalStats } from './sample-journal.js';
import { alignColumns, mergeSeriesParts, type SeriesPart } from './series-merge.js';
import { fetchStart } from './series-archive.js';
import { joinTail, tailStart } from './series-tail.js';
import type { SeriesQuota } from './series-quota.js';

export interface RrdStoreDeps {
  dataDir: string;
  profile: RetentionProfile;
  clock: Clock;
  logger: Logger;
  /** rrdcached executable; default `rrdcached` from PATH */
  rrdcachedBinary?: string;
  /** rrdcached -w, seconds; default 300 (see RrdcachedSupervisorDeps) */
  writeIntervalS?: number;
  /** how long write() and series() wait for a restarting rrdcached before RW_ERR_RRDCACHED_DOWN; default 30 s */
  downWaitMs?: number;
  /** told the size of each RRD file the store copies from a template (the storage capacity counts it) */
  onFileCreated?: (bytes: number) => void;
  /**
   * 'off' acknowledges what rrdcached took without journaling it first: a power cut then loses
   * minutes of acknowledged samples. Only for a benchmark's baseline or a box whose data directory
   * is tmpfs anyway (`--sample-journal off`). Default 'on'.
   */
  sampleJournal?: 'on' | 'off';
  /** see SampleJournalDeps */
  journalCommitDelayMs?: number;
  journalSegmentMs?: number;
  journalMaxBytes?: number;
  /** added to rrdcached's -w + -z + -f before a journal segment may go: its write queue's lag; default 120 s */
  journalKeepMarginMs?: number;
  /** rrdcached -f, seconds (see RrdcachedSupervisorDeps) */
  flushIntervalS?: number;
  backoff?: BackoffOptions;
  /** see RrdcachedSupervisorDeps */
  hangTimeoutMs?: number;
  watchdogIntervalMs?: number;
  unansweredMs?: number;
  onAnswering?: (answering: boolean) => void;
  /** RES: a series read (one FETCH) answered by then or refused with RW_ERR_RRDCACHED_DOWN; default SERIES_READ_TIMEOUT_MS */
  readTimeoutMs?: number;
  /** decides whether a new file fits its agent's quota (RES); none: no quota */
  seriesQuota?: SeriesQuota;
  /**
   * told, after each write, the samples rrdcached acknowledged (stored) of the directory (agent id,
   * or a check's or web log's), each series in time order; never the refused ones (S19: only what
   * was stored is forwarded). Also after a write that ends in RW_ERR_RRDCACHED_DOWN, for what it stored.
   */
  onStored?: (dir: string, samples: Sample[]) => void;
}

/** RES: a FETCH of a hung rrdcached is given up after this (503 RW_ERR_RRDCACHED_DOWN) instead of hanging the request. */
export const SERIES_READ_TIMEOUT_MS = 10_000;

/** One consolidation function's rows of a series (RrdStore.consolidated). */
export interface ConsolidatedRows {
  cf: ConsolidationFn;
  /** seconds per row: the coarsest archive row width that contributed */
  step: number;
  /** every file answered from its raw archive (one sample per row) */
  raw: boolean;
  /** in time order, columns in the family's field order */
  rows: FetchResult['rows'];
}

export interface WriteResult {
  updated: number;
  rejected: number;
}

export interface RrdStoreCounters {
  /** updates rrdcached acknowledged */
  rrdUpdates: number;
  /** samples write() reported as rejected: refused by rrdcached (older than the file's last) or not storable */
  rrdUpdateErrors: number;
}

const DEFAULT_DOWN_WAIT_MS = 30_000;
/**
 * rrdcached's write queue can lag behind its -w + -z + -f schedule when the disk is slow: a
 * journal segment is kept this much longer (docs/storage.md "Power cut").
 */
const DEFAULT_JOURNAL_KEEP_MARGIN_MS = 120_000;
/** updates re-sent to rrdcached per BATCH when the journal is replayed */
const REPLAY_CHUNK = 5_000;

export interface ReplayOutcome {
  /** updates rrdcached took */
  restored: number;
  /** refused as not newer than the file's last update: it had them already */
  duplicates: number;
  /** refused otherwise (the file was removed since) */
  failed: number;
}

/**
 * What the store knows of one RRD file: one object per file, reached through its agent's series
 * on the hot path (a small map per agent) rather than through maps of all files (120,000 entries
 * at 10,000 agents, where each lookup was a few cache misses, 24,000 times a second).
 */
interface FileState {
  readonly file: string;
  /** true: known to exist; a promise: being created; undefined: not known (not seen yet, or vanished) */
  made: Promise<void> | true | undefined;
  /** newest t acknowledged, to tell a re-sent duplicate from a genuinely old sample */
  lastAcked: number | undefined;
}

/** an update on its way to rrdcached, and what happened to it so far */
interface PendingUpdate {
  update: UpdateCommand;
  state: FileState;
  /** an unknown value one step before a sample after a long gap (see withGapBridges), not a sample */
  bridge: boolean;
  /** sent again after rrdcached went away unanswered */
  resent: boolean;
  /** its file was created again after it vanished */
  recreated: boolean;
}

interface FileBatch {
  state: FileState;
  family: Family;
  step: number;
  updates: UpdateCommand[];
}

export class RrdStore {
  readonly counters: RrdStoreCounters = { rrdUpdates: 0, rrdUpdateErrors: 0 };
  private supervisor: RrdcachedSupervisor | null = null;
  private readonly log: Logger;
  /** agent → series (family, step, key) → its file, one state per file: CREATE once per file per process */
  private readonly fileStatesByAgent = new Map<string, Map<string, FileState>>();
  /** per agent: writes of one agent run one after the other so their timestamps stay in order */
  private readonly agentChains = new Map<string, Promise<void>>();
  private journal: SampleJournal | null = null;
  /** B9's weekly season: a covered family's file → its weekly file, sent the same updates (feedWeekly) */
  private readonly weeklyOf = new Map<string, string>();
  private readonly downWaitMs: number;
  private readonly templates: RrdTemplates;
  /** the archives of files made from now on; changed over HTTP by a retention change (retention-change.ts) */
  private profile: RetentionProfile;

  constructor(private readonly deps: RrdStoreDeps) {
    this.log = deps.logger.child('rrd-store');
    this.profile = deps.profile;
    this.downWaitMs = deps.downWaitMs ?? DEFAULT_DOWN_WAIT_MS;
    this.templates = new RrdTemplates({
      rrdDir: this.rrdDir,
      nowS: () => Math.floor(deps.clock.now() / 1000),
      profile: () => this.profile,
      create: (file, family, step, startS) => this.createFile(file, family, step, startS, new Deadline(deps.clock, this.downWaitMs)),
    });
  }

  get rrdDir(): string {
    return path.join(this.deps.dataDir, 'rrd');
  }

  async start(): Promise<void> {
    if (this.supervisor) throw new RwError('RW_ERR_INTERNAL', 'RRD store already started');
    await this.templates.clean();
    const supervisor = new RrdcachedSupervisor({
      dataDir: this.deps.dataDir,
      clock: this.deps.clock,
      logger: this.deps.logger,
      // the journal's records go to every new daemon before any writer's updates do
      onConnected: (client) => this.replayJournal(client).then(() => undefined),
      ...(this.deps.rrdcachedBinary !== undefined ? { binary: this.deps.rrdcachedBinary } : {}),
      ...(this.deps.writeIntervalS !== undefined ? { writeIntervalS: this.deps.writeIntervalS } : {}),
      ...(this.deps.flushIntervalS !== undefined ? { flushIntervalS: this.deps.flushIntervalS } : {}),
      ...(this.deps.backoff !== undefined ? { backoff: this.deps.backoff } : {}),
      ...(this.deps.hangTimeoutMs !== undefined ? { hangTimeoutMs: this.deps.hangTimeoutMs } : {}),
      ...(this.deps.watchdogIntervalMs !== undefined ? { watchdogIntervalMs: this.deps.watchdogIntervalMs } : {}),
      ...(this.deps.unansweredMs !== undefined ? { unansweredMs: this.deps.unansweredMs } : {}),
      ...(this.deps.onAnswering !== undefined ? { onAnswering: this.deps.onAnswering } : {}),
    });
    if (this.deps.sampleJournal !== 'off') {
      const journal = new SampleJournal({
        dir: path.join(this.deps.dataDir, 'sample-journal'),
        clock: this.deps.clock,
        logger: this.deps.logger,
        keepMs: supervisor.maxUnwrittenS * 1000 + (this.deps.journalKeepMarginMs ?? DEFAULT_JOURNAL_KEEP_MARGIN_MS),
        syncData: () => syncFilesystemOf(this.rrdDir),
        ...(this.deps.journalCommitDelayMs !== undefined ? { commitDelayMs: this.deps.journalCommitDelayMs } : {}),
        ...(this.deps.journalSegmentMs !== undefined ? { segmentMs: this.deps.journalSegmentMs } : {}),
        ...(this.deps.journalMaxBytes !== undefined ? { maxBytes: this.deps.journalMaxBytes } : {}),
      });
      await journal.open();
      this.journal = journal;
    }
    this.supervisor = supervisor;
    try {
      await supervisor.start();
    } catch (e) {
      this.supervisor = null;
      await this.journal?.close({ rrdFilesComplete: false });
      this.journal = null;
      throw e;
    }
  }

  /**
   * Stops rrdcached (it writes every pending update first). Writes still waiting reject with
   * RW_ERR_RRDCACHED_DOWN. When rrdcached stopped cleanly, the data filesystem is synced and the
   * sample journal emptied: the next start has nothing to re-send.
   */
  async stop(): Promise<void> {
    const supervisor = this.supervisor;
    this.supervisor = null;
    const clean = (await supervisor?.stop()) ?? false;
    const journal = this.journal;
    this.journal = null;
    await journal?.close({ rrdFilesComplete: clean });
  }

  /** The sample journal's size and commits; null when it is off. */
  journalStats(): SampleJournalStats | null {
    return this.journal?.stats() ?? null;
  }

  /** Resolves when rrdcached answers PING within `timeoutMs`; rejects otherwise (the systemd watchdog's probe, D1). */
  async ping(timeoutMs: number): Promise<void> {
    const deadline = new Deadline(this.deps.clock, timeoutMs);
    const client = await this.waitUp(deadline);
    let timer: unknown = null;
    const late = new Promise<never>((_, reject) => {
      timer = this.deps.clock.setTimeout(() => reject(new RwError('RW_ERR_RRDCACHED_DOWN', `rrdcached did not answer PING within ${timeoutMs} ms`)), deadline.remainingMs());
    });
    try {
      await Promise.race([client.ping(), late]);
    } finally {
      this.deps.clock.clearTimeout(timer);
    }
  }

  health(): RrdcachedHealth {
    return this.supervisor?.health() ?? { ok: false, restarts: 0, pid: null };
  }

  /** Bytes the RRD files of one nominal server take at this step (rrd-layout.ts NOMINAL_SERVER). */
  bytesPerServer(step: number): number {
    return bytesPerServer(step, this.profile);
  }

  /**
   * Stores samples of one agent at its collector interval (the RRD step; a sample's own `i`
   * overrides the batch's). Creates files on first use. Resolves when rrdcached has
   * acknowledged (journaled) every update. A sample not newer than its file's last update is
   * refused by rrdcached and counted in `rejected`, as is a sample that cannot be stored (a key
   * too long for a file name). Rejects with
   * RW_ERR_RRDCACHED_DOWN if rrdcached stays down longer than downWaitMs; the caller then
   * withholds its acknowledgement and the sample comes again.
   */
  write(agentId: string, intervalS: number, samples: readonly Sample[]): Promise<WriteResult> {
    return this.inAgentChain(agentId, () => this.writeNow(agentId, intervalS, samples));
  }

  /**
   * Runs `work` while none of the agent's writes does: those that came before have been
   * acknowledged by rrdcached, those that come meanwhile wait (a retention change rewrites the
   * agent's files then, retention-change.ts).
   */
  exclusive<T>(agentId: string, work: () => Promise<T>): Promise<T> {
    return this.inAgentChain(agentId, work);
  }

  /**
   * From now on every update stored to `file` is also sent to `weeklyFile` (B9, baseline-archives.ts:
   * only the families a baseline rule covers). rrdtool consolidates the 5 s updates into the weekly
   * file's 300 s primary points. Not journaled: a weekly file may miss what a crash of rrdcached
   * loses, which the Holt-Winters archives take as unknown steps.
   */
  feedWeekly(file: string, weeklyFile: string): void {
    this.weeklyOf.set(file, weeklyFile);
  }

  /** Sends the stored updates of covered files to their weekly files; a refusal (an older time) is dropped. */
  private async sendWeekly(updates: readonly UpdateCommand[]): Promise<void> {
    const weekly: UpdateCommand[] = [];
    for (const u of updates) {
      const w = this.weeklyOf.get(u.file);
      if (w !== undefined) weekly.push({ ...u, file: w });
    }
    if (weekly.length === 0) return;
    try {
      const client = await this.waitUp(new Deadline(this.deps.clock, this.downWaitMs));
      const refused = (await client.updateMany(weekly)).filter((o) => !o.ok).length;
      if (refused > 0) this.log.debug('weekly updates refused', { refused, sent: weekly.length });
    } catch (e) {
      this.log.debug('weekly updates not sent', { sent: weekly.length, error: e });
    }
  }

  /** Files made from now on get this profile's archives (a retention change, S4). */
  setProfile(profile: RetentionProfile): void {
    this.profile = profile;
  }

  /** rrdcached writes what it holds of one file (relative to the RRD directory) to it. */
  async flushFile(file: string): Promise<void> {
    const client = await this.waitUp(new Deadline(this.deps.clock, this.downWaitMs));
    await client.flush(file);
  }

  /** Runs `work` after the agent's writes (and removals) that came before it. */
  private inAgentChain<T>(agentId: string, work: () => Promise<T>): Promise<T> {
    const prev = this.agentChains.get(agentId);
    const run = prev ? prev.then(work) : work();
    const settled = run.then(() => undefined, () => undefined);
    this.agentChains.set(agentId, settled);
    void settled.then(() => {
      if (this.agentChains.get(agentId) === settled) this.agentChains.delete(agentId);
    });
    return run;
  }

  private async writeNow(agentId: string, intervalS: number, samples: readonly Sample[]): Promise<WriteResult> {
    if (!validInterval(intervalS)) {
      throw new RwError('RW_ERR_BAD_REQUEST', `interval ${intervalS} s is outside ${METRICS_LIMITS.minIntervalS}…${METRICS_LIMITS.maxIntervalS}`);
    }
    if (!isValidAgentId(agentId)) throw new RwError('RW_ERR_BAD_REQUEST', `agent id ${JSON.stringify(agentId)} cannot name an RRD directory`);
    // at its bound the journal takes nothing more: nothing is sent, nothing acknowledged
    await this.journal?.room();
    const result: WriteResult = { updated: 0, rejected: 0 };
    // which sample an update is, for onStored (only when someone listens: no cost otherwise)
    const sampleOf = this.deps.onStored ? new Map<UpdateCommand, Sample>() : null;
    const storedSamples: Sample[] = [];
    // counted as they happen: a write that ends in RW_ERR_RRDCACHED_DOWN has still stored some
    // covered files' stored updates, for their weekly files (B9; empty unless a baseline rule covers one)
    const toWeekly: UpdateCommand[] = [];
    const stored = (state: FileState, update: UpdateCommand): void => {
      this.acknowledged(state, update);
      if (this.weeklyOf.size > 0 && this.weeklyOf.has(update.file)) toWeekly.push(update);
      result.updated++;
      this.counters.rrdUpdates++;
      const sample = sampleOf?.get(update);
      if (sample) storedSamples.push(sample);
    };
    const refused = (): void => {
      result.rejected++;
      this.counters.rrdUpdateErrors++;
    };
    const batches = new Map<FileState, FileBatch>();
    for (const s of samples) {
      // a sample of a collector with its own interval (S2) carries it; its file has that step
      const step = s.i ?? intervalS;
      let state: FileState;
      try {
        if (!validInterval(step)) throw new RwError('RW_ERR_BAD_REQUEST', `interval ${step} s is outside ${METRICS_LIMITS.minIntervalS}…${METRICS_LIMITS.maxIntervalS}`);
        state = this.fileOf(agentId, s.f, s.k, step);
      } catch (e) {
        this.log.warn('sample cannot be stored', { agentId, family: s.f, error: e });
        refused();
        continue;
      }
      let batch = batches.get(state);
      if (!batch) {
        batch = { state, family: s.f, step, updates: [] };
        batches.set(state, batch);
      }
      const update = { file: state.file, t: s.t, values: familyFields(s.f).map((f) => s.v[f] ?? null) };
      batch.updates.push(update);
      sampleOf?.set(update, s);
    }
    // rrdcached refuses an update older than the previous one of the same file: send each
    // file's updates oldest first, whatever order the batch had
    for (const b of batches.values()) b.updates.sort((x, y) => x.t - y.t);
    // samples that would make a file beyond the agent's quota are refused (series-quota.ts)
    const overQuota = this.overQuota(agentId, batches);
    if (overQuota) {
      for (const b of await overQuota) {
        batches.delete(b.state);
        this.fileStatesByAgent.get(agentId)?.forEach((state, id, series) => { if (state === b.state) series.delete(id); });
        for (const _ of b.updates) refused();
      }
    }

    const deadline = new Deadline(this.deps.clock, this.downWaitMs);
    // almost always every file exists already: then nothing is awaited (a promise per file per
    // batch was a measurable share of the work at 24,000 updates/s)
    let creating: Promise<void>[] | null = null;
    for (const b of batches.values()) {
      const made = this.ensureFile(b, deadline);
      if (made !== true) (creating ??= []).push(made);
    }
    if (creating) await Promise.all(creating);

    const todo: PendingUpdate[] = [];
    for (const b of batches.values()) withGapBridges(b, todo);
    try {
      await this.sendUpdates(todo, deadline, stored, refused);
    } finally {
      if (storedSamples.length > 0) this.deps.onStored?.(agentId, storedSamples);
    }
    if (toWeekly.length > 0) await this.sendWeekly(toWeekly);
    if (result.rejected > 0) this.log.debug('samples rejected', { agentId, rejected: result.rejected, updated: result.updated });
    return result;
  }

  /** Sends the updates (journal and rrdcached together) until each is stored or refused. */
  private async sendUpdates(pending: PendingUpdate[], deadline: Deadline, stored: (state: FileState, update: UpdateCommand) => void, refused: () => void): Promise<void> {
    let todo = pending;
    // durable in the journal and taken by rrdcached, in parallel; only both together acknowledge
    let journaled: Promise<void> | undefined;
    while (todo.length > 0) {
      const client = await this.waitUp(deadline);
      let lines: (string | undefined)[] | undefined;
      // appended once, after the daemon is up: a replay (onConnected) then sees it or is before it
      if (journaled === undefined && this.journal) {
        lines = journalLines(todo);
        journaled = this.journal.append((lines.includes(undefined) ? lines.filter((l) => l !== undefined) : lines).join('\n'));
      }
      const outcomes = await client.updateMany(todo.map((x) => x.update), lines);
      const again: typeof todo = [];
      for (const [i, outcome] of outcomes.entries()) {
        const item = todo[i];
        if (!item) continue;
        const { update, state } = item;
        if (item.bridge) {
          // a bridge is no sample: not counted; if it failed, the value after it is merely unknown
          if (outcome.ok) this.acknowledged(state, update);
        } else if (outcome.ok) {
          stored(state, update);
        } else if (isRwError(outcome.error, 'RW_ERR_RRDCACHED_DOWN')) {
          // sent, unanswered: rrdcached may or may not have journaled it before it went away
          again.push({ ...item, resent: true });
        } else if (isStaleUpdate(outcome.error)) {
          // A re-sent update refused as stale although it is newer than anything acknowledged
          // for its file can only have been taken by the daemon that died: it is stored.
          if (item.resent && update.t > (state.lastAcked ?? -Infinity)) stored(state, update);
          else refused();
        } else if (isNoSuchFile(outcome.error) && !item.recreated) {
          // the file was removed behind our back: create it again once
          state.made = undefined;
          const parsed = parseRrdFileName(path.basename(update.file));
          if (!parsed) {
            refused();
            continue;
          }
          await this.ensureFile({ state, family: parsed.family, step: parsed.step, updates: [update] }, deadline);
          again.push({ ...item, recreated: true });
        } else {
          this.log.warn('rrdcached refused an update', { file: update.file, t: update.t, error: outcome.error });
          refused();
        }
      }
      todo = again;
    }
    await journaled;
  }

  /** The batches for files not known to exist that the quota refuses; null (nothing awaited) when every file is known. */
  private overQuota(agentId: string, batches: Map<FileState, FileBatch>): Promise<FileBatch[]> | null {
    const quota = this.deps.seriesQuota;
    if (!quota) return null;
    let unknown: FileBatch[] | null = null;
    for (const b of batches.values()) if (b.state.made === undefined) (unknown ??= []).push(b);
    if (!unknown) return null;
    const candidates = unknown;
    return quota.beyondQuota(agentId, candidates.map((b) => ({ file: b.state.file, samples: b.updates.length })))
      .then((refused) => candidates.filter((b) => refused.has(b.state.file)));
  }

  /**
   * The file of a series of an agent, remembered per agent: its name is built (rrdFileName) once,
   * not per sample. A series id names one file (the name is made of the same parts).
   */
  private fileOf(agentId: string, family: Family, key: string | undefined, step: number): FileState {
    let series = this.fileStatesByAgent.get(agentId);
    if (!series) {
      series = new Map();
      this.fileStatesByAgent.set(agentId, series);
    }
    const id = key === undefined ? `${family}@${step}` : `${family}@${step}/${key}`;
    let state = series.get(id);
    if (state === undefined) {
      state = { file: rrdFileName(agentId, family, key, step), made: undefined, lastAcked: undefined };
      series.set(id, state);
    }
    return state;
  }

  /** true when the file is known to exist; otherwise a promise of its creation */
  private ensureFile(batch: FileBatch, deadline: Deadline): Promise<void> | true {
    const { state, step } = batch;
    const known = state.made;
    if (known !== undefined) return known;
    const file = state.file;
    const first = batch.updates[0]?.t ?? Math.floor(this.deps.clock.now() / 1000);
    // A GAUGE value covers the interval that ends at its timestamp. Starting the file a whole
    // step before the first sample lets that sample fill its interval; with `first - 1` the
    // interval would be mostly before the file's start, and rrdtool would store the first
    // sample as unknown.
    // the usual case, a sample of these days, gets a copy of the family's template; a sample
    // older than the template (a test's fixed clock) a file created for it
    const made = first > this.templates.oldestAllowedStart(step)
      ? this.templates.copyTo(file, batch.family, step, first).then((outcome) => {
        // a fresh copy's last update is the template's: the first sample needs its gap bridge
        if (outcome.created) {
          state.lastAcked = outcome.lastUpdate;
          this.deps.onFileCreated?.(outcome.bytes);
        }
      })
      : this.createFile(file, batch.family, step, first - step, deadline);
    const p: Promise<void> = made.then(() => {
      if (state.made === p) state.made = true;
    }, (e: unknown) => {
      if (state.made === p) state.made = undefined; // not created: the next write tries again
      throw e;
    });
    state.made = p;
    return p;
  }

  private async createFile(file: string, family: Family, step: number, startS: number, deadline: Deadline): Promise<void> {
    for (;;) {
      const client = await this.waitUp(deadline);
      try {
        const r = await client.create(file, step, startS, dsDefs(family, step), rraDefs(step, this.profile, family));
        if (r === 'created') {
          this.log.info('created RRD file', { file, step, profile: this.profile });
          // rrdcached never syncs what it creates; an agent's file must survive a power cut (a
          // template is only ever copied, and its copies are synced: rrd-templates.ts)
          if (!file.startsWith(`${TEMPLATE_DIR}/`)) {
            await syncFile(path.join(this.rrdDir, file));
            await syncFile(path.dirname(path.join(this.rrdDir, file)));
          }
        }
        return;
      } catch (e) {
        if (!isRwError(e, 'RW_ERR_RRDCACHED_DOWN')) throw e;
      }
    }
  }

  private acknowledged(state: FileState, update: UpdateCommand): void {
    if (state.lastAcked === undefined || update.t > state.lastAcked) state.lastAcked = update.t;
  }

  /**
   * Re-sends every journaled update to a new rrdcached (at start: what the last run acknowledged
   * and may not have in the RRD files; after a crash of the daemon: what its own journal's
   * unflushed buffer lost). What the daemon has already is refused as stale and costs nothing.
   */
  private async replayJournal(client: RrdcachedClient): Promise<ReplayOutcome> {
    const outcome: ReplayOutcome = { restored: 0, duplicates: 0, failed: 0 };
    const journal = this.journal;
    if (!journal) return outcome;
    // appends in flight belong to writers that re-send to this daemon themselves; what they
    // made durable is read here, whatever finishes first
    await journal.settle();
    let chunk: UpdateCommand[] = [];
    const send = async (): Promise<void> => {
      const outcomes = await client.updateMany(chunk);
      chunk = [];
      for (const o of outcomes) {
        if (o.ok) outcome.restored++;
        else if (isStaleUpdate(o.error)) outcome.duplicates++;
        else if (isRwError(o.error, 'RW_ERR_RRDCACHED_DOWN')) throw o.error; // the supervisor tries again
        else outcome.failed++;
      }
    };
    for await (const record of journal.replay()) {
      for (const line of record.split('\n')) {
        const update = parseUpdateLine(line);
        if (update) chunk.push(update);
        else outcome.failed++;
      }
      if (chunk.length >= REPLAY_CHUNK) await send();
    }
    if (chunk.length > 0) await send();
    if (outcome.restored + outcome.duplicates + outcome.failed > 0) {
      this.log.warn('re-sent the sample journal to rrdcached', { ...outcome });
    }
    return outcome;
  }

  private async waitUp(deadline: Deadline): Promise<RrdcachedClient> {
    const supervisor = this.supervisor;
    if (!supervisor) throw new RwError('RW_ERR_RRDCACHED_DOWN', 'the RRD store is not started');
    return supervisor.whenUp(deadline.remainingMs());
  }

  /**
   * A series as columns, through rrdcached FETCH: the daemon writes the file's pending updates
   * first, and rrd_fetch answers from the finest AVERAGE archive that covers `fromS`. When the
   * series has files of several steps (its collector's interval changed, S2), each is fetched
   * and their rows merged (series-merge.ts): the old file answers for the time before the change,
   * the new one after it; `step` is then the coarsest of them. Rows beyond `points` are averaged
   * into buckets (unknown values ignored; a bucket of unknowns is null). A coarse archive's
   * not-yet-consolidated end is read again from a finer archive (series-tail.ts).
   */
  async series(agentId: string, family: Family, key: string | undefined, fromS: number, toS: number, points: number): Promise<SeriesResponse> {
    if (!Number.isSafeInteger(points) || points < 1) throw new RwError('RW_ERR_BAD_REQUEST', `points must be a whole number ≥ 1, got ${points}`);
    // at about one row a point: the coarsest archive no wider than a point (series-archive.ts)
    const merged = await this.consolidated(agentId, family, key, fromS, toS, 'AVERAGE', points);
    const fields = familyFields(family);
    const { step, rows: fewer } = downsample(merged, points);
    let rows = fewer;
    // a long range's archive lags by up to one of its rows: its tail is read from a finer one (series-tail.ts)
    const cut = tailStart(merged, fromS, toS);
    if (cut !== null) {
      const tail = await this.consolidated(agentId, family, key, cut, toS, 'AVERAGE');
      rows = joinTail(merged.rows, tail.rows, cut, fromS, toS, points, (part, n) => downsample({ step: merged.step, rows: [...part] }, n).rows);
    }
    const data: SeriesResponse['data'] = [rows.map((r) => r.t)];
    for (let c = 0; c < fields.length; c++) data.push(rows.map((r) => r.values[c] ?? null));
    return { agentId, family, ...(key !== undefined ? { key } : {}), step, fields: [...fields], data };
  }

  /**
   * Every row of one consolidation function of a series over (fromS, toS], not downsampled, its
   * columns in the family's field order (S10 statistics read MIN and MAX besides AVERAGE).
   * rrd_fetch answers from the finest archive of that function that covers `fromS`; `raw` says
   * whether every file answered from its one-sample-per-row archive (only AVERAGE has one), and
   * `step` is the coarsest row width that contributed (series-merge.ts). With `points`, each file
   * answers from the coarsest AVERAGE archive whose rows are no wider than one of them
   * (series-archive.ts): fewer rows to read for a chart that shows no more.
   */
  async consolidated(agentId: string, family: Family, key: string | undefined, fromS: number, toS: number, cf: ConsolidationFn, points?: number): Promise<ConsolidatedRows> {
    if (!Object.hasOwn(FAMILIES, family)) throw new RwError('RW_ERR_NOT_FOUND', `no metric family ${family}`);
    if (!Number.isSafeInteger(fromS) || !Number.isSafeInteger(toS) || fromS >= toS) {
      throw new RwError('RW_ERR_BAD_REQUEST', `the range must be whole unix seconds with from < to (from ${fromS}, to ${toS})`);
    }
    const files = await this.seriesFiles(agentId, family, key);
    // RES: a daemon that leaves PINGs unanswered would hang the request; say so at once
    if (this.supervisor?.answering() === false) throw new RwError('RW_ERR_RRDCACHED_DOWN', 'rrdcached is not answering (its watchdog restarts it): try again shortly');
    const readTimeoutMs = this.deps.readTimeoutMs ?? SERIES_READ_TIMEOUT_MS;
    const client = await this.waitUp(new Deadline(this.deps.clock, Math.min(this.downWaitMs, readTimeoutMs)));
    const parts: SeriesPart[] = [];
    const fields = familyFields(family);
    let raw = true;
    for (const file of files) {
      let fetched: FetchResult;
      try {
        fetched = await withTimeout(client.fetch(file, cf, this.fetchFrom(file, family, fromS, toS, points), toS), readTimeoutMs, this.deps.clock).catch((e: unknown) => {
          if (isRwError(e, 'RW_ERR_RRDCACHED') && e.message.startsWith('no answer within')) {
            throw new RwError('RW_ERR_RRDCACHED_DOWN', `rrdcached did not answer the read within ${readTimeoutMs} ms: try again shortly`);
          }
          throw e;
        });
      } catch (e) {
        // removed since it was listed: the other files still answer
        if (isRwError(e, 'RW_ERR_RRDCACHED') && /No such file|opening/.test(e.message)) continue;
        throw e;
      }
      if (fetched.step !== parseRrdFileName(path.basename(file))?.step) raw = false;
      // rrd_fetch answers whole archive rows and adds one past the end: keep the rows whose
      // interval (t - step, t] overlaps (fromS, toS]
      const inRange = fetched.rows.filter((r) => r.t > fromS && r.t - fetched.step < toS);
      // a file created before a field was added to its family lacks that column
      parts.push({ step: fetched.step, rows: alignColumns(fetched.dsNames, fields, inRange) });
    }
    if (parts.length === 0) throw new RwError('RW_ERR_NOT_FOUND', `no series ${family}${key !== undefined ? ` ${key}` : ''} for agent ${agentId}`);
    return { ...mergeSeriesParts(parts), cf, raw };
  }

  /**
   * One FETCH of one file (relative to the RRD directory) through rrdcached, which writes the
   * file's pending updates first; bounded by the series read timeout. B9's baseline watch reads
   * the Holt-Winters archives with it (HWPREDICT, DEVPREDICT).
   */
  async fetchFile(file: string, cf: FetchCf, fromS: number, toS: number): Promise<FetchResult> {
    if (this.supervisor?.answering() === false) throw new RwError('RW_ERR_RRDCACHED_DOWN', 'rrdcached is not answering (its watchdog restarts it): try again shortly');
    const readTimeoutMs = this.deps.readTimeoutMs ?? SERIES_READ_TIMEOUT_MS;
    const client = await this.waitUp(new Deadline(this.deps.clock, Math.min(this.downWaitMs, readTimeoutMs)));
    return withTimeout(client.fetch(file, cf, fromS, toS), readTimeoutMs, this.deps.clock);
  }

  /** Where a read of `file` starts: `fromS`, or earlier for a coarser archive when `points` are few (series-archive.ts). */
  private fetchFrom(file: string, family: Family, fromS: number, toS: number, points: number | undefined): number {
    const step = parseRrdFileName(path.basename(file))?.step;
    if (points === undefined || step === undefined) return fromS;
    return fetchStart(fromS, toS, points, nowSeconds(this.deps.clock), step, archives(step, this.profile, family));
  }

  /** Every file of a series (one per step it was ever written at), relative to the RRD directory. */
  private async seriesFiles(agentId: string, family: Family, key: string | undefined): Promise<string[]> {
    const notFound = (): RwError => new RwError('RW_ERR_NOT_FOUND', `no series ${family}${key !== undefined ? ` ${key}` : ''} for agent ${agentId}`);
    if (!isValidAgentId(agentId)) throw notFound();
    if (FAMILIES[family].keyed !== (key !== undefined)) {
      throw new RwError('RW_ERR_BAD_REQUEST', `family ${family} ${FAMILIES[family].keyed ? 'needs' : 'takes no'} key`);
    }
    const names = await this.fileNames(agentId);
    const files = names
      .filter((n) => {
        const p = parseRrdFileName(n);
        return p !== null && p.family === family && p.key === key;
      })
      .map((n) => `${agentId}/${n}`);
    if (files.length === 0) throw notFound();
    return files;
  }

  /**
   * Removes an agent's files of `family` whose key starts with `keyPrefix` (a deleted check's
   * perfdata, S5: left behind they would hold the agent's series quota for good); returns how
   * many. rrdcached writes what it holds of each first, so it has nothing left to write there.
   */
  removeSeries(agentId: string, family: Family, keyPrefix: string): Promise<number> {
    // after the agent's writes in flight: one of them would create the file again
    return this.inAgentChain(agentId, () => this.removeSeriesNow(agentId, family, keyPrefix));
  }

  private async removeSeriesNow(agentId: string, family: Family, keyPrefix: string): Promise<number> {
    if (!isValidAgentId(agentId)) return 0;
    const names = (await this.fileNames(agentId)).filter((n) => {
      const p = parseRrdFileName(n);
      return p !== null && p.family === family && p.key !== undefined && p.key.startsWith(keyPrefix);
    });
    const series = this.fileStatesByAgent.get(agentId);
    for (const name of names) {
      const file = `${agentId}/${name}`;
      try {
        const client = await this.waitUp(new Deadline(this.deps.clock, Math.min(this.downWaitMs, SERIES_READ_TIMEOUT_MS)));
        await client.flush(file);
      } catch (e) {
        this.log.debug('removing a series rrdcached could not flush', { file, error: e });
      }
      await rm(path.join(this.rrdDir, file), { force: true });
      series?.forEach((state, id) => { if (state.file === file) series.delete(id); });
    }
    this.deps.seriesQuota?.removed(agentId, names);
    return names.length;
  }

  /** RRD files of an agent, relative to the RRD directory (`<agentId>/cpu.5s.rrd`); [] for an unknown agent. */
  async filesOf(agentId: string): Promise<string[]> {
    if (!isValidAgentId(agentId)) return [];
    return (await this.fileNames(agentId)).filter((n) => parseRrdFileName(n) !== null).map((n) => `${agentId}/${n}`);
  }

  private async fileNames(agentId: string): Promise<string[]> {
    try {
      return (await readdir(path.join(this.rrdDir, agentId))).filter((n) => n.endsWith('.rrd')).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  }
}

/**
 * One batch's update lines (its gap bridges included), made once for both the sample journal and
 * rrdcached. An update that cannot be written as a line (undefined here) is left to the client,
 * which refuses it with its reason; it is not journaled.
 */
function journalLines(todo: readonly PendingUpdate[]): (string | undefined)[] {
  return todo.map((item) => {
    try {
      return updateLine(item.update);
    } catch {
      return undefined;
    }
  });
}

function validInterval(s: number): boolean {
  return Number.isInteger(s) && s >= METRICS_LIMITS.minIntervalS && s <= METRICS_LIMITS.maxIntervalS;
}

/** One deadline shared by every wait of one operation, so that a flapping daemon cannot stretch it. */
class Deadline {
  private readonly at: number;
  constructor(private readonly clock: Clock, ms: number) {
    this.at = clock.now() + ms;
  }
  remainingMs(): number {
    return Math.max(0, this.at - this.clock.now());
  }
}

/** Averages consecutive rows into at most `points` buckets; each bucket is stamped with its last row's time. */
export function downsample(f: Pick<FetchResult, 'step' | 'rows'>, points: number): { step: number; rows: FetchResult['rows'] } {
  if (f.rows.length <= points) return { step: f.step, rows: f.rows };
  const size = Math.ceil(f.rows.length / points);
  const out: FetchResult['rows'] = [];
  for (let i = 0; i < f.rows.length; i += size) {
    const bucket = f.rows.slice(i, i + size);
    const last = bucket[bucket.length - 1];
    if (!last) continue;
    const width = last.values.length;
    const values: (number | null)[] = [];
    for (let c = 0; c < width; c++) {
      let sum = 0;
      let n = 0;
      for (const r of bucket) {
        const v = r.values[c];
        if (v !== null && v !== undefined) {
          sum += v;
          n++;
        }
      }
      values.push(n > 0 ? sum / n : null);
    }
    out.push({ t: last.t, values });
  }
  return { step: f.step * size, rows: out };
}

/**
 * After a silence longer than the heartbeat (an agent restarting, a collector off for a while),
 * rrdtool stores the next value as unknown, since it would have to cover the whole gap. An
 * unknown update one step before it closes the gap, so that value is kept. The first update of a
 * file in this process gets one too, since its last update is not known here (the file is from an
 * earlier run): when there was no gap, rrdcached refuses the bridge as stale, which costs nothing
 * and is no rejected sample.
 */
function withGapBridges(batch: FileBatch, out: PendingUpdate[]): void {
  const { state } = batch;
  let prev = state.lastAcked;
  for (const update of batch.updates) {
    const bridgeT = update.t - batch.step;
    if (prev === undefined || (update.t - prev > HEARTBEAT_STEPS * batch.step && bridgeT > prev)) {
      out.push({ update: { file: state.file, t: bridgeT, values: update.values.map(() => null) }, state, bridge: true, resent: false, recreated: false });
    }
    out.push({ update, state, bridge: false, resent: false, recreated: false });
    prev = update.t;
  }
}
