// How many servers the RRD store can hold. RRD files have a fixed size, so the answer is the
// storage budget divided by the bytes one server's files take. The budget is the configured one,
// or what the RRD directory already uses plus the free space of its filesystem, less a reserve
// for SQLite, logs and the journal.
import { readdirSync, statSync, statfsSync } from 'node:fs';
import path from 'node:path';

/** fraction of free space never planned for RRD files */
const RESERVE_FRACTION = 0.1;
/** a directory walk is not free on an SD card: reuse the total this long */
const RRD_SIZE_CACHE_MS = 60_000;

export interface CapacityReport {
  freeBytes: number;
  bytesPerServer: number;
  serverCapacity: number;
}

export class StorageCapacity {
  private rrdBytes = 0;
  private rrdBytesAt = -Infinity;

  constructor(
    private readonly opts: { rrdDir: string; bytesPerServer: number; budgetBytes: number | undefined; now: () => number },
  ) {}

  report(): CapacityReport {
    const fs = statfsSync(this.opts.rrdDir);
    const freeBytes = fs.bavail * fs.bsize;
    const budget = this.opts.budgetBytes ?? (this.usedRrdBytes() + freeBytes) * (1 - RESERVE_FRACTION);
    return {
      freeBytes,
      bytesPerServer: this.opts.bytesPerServer,
      serverCapacity: Math.max(0, Math.floor(budget / this.opts.bytesPerServer)),
    };
  }

  private usedRrdBytes(): number {
    const now = this.opts.now();
    if (now - this.rrdBytesAt > RRD_SIZE_CACHE_MS) {
      this.rrdBytes = directoryBytes(this.opts.rrdDir);
      this.rrdBytesAt = now;
    }
    return this.rrdBytes;
  }
}

function directoryBytes(dir: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += directoryBytes(p);
    else if (e.isFile()) total += statSync(p, { throwIfNoEntry: false })?.size ?? 0;
  }
  return total;
}
