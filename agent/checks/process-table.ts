// One reading of /proc shared by every process check (S5, S18) of a round, and by the
// top-processes collector: a round of checks, however many process checks it holds, reads each
// /proc/<pid>/stat once, and a command line or an owner only when some check asks, at most once
// per reading. A thousand process checks every 10 s then cost one reading per round (a second)
// instead of a hundred readings a second.
//
// When the top-processes collector runs every second or so, its own pass over /proc at the
// start of the second is the reading (it hands it over: ProcessReadingSink), and the checks,
// half a second later (check-scheduler.ts's ROUND_OFFSET_MS), read no stat file at all; a result
// is stamped with that second anyway. Otherwise the table reads /proc itself. Both keep the
// files open across readings (open-proc-files.ts): a process's stat and command line are then
// one pread each instead of open, read, read, close and a path walk.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { monotonicMs, UTF8 } from '../collectors/collector.js';
import { OpenProcFiles } from '../collectors/open-proc-files.js';
import { effectiveUid, parseProcStat, type ProcessEntry, type ProcessReadingSink, type ProcStat } from '../collectors/top-processes.js';

export type { ProcessEntry };

/** A reading of the process table; command lines and owners are read on demand and kept. */
export class ProcessSnapshot {
  private readonly cmdlines = new Map<number, string>();
  private readonly executables = new Map<number, string>();
  private readonly uids = new Map<number, number>();
  /** kernel name → indexes into `entries`, and executable name → indexes: built at the first check by name */
  private byComm: Map<string, number[]> | null = null;
  private byExecutable: Map<string, number[]> | null = null;

  constructor(
    private readonly procDir: string,
    readonly atMs: number,
    readonly entries: readonly ProcessEntry[],
    private readonly cmdlineFiles: OpenProcFiles | null = null,
  ) {}

  /** The command line, arguments joined by spaces ('' for a process gone meanwhile). */
  cmdline(pid: number): string {
    let text = this.cmdlines.get(pid);
    if (text === undefined) {
      let raw: string | null;
      if (this.cmdlineFiles) {
        raw = this.cmdlineFiles.read(pid, String(pid));
      } else {
        try {
          raw = readFileSync(`${this.procDir}/${pid}/cmdline`, UTF8);
        } catch {
          raw = null;
        }
      }
      text = raw === null ? '' : raw.replace(/\0+$/, '').split('\0').join(' ');
      this.cmdlines.set(pid, text);
    }
    return text;
  }

  /**
   * The file name of argv[0] ('' for a process gone meanwhile): what a check by name compares when
   * the kernel's name differs. Kept per reading, as every process check of a round asks for it.
   */
  executableName(pid: number): string {
    let name = this.executables.get(pid);
    if (name === undefined) {
      const argv0 = this.cmdline(pid).split(' ', 1)[0] ?? '';
      name = path.basename(argv0);
      this.executables.set(pid, name);
    }
    return name;
  }

  /**
   * The processes a check by `name` counts, as indexes into `entries` in their order: those whose
   * kernel name (comm, cut at 15 characters) is the name or its first 15 characters, or whose
   * executable's file name is the name (a process may rename itself). One index per reading
   * serves every check of a round: fifty checks by name then cost one pass over the processes,
   * not fifty.
   */
  named(name: string): number[] {
    if (!this.byComm || !this.byExecutable) {
      this.byComm = new Map();
      this.byExecutable = new Map();
      for (let i = 0; i < this.entries.length; i++) {
        const p = this.entries[i] as ProcessEntry;
        pushTo(this.byComm, p.comm, i);
        pushTo(this.byExecutable, this.executableName(p.pid), i);
      }
    }
    const lists = [this.byComm.get(name), name.length > 15 ? this.byComm.get(name.slice(0, 15)) : undefined, this.byExecutable.get(name)]
      .filter((l): l is number[] => l !== undefined);
    if (lists.length <= 1) return lists[0] ?? [];
    // a process found under two keys counts once, in the table's order
    return [...new Set(lists.flat())].sort((a, b) => a - b);
  }

  /** The effective uid, -1 for a process gone meanwhile. */
  uid(pid: number): number {
    let uid = this.uids.get(pid);
    if (uid === undefined) {
      try {
        uid = effectiveUid(readFileSync(`${this.procDir}/${pid}/status`, UTF8));
      } catch {
        uid = -1;
      }
      this.uids.set(pid, uid);
    }
    return uid;
  }
}

function pushTo(index: Map<string, number[]>, key: string, i: number): void {
  const list = index.get(key);
  if (list) list.push(i);
  else index.set(key, [i]);
}

/** readings are wanted from the collector while a snapshot was asked for within this time */
const WANTED_FOR_MS = 60_000;

export class ProcessTable implements ProcessReadingSink {
  private readonly procDir: string;
  private last: ProcessSnapshot | null = null;
  private lastAskedMs = -Infinity;
  private readonly stat: ProcStat = { kernelThread: false, cpuTicks: 0, startTicks: 0, rssPages: 0, nameStart: 0, nameEnd: 0 };
  private readonly statFiles: OpenProcFiles;
  private readonly cmdlineFiles: OpenProcFiles;

  /**
   * `maxAgeMs`: a reading younger than this is reused (default 0.9 s: the collector's reading
   * from the start of the second serves the round half a second later, and a round's own reading
   * never serves the next round, a second later). `maxOpenFiles`: of each kind (stat, cmdline).
   */
  constructor(root = '/', private readonly maxAgeMs = 900, private readonly nowMs: () => number = monotonicMs, maxOpenFiles = 1024) {
    this.procDir = path.join(root, 'proc');
    this.statFiles = new OpenProcFiles(this.procDir, maxOpenFiles, 'stat');
    this.cmdlineFiles = new OpenProcFiles(this.procDir, maxOpenFiles, 'cmdline');
  }

  /** Files held open (tests: closed when their process exits). */
  get openFiles(): number {
    return this.statFiles.open + this.cmdlineFiles.open;
  }

  wanted(): boolean {
    return this.nowMs() - this.lastAskedMs < WANTED_FOR_MS;
  }

  offer(atMs: number, entries: ProcessEntry[]): void {
    if (this.last && this.last.atMs > atMs) return;
    this.adopt(atMs, entries);
  }

  snapshot(): ProcessSnapshot {
    const now = this.nowMs();
    this.lastAskedMs = now;
    if (this.last && now - this.last.atMs < this.maxAgeMs) return this.last;
    const entries: ProcessEntry[] = [];
    const listed = new Set<number>();
    const s = this.stat;
    for (const name of readdirSync(this.procDir)) {
      const first = name.charCodeAt(0);
      if (first < 48 || first > 57) continue;
      const pid = Number(name);
      const text = this.statFiles.read(pid, name);
      if (text === null || !parseProcStat(text, s)) continue; // exited meanwhile
      listed.add(pid);
      if (s.kernelThread) continue;
      entries.push({ pid, comm: text.slice(s.nameStart, s.nameEnd), cpuTicks: s.cpuTicks, startTicks: s.startTicks, rssPages: s.rssPages });
    }
    return this.adopt(now, entries, listed);
  }

  /** Closes every file held open. */
  close(): void {
    this.statFiles.closeAll();
    this.cmdlineFiles.closeAll();
    this.last = null;
  }

  /** `listed`: every pid of the reading, kernel threads included (their stat files stay open too) */
  private adopt(atMs: number, entries: ProcessEntry[], listed = new Set(entries.map((e) => e.pid))): ProcessSnapshot {
    // the files of processes gone since the last reading are closed
    for (const files of [this.statFiles, this.cmdlineFiles]) {
      for (const pid of files.pids()) if (!listed.has(pid)) files.forget(pid);
    }
    this.last = new ProcessSnapshot(this.procDir, atMs, entries, this.cmdlineFiles);
    return this.last;
  }
}
