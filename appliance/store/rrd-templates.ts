// New RRD files as copies of a template. rrdcached 1.7.2 creates files one at a time under one
// lock, ~0.8 ms each here: 10,000 agents enrolling at once (12 files each) waited two minutes for
// their first samples to be stored, and every UPDATE queued behind the CREATEs. A template per
// family and step is created once through rrdcached (so it is rrdtool's own file) and each new
// file is a copy of it, made by the kernel in Node's thread pool, in parallel and away from the
// rrdcached connection.
//
// The template starts (its last update) before the oldest sample ingest accepts
// (METRICS_LIMITS.maxAgeS), so every sample a copy will get is newer. The first update of a copy
// comes after a long gap: the store sends an unknown "bridge" update one step before it (see
// withGapBridges in rrd-store.ts) so that rrdtool keeps that first value, and rrdtool writes the
// skipped rows as unknown, at most each archive once, which is what creating the file costs.
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, copyFile, link, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { METRICS_LIMITS, type Family } from '../../contract/metrics.js';

/** Under the RRD directory; the dot keeps it apart from agent directories ([A-Za-z0-9_-]). */
export const TEMPLATE_DIR = '.templates';

export interface RrdTemplatesDeps {
  rrdDir: string;
  /** unix seconds now */
  nowS: () => number;
  /** creates `file` (relative to the RRD directory) through rrdcached, last update `startS` */
  create: (file: string, family: Family, step: number, startS: number) => Promise<void>;
}

interface Template {
  file: string;
  /** the template's (and every fresh copy's) last update, unix seconds */
  lastUpdate: number;
}

export type CopyOutcome = { created: true; lastUpdate: number } | { created: false };

export class RrdTemplates {
  private readonly templates = new Map<string, Promise<Template>>();
  /** agent directories, each with whether this process created it (then it held no file before) */
  private readonly dirs = new Map<string, Promise<boolean>>();
  /** templates of this process only: a name no earlier run used */
  private readonly run = randomUUID().slice(0, 8);

  constructor(private readonly deps: RrdTemplatesDeps) {}

  /** Removes the templates of earlier runs (they are only ever copied, never updated). */
  async clean(): Promise<void> {
    await rm(path.join(this.deps.rrdDir, TEMPLATE_DIR), { recursive: true, force: true });
  }

  /** The last update every copy starts with: no sample ingest accepts is this old. */
  oldestAllowedStart(step: number): number {
    const start = this.deps.nowS() - METRICS_LIMITS.maxAgeS - 2 * step;
    return start - (start % step);
  }

  /**
   * Copies the template of (family, step) to `file` (relative to the RRD directory) unless a file
   * is there already. Rejects when the template cannot be made or the copy fails.
   */
  async copyTo(file: string, family: Family, step: number): Promise<CopyOutcome> {
    const template = await this.template(family, step);
    const dest = path.join(this.deps.rrdDir, file);
    const dirIsNew = await this.ensureDir(path.dirname(dest));
    // after a restart every file is "new" to the store once: most are there already (in a
    // directory this process just made, none is: 10,000 new agents are 120,000 fewer checks)
    if (!dirIsNew && (await exists(dest))) return { created: false };
    // written under a temporary name and renamed into place: rrdcached must never open a half-copied file
    const partial = `${dest}.${this.run}.tmp`;
    await copyFile(path.join(this.deps.rrdDir, template.file), partial, constants.COPYFILE_FICLONE);
    try {
      // a hard link never replaces a file that is there (rename would)
      await link(partial, dest);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { created: false };
      throw e;
    } finally {
      await rm(partial, { force: true });
    }
    return { created: true, lastUpdate: template.lastUpdate };
  }

  private template(family: Family, step: number): Promise<Template> {
    const key = `${family}.${step}`;
    let t = this.templates.get(key);
    if (!t) {
      const lastUpdate = this.oldestAllowedStart(step);
      const file = `${TEMPLATE_DIR}/${family}.${step}s.${this.run}.rrd`;
      t = this.deps.create(file, family, step, lastUpdate).then(() => ({ file, lastUpdate }));
      // a failure is not remembered: the next new file tries again
      t.catch(() => this.templates.delete(key));
      this.templates.set(key, t);
    }
    return t;
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

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}
