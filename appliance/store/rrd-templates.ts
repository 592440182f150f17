// New RRD files as copies of a template. rrdcached 1.7.2 creates files one at a time under one
// lock, ~0.8 ms each here: 10,000 agents enrolling at once (12 files each) waited two minutes for
// their first samples to be stored, and every UPDATE queued behind the CREATEs. A template per
// family and step is created once through rrdcached (so it is rrdtool's own file) and each new
// file is a copy of it, made by the kernel in Node's thread pool, in parallel and away from the
// rrdcached connection.
//
// A copy's first update comes after a gap (since the template's last update): the store sends
// an unknown "bridge" update one step before it (see withGapBridges in rrd-store.ts) so that
// rrdtool keeps that first value, and rrdtool writes the skipped rows as unknown when rrdcached
// next writes the file. So the gap is kept short: a sample of the last few minutes, the usual
// case, gets a copy of a "recent" template, whose last update is at most 2 × RECENT_LEAD_S ago
// (remade when older). An older sample (an agent's backlog after an outage) gets a copy of the
// "oldest" template, which starts before the oldest sample ingest accepts (METRICS_LIMITS.maxAgeS);
// its gap spans whole archives, and rrdtool rewrites each of them once: with only that template,
// 10,000 new agents made rrdcached rewrite all 120,000 files at its first write five minutes
// later (56 % of a core in the ingest benchmark), and a default-retention file (~4 MB) costs a
// second write of most of its size.
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, copyFile, link, mkdir, open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { METRICS_LIMITS, type Family } from '../../contract/metrics.js';

/** Under the RRD directory; the dot keeps it apart from agent directories ([A-Za-z0-9_-]). */
export const TEMPLATE_DIR = '.templates';

export interface RrdTemplatesDeps {
  rrdDir: string;
  /** unix seconds now */
  nowS: () => number;
  /** the profile whose archives new files get: templates are kept per profile (a retention change, S4) */
  profile: () => string;
  /** creates `file` (relative to the RRD directory) through rrdcached, last update `startS` */
  create: (file: string, family: Family, step: number, startS: number) => Promise<void>;
}

interface Template {
  file: string;
  /** the template's (and every fresh copy's) last update, unix seconds */
  lastUpdate: number;
  /** resolves with the file's size once it is made (rejects if it could not be) */
  made: Promise<number>;
}

/** how far before now a recent template starts; it is remade once twice as old */
export const RECENT_LEAD_S = 300;
/** a replaced recent template is removed this long after (copies queued behind thousands of others may still read it) */
const REPLACED_TEMPLATE_TTL_MS = 10 * 60_000;

export type CopyOutcome = { created: true; lastUpdate: number; bytes: number } | { created: false };

export class RrdTemplates {
  /** (family, step) → the template that starts before every sample ingest accepts */
  private readonly oldest = new Map<string, Template>();
  /** (family, step) → the template that starts a few minutes ago */
  private readonly recent = new Map<string, Template>();
  /** agent directories, each with whether this process created it (then it held no file before) */
  private readonly dirs = new Map<string, Promise<boolean>>();
  /** templates of this process only: a name no earlier run used */
  private readonly run = randomUUID().slice(0, 8);

  constructor(private readonly deps: RrdTemplatesDeps) {}

  /** Removes the templates of earlier runs (they are only ever copied, never updated). */
  async clean(): Promise<void> {
    await rm(path.join(this.deps.rrdDir, TEMPLATE_DIR), { recursive: true, force: true });
  }

  /** The oldest template's last update: no sample ingest accepts is this old. */
  oldestAllowedStart(step: number): number {
    return align(this.deps.nowS() - METRICS_LIMITS.maxAgeS - 2 * step, step);
  }

  /**
   * Copies a template of (family, step) that starts before `firstT` (the first sample the file
   * will get) to `file` (relative to the RRD directory) unless a file is there already. Rejects
   * when the template cannot be made or the copy fails.
   */
  async copyTo(file: string, family: Family, step: number, firstT: number): Promise<CopyOutcome> {
    const template = this.templateFor(family, step, firstT);
    const bytes = await template.made;
    const dest = path.join(this.deps.rrdDir, file);
    const dirIsNew = await this.ensureDir(path.dirname(dest));
    // after a restart every file is "new" to the store once: most are there already (in a
    // directory this process just made, none is: 10,000 new agents are 120,000 fewer checks)
    if (!dirIsNew && (await exists(dest))) return { created: false };
    // written under a temporary name and renamed into place: rrdcached must never open a half-copied file
    const partial = `${dest}.${this.run}.tmp`;
    await copyFile(path.join(this.deps.rrdDir, template.file), partial, constants.COPYFILE_FICLONE);
    try {
      // durable before it has a name: after a power cut a linked file whose blocks never reached
      // the disk would be an empty or zero-filled "RRD" that rrdcached refuses for good (RES)
      await syncFile(partial);
      // a hard link never replaces a file that is there (rename would)
      await link(partial, dest);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { created: false };
      throw e;
    } finally {
      await rm(partial, { force: true });
    }
    await syncFile(path.dirname(dest));
    return { created: true, lastUpdate: template.lastUpdate, bytes };
  }

  /** The recent template when it starts before firstT's bridge (a step earlier), else the oldest. */
  private templateFor(family: Family, step: number, firstT: number): Template {
    const key = `${this.deps.profile()}.${family}.${step}`;
    const nowS = this.deps.nowS();
    let recent = this.recent.get(key);
    if (!recent || nowS - recent.lastUpdate > 2 * RECENT_LEAD_S) {
      const replaced = recent;
      recent = this.make(this.recent, key, family, step, align(nowS - RECENT_LEAD_S, step), 'recent');
      if (replaced) setTimeout(() => { void rm(path.join(this.deps.rrdDir, replaced.file), { force: true }); }, REPLACED_TEMPLATE_TTL_MS).unref();
    }
    if (firstT - step > recent.lastUpdate) return recent;
    return this.oldest.get(key) ?? this.make(this.oldest, key, family, step, this.oldestAllowedStart(step), 'oldest');
  }

  private make(into: Map<string, Template>, key: string, family: Family, step: number, lastUpdate: number, kind: string): Template {
    const file = `${TEMPLATE_DIR}/${family}.${step}s.${this.deps.profile()}.${kind}-${lastUpdate}.${this.run}.rrd`;
    const made = this.deps.create(file, family, step, lastUpdate).then(async () => (await stat(path.join(this.deps.rrdDir, file))).size);
    const template: Template = { file, lastUpdate, made };
    // a failure is not remembered: the next new file tries again
    template.made.catch(() => {
      if (into.get(key) === template) into.delete(key);
    });
    into.set(key, template);
    return template;
  }

  /** Makes the directory if need be; true when this call made it. */
  private ensureDir(dir: string): Promise<boolean> {
    let d = this.dirs.get(dir);
    if (!d) {
      // mkdir -p answers the first directory it made, or undefined when it was all there
      d = mkdir(dir, { recursive: true }).then((made) => made !== undefined);
      d.catch(() => this.dirs.delete(dir));
      this.dirs.set(dir, d);
    }
    return d;
  }
}

/** fdatasync of a file or a directory (its entries), in Node's thread pool. */
export async function syncFile(file: string): Promise<void> {
  const fh = await open(file, 'r');
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** t rounded down to a multiple of step */
function align(t: number, step: number): number {
  return t - (t % step);
}
