// Disk usage per owner under a directory (S16, the quota check where the filesystem keeps no
// quotas), kept up to date incrementally instead of walked whole at every interval:
//
// - every directory's own files are summed per owner (uid → bytes) and remembered with the
//   directory's mtime, ctime and inode; a run stats each known directory (one lstat) and reads
//   again (readdir + an lstat per entry) only one whose mtime/ctime changed: a file created,
//   removed or renamed there;
// - a file that grows in place does not change its directory, so every directory is also read
//   again once every `rescanRuns` runs, spread over the runs (1/rescanRuns of them per run):
//   growth shows within that many intervals;
// - bytes are allocated blocks (st_blocks × 512), as quotas and `du` count them, the directory's
//   own included; symbolic links are not followed and other filesystems are not entered (quotas
//   are per filesystem); a file with several hard links is counted in each directory it is in;
// - bounded: at most `maxDirs` directories are remembered (beyond, the rest is not counted and the
//   result says so) and a run stops after `budgetMs` (the next resumes: what did not change costs
//   an lstat), yielding to the event loop every few hundred directories so MQTT keeps flowing.
import { lstatSync, readdirSync, type Stats } from 'node:fs';
import path from 'node:path';

export interface OwnerUsageOptions {
  /** directories remembered at most (default 100,000) */
  maxDirs?: number;
  /** every directory is read again at least once per this many runs (default 10) */
  rescanRuns?: number;
}

export interface OwnerUsageResult {
  /** uid → bytes */
  byUid: Map<number, number>;
  /** the walk reached every directory (false: cut by the time budget or maxDirs) */
  complete: boolean;
  dirs: number;
  /** directories read this run (the rest came from memory) */
  read: number;
  /** why not complete */
  note: string | null;
}

interface DirState {
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
  /** uid → bytes of the directory itself and its non-directory entries */
  own: Map<number, number>;
  subdirs: string[];
  /** the run at which it is read again whatever its mtime */
  rescanAt: number;
  /** the last run that reached it */
  seen: number;
}

const DEFAULT_MAX_DIRS = 100_000;
const DEFAULT_RESCAN_RUNS = 10;
const DIRS_PER_SLICE = 256;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

const add = (m: Map<number, number>, uid: number, bytes: number): void => {
  m.set(uid, (m.get(uid) ?? 0) + bytes);
};

export class OwnerUsage {
  private readonly dirs = new Map<string, DirState>();
  private readonly maxDirs: number;
  private readonly rescanRuns: number;
  private runs = 0;
  private spread = 0;

  constructor(private readonly root: string, opts: OwnerUsageOptions = {}) {
    this.maxDirs = opts.maxDirs ?? DEFAULT_MAX_DIRS;
    this.rescanRuns = Math.max(1, opts.rescanRuns ?? DEFAULT_RESCAN_RUNS);
  }

  async run(budgetMs: number): Promise<OwnerUsageResult> {
    const run = ++this.runs;
    const started = performance.now();
    const byUid = new Map<number, number>();
    const rootStat = lstatOrNull(this.root);
    if (!rootStat?.isDirectory()) {
      this.dirs.clear();
      return { byUid, complete: true, dirs: 0, read: 0, note: `${this.root} is not a directory` };
    }
    const device = rootStat.dev;
    const stack = [this.root];
    let visited = 0;
    let read = 0;
    let note: string | null = null;
    while (stack.length > 0) {
      if (visited % DIRS_PER_SLICE === DIRS_PER_SLICE - 1) {
        await yieldToEventLoop();
        if (performance.now() - started > budgetMs) {
          note = `only ${visited} directories reached within ${(budgetMs / 1000).toFixed(0)} s (the next run goes on from what it learnt)`;
          break;
        }
      }
      const dir = stack.pop() as string;
      const st = dir === this.root ? rootStat : lstatOrNull(dir);
      if (!st?.isDirectory() || st.dev !== device) continue;
      visited++;
      let state = this.dirs.get(dir);
      const changed = !state || state.ino !== st.ino || state.mtimeMs !== st.mtimeMs || state.ctimeMs !== st.ctimeMs || run >= state.rescanAt;
      if (changed) {
        if (!state && this.dirs.size >= this.maxDirs) {
          note = `more than ${this.maxDirs} directories: the rest is not counted`;
          continue;
        }
        state = this.read(dir, st, run, state);
        this.dirs.set(dir, state);
        read++;
      }
      if (!state) continue;
      state.seen = run;
      for (const [uid, bytes] of state.own) add(byUid, uid, bytes);
      for (const sub of state.subdirs) stack.push(sub);
    }
    const complete = note === null;
    // directories no longer reached (removed, moved away) are forgotten after a complete walk
    if (complete) for (const [dir, state] of this.dirs) if (state.seen !== run) this.dirs.delete(dir);
    return { byUid, complete, dirs: this.dirs.size, read, note };
  }

  private read(dir: string, st: Stats, run: number, before: DirState | undefined): DirState {
    const own = new Map<number, number>();
    add(own, st.uid, st.blocks * 512);
    const subdirs: string[] = [];
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      // unreadable: its own blocks only
    }
    for (const name of names) {
      const p = path.join(dir, name);
      const e = lstatOrNull(p);
      if (!e) continue;
      if (e.isDirectory()) subdirs.push(p);
      else add(own, e.uid, e.blocks * 512);
    }
    // first reads are spread over the rescan period, so that later rescans do not all fall in one run
    const rescanAt = before ? run + this.rescanRuns : run + 1 + (this.spread++ % this.rescanRuns);
    return { ino: st.ino, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, own, subdirs, rescanAt, seen: run };
  }
}
