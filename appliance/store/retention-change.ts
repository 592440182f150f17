// Changing the retention profile of existing RRD files over HTTP (S4, S14; PUT /retention).
// Every file is rewritten into the new archives with `rrdtool create --source` (rrdtool ≥ 1.7:
// the rows each new archive can hold are carried over from the old ones, the last update time
// too, so the next sample continues the series). How nothing is lost:
// - a file is converted under a temporary name, fsynced, and renamed over the old one: at any
//   moment each file is whole, in the old layout or the new one;
// - an agent's files are converted inside the store's per-agent chain (RrdStore.exclusive): its
//   writes wait (their acknowledgements with them, so the agent keeps the samples), and rrdcached
//   is told to write what it holds for each file first, so nothing it caches lands in the old file
//   after it was read;
// - the change is recorded in `rrd/retention.json` (written atomically) before the first file and
//   cleared after the last: a restart in between takes the new profile and resumes, skipping the
//   files already in the new layout (their size says so: a layout has a fixed size).
import { execFile } from 'node:child_process';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { RwError } from '../../contract/errors.js';
import type { RetentionChangeStatus, RetentionPreview } from '../../contract/retention-api.js';
import type { Logger } from '../../core/logger.js';
import { bytesForFile, dsDefs, isValidAgentId, parseRrdFileName, RETENTION_PROFILES, rraDefs, retentionSpanS, archives, type RetentionProfile } from './rrd-layout.js';
import { syncFile } from './rrd-templates.js';

const run = promisify(execFile);

export const RETENTION_STATE_FILE = 'retention.json';
const TMP_SUFFIX = '.retention-tmp';

export interface RetentionState {
  profile: RetentionProfile;
  /** a change under way: every file is being moved to `profile` */
  change: { from: RetentionProfile; startedAtMs: number; by: string } | null;
}

export function isRetentionProfile(p: unknown): p is RetentionProfile {
  return typeof p === 'string' && (RETENTION_PROFILES as readonly string[]).includes(p);
}

/** The profile recorded by an earlier change over HTTP, if any (it wins over --retention). */
export async function readRetentionState(rrdDir: string): Promise<RetentionState | null> {
  let text: string;
  try {
    text = await readFile(path.join(rrdDir, RETENTION_STATE_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const s = JSON.parse(text) as Partial<RetentionState>;
  if (!isRetentionProfile(s.profile)) throw new RwError('RW_ERR_INTERNAL', `${RETENTION_STATE_FILE} names no known profile: ${text.slice(0, 200)}`);
  return { profile: s.profile, change: s.change ?? null };
}

async function writeRetentionState(rrdDir: string, s: RetentionState): Promise<void> {
  const file = path.join(rrdDir, RETENTION_STATE_FILE);
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${JSON.stringify(s)}\n`, { mode: 0o644 });
  await syncFile(tmp);
  await rename(tmp, file);
  await syncFile(rrdDir);
}

interface SeriesFile {
  agentId: string;
  /** relative to the RRD directory */
  rel: string;
  family: Parameters<typeof bytesForFile>[0];
  step: number;
  bytes: number;
}

async function listSeriesFiles(rrdDir: string): Promise<SeriesFile[]> {
  const out: SeriesFile[] = [];
  let agents: string[];
  try {
    agents = await readdir(rrdDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw e;
  }
  for (const agentId of agents.sort()) {
    if (!isValidAgentId(agentId)) continue; // .templates, retention.json
    let names: string[];
    try {
      names = await readdir(path.join(rrdDir, agentId));
    } catch {
      continue; // not a directory, or removed meanwhile
    }
    for (const name of names.sort()) {
      const p = parseRrdFileName(name);
      if (!p) continue;
      const rel = `${agentId}/${name}`;
      const st = await stat(path.join(rrdDir, rel)).catch(() => null);
      if (st) out.push({ agentId, rel, family: p.family, step: p.step, bytes: st.size });
    }
  }
  return out;
}

/** What a change to `to` does to the files there are (GET /retention/preview, and PUT's answer). */
export async function retentionPreview(rrdDir: string, from: RetentionProfile, to: RetentionProfile, freeBytes: number): Promise<RetentionPreview> {
  const files = await listSeriesFiles(rrdDir);
  const bytesBefore = files.reduce((n, f) => n + f.bytes, 0);
  const bytesAfter = files.reduce((n, f) => n + bytesForFile(f.family, f.step, to), 0);
  const spanBefore = retentionSpanS(from);
  const spanAfter = retentionSpanS(to);
  const rawKeep = (p: RetentionProfile): number => (archives(5, p, 'cpu').find((a) => a.pdpPerRow === 1)?.rows ?? 0) * 5;
  const largest = files.reduce((n, f) => Math.max(n, bytesForFile(f.family, f.step, to)), 0);
  return {
    from, to,
    files: files.length,
    agents: new Set(files.map((f) => f.agentId)).size,
    bytesBefore, bytesAfter,
    spanBeforeS: spanBefore, spanAfterS: spanAfter,
    // what is lost is what the new archives cannot hold: anything older than their span, and
    // the raw resolution beyond the new raw archive (older rows are kept as consolidations)
    dropsOlderThanS: spanAfter < spanBefore ? spanAfter : null,
    rawBeforeS: rawKeep(from), rawAfterS: rawKeep(to),
    // one file at a time is written beside its original; growing files need the difference too
    fits: freeBytes >= largest + Math.max(0, bytesAfter - bytesBefore),
  };
}

/** Whether a file is already in the layout of `profile` (a layout has a fixed size). */
function inLayout(f: SeriesFile, profile: RetentionProfile): boolean {
  return f.bytes === bytesForFile(f.family, f.step, profile);
}

/**
 * Rewrites one file into the archives of `profile` (temporary name, fsync, rename, fsync of the
 * directory); `forecast` adds the Holt-Winters archives (B9, baseline-archives.ts), which start
 * empty: rrdtool learns them from the next update on.
 */
export async function convertRrdFile(rrdDir: string, rel: string, profile: RetentionProfile, rrdtool = 'rrdtool', forecast = false): Promise<void> {
  const parsed = parseRrdFileName(path.basename(rel));
  if (!parsed) throw new RwError('RW_ERR_INTERNAL', `not an RRD series file: ${rel}`);
  const file = path.join(rrdDir, rel);
  const tmp = `${file}${TMP_SUFFIX}`;
  await rm(tmp, { force: true });
  try {
    await run(rrdtool, ['create', tmp, '--no-overwrite', '--source', file, '--step', String(parsed.step),
      ...dsDefs(parsed.family, parsed.step), ...rraDefs(parsed.step, profile, parsed.family, forecast)], { timeout: 120_000 });
    await syncFile(tmp);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await syncFile(path.dirname(file));
}

async function removeLeftovers(rrdDir: string): Promise<void> {
  for (const agentId of await readdir(rrdDir).catch(() => [] as string[])) {
    if (!isValidAgentId(agentId)) continue;
    for (const name of await readdir(path.join(rrdDir, agentId)).catch(() => [] as string[])) {
      if (name.endsWith(TMP_SUFFIX)) await rm(path.join(rrdDir, agentId, name), { force: true });
    }
  }
}

export interface RetentionChangerDeps {
  rrdDir: string;
  /** the profile the store runs with now */
  profile: RetentionProfile;
  logger: Logger;
  now: () => number;
  freeBytes: () => number;
  store: {
    /** runs work while none of the agent's writes do */
    exclusive<T>(agentId: string, work: () => Promise<T>): Promise<T>;
    /** rrdcached writes what it holds of the file */
    flushFile(rel: string): Promise<void>;
    /** files made from now on get this profile's archives */
    setProfile(p: RetentionProfile): void;
  };
  rrdtool?: string;
}

/** Runs a change of profile in the background and reports its progress (GET /retention). */
export class RetentionChanger {
  private profile: RetentionProfile;
  private status: RetentionChangeStatus | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly deps: RetentionChangerDeps) {
    this.profile = deps.profile;
  }

  current(): RetentionProfile {
    return this.profile;
  }

  progress(): RetentionChangeStatus | null {
    return this.status && { ...this.status };
  }

  preview(to: RetentionProfile): Promise<RetentionPreview> {
    return retentionPreview(this.deps.rrdDir, this.profile, to, this.deps.freeBytes());
  }

  /** Starts a change to `to`; answers its preview. 409 while one runs; 400 when it is the profile now or the disk lacks room. */
  async start(to: RetentionProfile, by: string): Promise<RetentionPreview> {
    if (this.running) throw new RwError('RW_ERR_CONFLICT', `a change of the retention to ${this.status?.to ?? '?'} is under way`);
    if (to === this.profile) throw new RwError('RW_ERR_VALIDATION', `profile: the retention is ${to} already`);
    const preview = await this.preview(to);
    if (!preview.fits) throw new RwError('RW_ERR_VALIDATION', `profile: the disk lacks room to rewrite the files into ${to} (${preview.bytesAfter} bytes after, ${this.deps.freeBytes()} free)`);
    const from = this.profile;
    await writeRetentionState(this.deps.rrdDir, { profile: to, change: { from, startedAtMs: this.deps.now(), by } });
    this.begin(from, to, this.deps.now());
    return preview;
  }

  /** At start: a change a restart interrupted goes on (the state file says so). */
  async resume(): Promise<void> {
    const s = await readRetentionState(this.deps.rrdDir);
    if (!s?.change) return;
    this.deps.logger.warn('resuming the change of the retention profile that a restart interrupted', { from: s.change.from, to: s.profile });
    await removeLeftovers(this.deps.rrdDir);
    this.begin(s.change.from, s.profile, s.change.startedAtMs);
  }

  /** Resolves when the change under way (if any) has ended. */
  async settled(): Promise<void> {
    await this.running;
  }

  private begin(from: RetentionProfile, to: RetentionProfile, startedAtMs: number): void {
    this.profile = to;
    this.deps.store.setProfile(to);
    this.status = { from, to, state: 'running', startedAtMs, filesDone: 0, filesTotal: 0, failed: 0, lastError: null, endedAtMs: null };
    this.running = this.convertAll(to).finally(() => { this.running = null; });
  }

  private async convertAll(to: RetentionProfile): Promise<void> {
    const st = this.status;
    if (!st) return;
    try {
      const files = await listSeriesFiles(this.deps.rrdDir);
      st.filesTotal = files.length;
      const byAgent = new Map<string, SeriesFile[]>();
      for (const f of files) byAgent.set(f.agentId, [...(byAgent.get(f.agentId) ?? []), f]);
      for (const [agentId, list] of byAgent) {
        await this.deps.store.exclusive(agentId, async () => {
          for (const f of list) {
            try {
              if (!inLayout(f, to)) {
                await this.deps.store.flushFile(f.rel);
                await convertRrdFile(this.deps.rrdDir, f.rel, to, this.deps.rrdtool);
              }
            } catch (e) {
              // the file stays whole in its old layout; the change is retried at the next start
              st.failed++;
              st.lastError = `${f.rel}: ${e instanceof Error ? e.message : String(e)}`.slice(0, 500);
              this.deps.logger.error('cannot convert an RRD file to the new retention', { file: f.rel, err: e });
            }
            st.filesDone++;
          }
        });
      }
      if (st.failed === 0) await writeRetentionState(this.deps.rrdDir, { profile: to, change: null });
      st.state = st.failed === 0 ? 'done' : 'failed';
    } catch (e) {
      st.state = 'failed';
      st.lastError = e instanceof Error ? e.message : String(e);
      this.deps.logger.error('the change of the retention profile failed', { err: e });
    }
    st.endedAtMs = this.deps.now();
    this.deps.logger.info('retention change ended', { ...st });
  }
}
