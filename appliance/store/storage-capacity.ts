// How many servers the RRD store can hold. RRD files have a fixed size, so the answer is the
// storage budget divided by the bytes one server's files take. The budget is the configured one,
// or what the RRD directory already uses plus the free space of its filesystem, less a reserve
// for SQLite, logs and the journal.
//
// What the RRD directory uses is a walk of every file (12 per server): at 10,000 servers a
// synchronous walk held the event loop for over a second once a minute (7 % of the ingest
// benchmark's CPU, and every publish waiting behind it). It runs at start and then rarely, in
// the background through the thread pool; between walks the store reports each file it
// creates (fileCreated), and report() answers at once.
//
// A stale total errs on the safe side: a file created since the walk has taken free space, so
// without fileCreated the capacity would read lower by that file until the next walk.
import { statfsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** fraction of free space never planned for RRD files */
const RESERVE_FRACTION = 0.1;
/** a directory walk is not free (120,000 files at 10,000 servers): another one at most this often */
const RRD_SIZE_REFRESH_MS = 15 * 60_000;
/** stat calls in flight at once during a walk (the thread pool has 4 threads) */
const STAT_CONCURRENCY = 16;

export interface CapacityReport {
  freeBytes: number;
  bytesPerServer: number;
  serverCapacity: number;
}

export class StorageCapacity {
  private rrdBytes = 0;
  private walkedAt = -Infinity;
  private walking: Promise<void> | null = null;

  constructor(
    private readonly opts: {
      rrdDir: string;
      bytesPerServer: number;
      budgetBytes: number | undefined;
      now: () => number;
      /** free bytes of the filesystem holding `dir` (statfs by default; tests pass a disk of their own) */
      freeBytes?: (dir: string) => number;
    },
  ) {}

  /** Walks the RRD directory (call once at start, so that the first report counts what is stored). */
  refresh(): Promise<void> {
    this.walking ??= directoryBytes(this.opts.rrdDir)
      .then((bytes) => {
        this.rrdBytes = bytes;
      })
      .finally(() => {
        this.walkedAt = this.opts.now();
        this.walking = null;
      });
    return this.walking;
  }

  /** A file the store has just created in the RRD directory (counted until the next walk). */
  fileCreated(bytes: number): void {
    this.rrdBytes += bytes;
  }

  /** Bytes the RRD files take (the last walk plus the files created since). */
  usedBytes(): number {
    return this.rrdBytes;
  }

  report(): CapacityReport {
    const freeBytes = (this.opts.freeBytes ?? filesystemFreeBytes)(this.opts.rrdDir);
    let budget = this.opts.budgetBytes;
    if (budget === undefined) {
      if (this.opts.now() - this.walkedAt > RRD_SIZE_REFRESH_MS) void this.refresh();
      budget = (this.rrdBytes + freeBytes) * (1 - RESERVE_FRACTION);
    }
    return {
      freeBytes,
      bytesPerServer: this.opts.bytesPerServer,
      serverCapacity: Math.max(0, Math.floor(budget / this.opts.bytesPerServer)),
    };
  }
}

function filesystemFreeBytes(dir: string): number {
  const fs = statfsSync(dir);
  return fs.bavail * fs.bsize;
}

/** Bytes of the regular files under `dir`; what vanishes or cannot be read meanwhile counts 0. */
async function directoryBytes(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  const files: string[] = [];
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await directoryBytes(p);
    else if (e.isFile()) files.push(p);
  }
  for (let i = 0; i < files.length; i += STAT_CONCURRENCY) {
    const sizes = await Promise.all(files.slice(i, i + STAT_CONCURRENCY).map((f) => stat(f).then((s) => s.size, () => 0)));
    for (const size of sizes) total += size;
  }
  return total;
}
