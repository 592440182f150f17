// One reading of /proc shared by every process check (S5, S18) that runs within half a second of it:
// a round of checks, however many process checks it holds, reads each /proc/<pid>/stat once,
// and a command line or an owner only when some check asks, at most once per reading. A
// thousand process checks every 10 s then cost one reading per round (a second) instead of a
// hundred readings a second.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { effectiveUid, parseProcStat, type ProcStat } from '../collectors/top-processes.js';
import { monotonicMs } from '../collectors/collector.js';

export interface ProcessEntry {
  pid: number;
  /** the kernel's name (comm), at most 15 characters */
  comm: string;
  cpuTicks: number;
  startTicks: number;
  rssPages: number;
}

/** A reading of the process table; command lines and owners are read on demand and kept. */
export class ProcessSnapshot {
  private readonly cmdlines = new Map<number, string>();
  private readonly uids = new Map<number, number>();

  constructor(private readonly procDir: string, readonly atMs: number, readonly entries: readonly ProcessEntry[]) {}

  /** The command line, arguments joined by spaces ('' for a process gone meanwhile). */
  cmdline(pid: number): string {
    let text = this.cmdlines.get(pid);
    if (text === undefined) {
      try {
        text = readFileSync(path.join(this.procDir, String(pid), 'cmdline'), 'utf8').replace(/\0+$/, '').split('\0').join(' ');
      } catch {
        text = '';
      }
      this.cmdlines.set(pid, text);
    }
    return text;
  }

  /** The effective uid, -1 for a process gone meanwhile. */
  uid(pid: number): number {
    let uid = this.uids.get(pid);
    if (uid === undefined) {
      try {
        uid = effectiveUid(readFileSync(path.join(this.procDir, String(pid), 'status'), 'utf8'));
      } catch {
        uid = -1;
      }
      this.uids.set(pid, uid);
    }
    return uid;
  }
}

export class ProcessTable {
  private readonly procDir: string;
  private last: ProcessSnapshot | null = null;
  private readonly stat: ProcStat = { kernelThread: false, cpuTicks: 0, startTicks: 0, rssPages: 0, nameStart: 0, nameEnd: 0 };

  /** `maxAgeMs`: a reading younger than this is reused (default 0.5 s: within a round, never across two) */
  constructor(root = '/', private readonly maxAgeMs = 500, private readonly nowMs: () => number = monotonicMs) {
    this.procDir = path.join(root, 'proc');
  }

  snapshot(): ProcessSnapshot {
    const now = this.nowMs();
    if (this.last && now - this.last.atMs < this.maxAgeMs) return this.last;
    const entries: ProcessEntry[] = [];
    for (const name of readdirSync(this.procDir)) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid <= 0) continue;
      let text: string;
      try {
        text = readFileSync(path.join(this.procDir, name, 'stat'), 'utf8');
      } catch {
        continue; // exited meanwhile
      }
      const s = this.stat;
      if (!parseProcStat(text, s) || s.kernelThread) continue;
      entries.push({ pid, comm: text.slice(s.nameStart, s.nameEnd), cpuTicks: s.cpuTicks, startTicks: s.startTicks, rssPages: s.rssPages });
    }
    this.last = new ProcessSnapshot(this.procDir, now, entries);
    return this.last;
  }
}
