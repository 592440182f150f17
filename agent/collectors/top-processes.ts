// Top-processes collector (S1; snapshot `x.top`): the 5 processes using the most CPU (% of one
// CPU since the previous snapshot, so above 100 for a busy multi-threaded process), the most
// memory (resident set, % of RAM) and the most disk I/O (bytes/s read from and written to
// storage since the previous snapshot), each with name, pid and user.
//
// This is the agent's most expensive collector (it reads a file or two per process), so it is
// built to be cheap (notes/performance.md, "Agent sampling cost"):
// - one pass over /proc: /proc/<pid>/stat gives CPU ticks, start time and RSS pages in one read
//   (no statm, no status), from a file kept open across rounds (open-proc-files.ts: one pread
//   instead of four system calls); /proc/<pid>/io the storage bytes, not asked of kernel
//   threads, which have none of their own, nor of a process that used no CPU since the last
//   round, and kept open across rounds like stat (at the default 15 s most processes have used
//   CPU since the last round: 0.8 against 2.1 ms a pass over 120 processes, measured with
//   readFileSync);
//   fields found with native String methods; a name is cut out only when its process enters a
//   top-5 list;
// - the user (euid from /proc/<pid>/status) is read once in a process's life, when it is first
//   seen, and kept with its rates: CPU and memory are summed per account in the same pass
//   (user-totals.ts, S18), and the winners' names come from it (names from /etc/passwd, cached);
// - /proc/<pid>/io of another user's process is refused to an unprivileged agent (it needs
//   CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE: docs/agent.md "Installing agents"); such a process is
//   skipped quietly in the I/O list and not asked again while it lives.
// CPU and I/O are rates: the first snapshot after a start only sets the baseline, and a process
// that started since the previous snapshot is charged from its start.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Snapshot } from '../../contract/metrics.js';
import { monotonicMs, readRootFile, UTF8, type SnapshotParts, type SyncSnapshotCollector } from './collector.js';
import { OpenProcFiles } from './open-proc-files.js';
import { systemConstants } from './system-constants.js';
import { UserNames } from './user-names.js';
import { UserTotals } from './user-totals.js';

export type TopProcess = NonNullable<Snapshot['top']>['cpu'][number];
export type TopLists = NonNullable<Snapshot['top']>;

export const TOP_COUNT = 5;

/** The fields of /proc/<pid>/stat this collector uses. */
export interface ProcStat {
  /** a kernel thread (PF_KTHREAD): it has no I/O of its own to account */
  kernelThread: boolean;
  /** utime + stime, clock ticks */
  cpuTicks: number;
  /** clock ticks after boot */
  startTicks: number;
  rssPages: number;
  /** where the name is: between the first '(' and the last ')' */
  nameStart: number;
  nameEnd: number;
}

const PF_KTHREAD = 0x00200000;

/** One user-space process of a reading of /proc (kernel threads are left out). */
export interface ProcessEntry {
  pid: number;
  /** the kernel's name (comm), at most 15 characters */
  comm: string;
  cpuTicks: number;
  startTicks: number;
  rssPages: number;
}

/**
 * Takes the collector's reading of /proc for the process checks (agent/checks/process-table.ts),
 * which then need no reading of their own in the seconds the collector runs: one pass over
 * /proc per second serves both (S1, S18).
 */
export interface ProcessReadingSink {
  /** whether anyone wants readings now (no list is built when not) */
  wanted(): boolean;
  /** `atMs`: monotonic time of the reading (monotonicMs) */
  offer(atMs: number, entries: ProcessEntry[]): void;
}

/** The decimal number in text[start, end), or -1 (the fields used are never negative). */
function decimal(text: string, start: number, end: number): number {
  if (end <= start) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code < 48 || code > 57) return -1;
    value = value * 10 + (code - 48);
  }
  return value;
}

/**
 * Parses /proc/<pid>/stat into `out`. The name (field 2) is in parentheses and may itself contain blanks and
 * parentheses, so fields are counted from the last ')'. After it: state is field 3; flags 9,
 * utime 14, stime 15, starttime 22, rss 24 (proc(5)). The fields are found with
 * String.prototype.indexOf, native code even in V8's interpreter (see agent/main.ts).
 */
export function parseProcStat(text: string, out: ProcStat): boolean {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close <= open) return false;
  out.nameStart = open + 1;
  out.nameEnd = close;
  let blank = close + 1; // the blank before field 3
  let utime = -1;
  let stime = -1;
  for (let field = 3; field <= 24; field++) {
    if (text.charCodeAt(blank) !== 0x20) return false;
    let next = text.indexOf(' ', blank + 1);
    if (next < 0) next = text.length;
    if (field === 9) {
      const flags = decimal(text, blank + 1, next);
      if (flags < 0) return false;
      out.kernelThread = (flags & PF_KTHREAD) !== 0;
    } else if (field === 14) {
      utime = decimal(text, blank + 1, next);
    } else if (field === 15) {
      stime = decimal(text, blank + 1, next);
    } else if (field === 22) {
      out.startTicks = decimal(text, blank + 1, next);
    } else if (field === 24) {
      out.rssPages = decimal(text, blank + 1, next);
      out.cpuTicks = utime + stime;
      return utime >= 0 && stime >= 0 && out.startTicks >= 0 && out.rssPages >= 0;
    }
    blank = next;
  }
  return false;
}

/**
 * read_bytes + write_bytes of /proc/<pid>/io (storage I/O, not page-cache hits), or -1
 * ("cancelled_write_bytes" does not start a line, so it is not mistaken for write_bytes).
 */
export function parseProcIo(text: string): number {
  const value = (label: string): number => {
    const at = text.indexOf(label);
    if (at < 0) return -1;
    const start = at + label.length;
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    return decimal(text, start, end);
  };
  const read = value('\nread_bytes: ');
  const written = value('\nwrite_bytes: ');
  return read < 0 || written < 0 ? -1 : read + written;
}

/** The effective uid from /proc/<pid>/status ("Uid:\treal\teffective\tsaved\tfs"), or -1. */
export function effectiveUid(status: string): number {
  const match = /^Uid:\s+\d+\s+(\d+)/m.exec(status);
  return match?.[1] ? Number(match[1]) : -1;
}

/** MemTotal of /proc/meminfo in bytes (its first line), or 0. */
export function memTotalBytes(meminfo: string): number {
  const at = meminfo.indexOf('MemTotal:');
  if (at < 0) return 0;
  let start = at + 'MemTotal:'.length;
  while (meminfo.charCodeAt(start) === 0x20) start++;
  const end = meminfo.indexOf(' ', start);
  const kb = decimal(meminfo, start, end < 0 ? meminfo.length : end);
  return kb > 0 ? kb * 1024 : 0;
}

/** A fixed-size list of the highest values seen, highest first. */
class TopList {
  readonly entries: { pid: number; value: number; name: string }[] = [];

  qualifies(value: number): boolean {
    return this.entries.length < TOP_COUNT || value > (this.entries[TOP_COUNT - 1]?.value ?? -Infinity);
  }

  insert(pid: number, value: number, name: string): void {
    let at = this.entries.findIndex((entry) => value > entry.value);
    if (at < 0) at = this.entries.length;
    this.entries.splice(at, 0, { pid, value, name });
    if (this.entries.length > TOP_COUNT) this.entries.pop();
  }
}

interface ProcessMemo {
  startTicks: number;
  cpuTicks: number;
  /** storage bytes at the last reading; -1 when /proc/<pid>/io is not readable for us */
  ioBytes: number;
  /** uptime (s) of that reading: it is skipped while the process sleeps, so rates span from it */
  ioAtS: number;
  round: number;
  /** effective uid, read when the process was first seen (-1: gone before it was read) */
  uid: number;
}

export interface TopProcessesOptions {
  root?: string;
  /** of the machine the files come from (recorded fixtures); this one's by default */
  pageSize?: number;
  ticksPerSecond?: number;
  /** stat files kept open at most (the rest are opened at each round) */
  maxOpenFiles?: number;
  /** receives each reading of /proc when it wants one */
  sink?: ProcessReadingSink;
  /** monotonic ms, the time of a reading handed to `sink` (the sink's own clock) */
  nowMs?: () => number;
}

export interface TopProcessesCollector extends SyncSnapshotCollector {
  /** processes remembered for the next rates (tests: no leak across exits) */
  readonly remembered: number;
  /** stat and io files held open (tests: closed when their process exits) */
  readonly openFiles: number;
  release(): void;
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

export function createTopProcessesCollector(options: TopProcessesOptions = {}): TopProcessesCollector {
  const root = options.root ?? '/';
  const procDir = path.join(root, 'proc');
  const { pageSize, ticksPerSecond } = { ...systemConstants(), ...options };
  const users = new UserNames(root);
  const memo = new Map<number, ProcessMemo>();
  const statFiles = new OpenProcFiles(procDir, options.maxOpenFiles);
  const ioFiles = new OpenProcFiles(procDir, options.maxOpenFiles, 'io');
  const stat: ProcStat = { kernelThread: false, cpuTicks: 0, startTicks: 0, rssPages: 0, nameStart: 0, nameEnd: 0 };
  let round = 0;
  let previousUptimeS = -1;
  const userTotals = new UserTotals();
  const uidOf = (entry: string): number => {
    try {
      return effectiveUid(readFileSync(`${procDir}/${entry}/status`, UTF8));
    } catch {
      return -1; // exited in the meantime
    }
  };

  const readUptimeS = (): number => {
    const uptime = Number(readRootFile(root, 'proc/uptime').split(' ')[0]);
    if (!Number.isFinite(uptime)) throw new Error('/proc/uptime: unexpected content');
    return uptime;
  };

  return {
    name: 'top',
    get remembered(): number {
      return memo.size;
    },
    get openFiles(): number {
      return statFiles.open + ioFiles.open;
    },
    release(): void {
      statFiles.closeAll();
      ioFiles.closeAll();
      memo.clear();
    },
    snapshot(): SnapshotParts {
      round++;
      const uptimeS = readUptimeS();
      const elapsedS = previousUptimeS >= 0 ? uptimeS - previousUptimeS : 0;
      const sinceTicks = previousUptimeS >= 0 ? previousUptimeS * ticksPerSecond : Infinity;
      const memTotal = memTotalBytes(readRootFile(root, 'proc/meminfo'));
      const byCpu = new TopList();
      const byMemory = new TopList();
      const byIo = new TopList();
      const atMs = (options.nowMs ?? monotonicMs)();
      const shared: ProcessEntry[] | null = options.sink?.wanted() ? [] : null;
      userTotals.clear();

      for (const entry of readdirSync(procDir)) {
        const first = entry.charCodeAt(0);
        if (first < 48 || first > 57) continue;
        const pid = Number(entry);
        const statText = statFiles.read(pid, entry);
        if (statText === null || !parseProcStat(statText, stat)) continue; // exited since the directory was listed
        if (shared && !stat.kernelThread) {
          shared.push({ pid, comm: statText.slice(stat.nameStart, stat.nameEnd), cpuTicks: stat.cpuTicks, startTicks: stat.startTicks, rssPages: stat.rssPages });
        }

        let known = memo.get(pid);
        if (known && known.startTicks !== stat.startTicks) known = undefined; // the pid was reused
        // a process started since the previous snapshot is charged from zero, i.e. from its start
        const fresh = !known && stat.startTicks >= sinceTicks;
        const previousTicks = known ? known.cpuTicks : fresh ? 0 : -1;
        let ioBytes = known?.ioBytes ?? (stat.kernelThread ? -1 : 0);
        let ioAtS = known?.ioAtS ?? uptimeS;
        const previousIo = known ? known.ioBytes : fresh ? 0 : -1;
        const previousIoAtS = known ? known.ioAtS : previousUptimeS;
        // Storage I/O is charged to a process in its own context (read_bytes when it submits a
        // read, write_bytes when it dirties pages: a system call or a page fault), so a process
        // that has used no CPU tick since the last round has done next to none: most processes
        // sleep, and skipping their io file halves this collector's reads. What a sleeper did
        // below one tick is not lost: it shows in the next reading, as a rate over the whole
        // time since the last one.
        const slept = known !== undefined && stat.cpuTicks === known.cpuTicks;
        if (ioBytes >= 0 && !slept) {
          // null: EACCES (another user's process and no capability) or exited
          const ioText = ioFiles.read(pid, entry);
          ioBytes = ioText === null ? -1 : parseProcIo(ioText);
          ioAtS = uptimeS;
        }
        let uid: number;
        if (known) {
          known.cpuTicks = stat.cpuTicks;
          known.ioBytes = ioBytes;
          known.ioAtS = ioAtS;
          known.round = round;
          uid = known.uid;
        } else {
          uid = stat.kernelThread ? 0 : uidOf(entry); // kernel threads run as root, and say so in the lists
          memo.set(pid, { startTicks: stat.startTicks, cpuTicks: stat.cpuTicks, ioBytes, ioAtS, round, uid });
        }
        if (!(elapsedS > 0)) continue; // the first round only sets the baseline

        // the name is decoded only for a process that enters a list, and at most once
        let name: string | null = null;
        let cpuPct = 0;
        if (previousTicks >= 0 && stat.cpuTicks > previousTicks) {
          cpuPct = ((stat.cpuTicks - previousTicks) / ticksPerSecond / elapsedS) * 100;
          if (byCpu.qualifies(cpuPct)) byCpu.insert(pid, cpuPct, name ??= statText.slice(stat.nameStart, stat.nameEnd));
        }
        if (!stat.kernelThread) userTotals.add(uid, cpuPct, stat.rssPages * pageSize);
        if (stat.rssPages > 0 && memTotal > 0) {
          const memoryPct = ((stat.rssPages * pageSize) / memTotal) * 100;
          if (byMemory.qualifies(memoryPct)) byMemory.insert(pid, memoryPct, name ??= statText.slice(stat.nameStart, stat.nameEnd));
        }
        if (previousIo >= 0 && ioBytes > previousIo && ioAtS > previousIoAtS) {
          const ioRate = (ioBytes - previousIo) / (ioAtS - previousIoAtS);
          if (byIo.qualifies(ioRate)) byIo.insert(pid, ioRate, name ??= statText.slice(stat.nameStart, stat.nameEnd));
        }
      }
      for (const [pid, remembered] of memo) if (remembered.round !== round) memo.delete(pid);
      for (const files of [statFiles, ioFiles]) for (const pid of files.pids()) if (!memo.has(pid)) files.forget(pid);
      previousUptimeS = uptimeS;
      if (shared) options.sink?.offer(atMs, shared);
      if (!(elapsedS > 0)) return {};

      users.refresh();
      const user = (pid: number): string => {
        const uid = memo.get(pid)?.uid ?? -1;
        return uid < 0 ? '' : users.name(uid); // -1: exited before its status was read, listed with no user
      };
      const toContract = (list: TopList, value: (v: number) => number): TopProcess[] =>
        list.entries.map((entry) => ({ pid: entry.pid, name: entry.name.slice(0, 256), user: user(entry.pid).slice(0, 64), value: value(entry.value) }));
      return {
        top: {
          cpu: toContract(byCpu, round2),
          memory: toContract(byMemory, round2),
          io: toContract(byIo, Math.round),
          users: userTotals.top((uid) => users.name(uid)),
        },
      };
    },
  };
}
