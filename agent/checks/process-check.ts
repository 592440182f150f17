// The process check (S5, S18): the processes that match a name, a command-line pattern and/or a
// user, their count against bounds, and their summed CPU (% of one CPU since the last run) and
// resident memory as perfdata, which the appliance keeps in RRD so a watched process has history.
// Reads the process table through process-table.ts (one reading shared by the process checks of a
// round, with the top-processes collector's parsers); the command line is read only for processes
// whose name passed (or when only a pattern is given).
import type { CheckState, Perfdatum } from '../../contract/checks.js';
import { systemConstants } from '../collectors/system-constants.js';
import { UserNames } from '../collectors/user-names.js';
import { ProcessTable, type ProcessEntry, type ProcessSnapshot } from './process-table.js';

export interface ProcessCheckSpec {
  /** the process name (comm, at most 15 characters as the kernel keeps it) or the executable's file name */
  name?: string;
  /** tested against the command line (arguments joined by spaces) */
  commandLine?: (cmdline: string) => boolean;
  /** only processes running as this user (name or uid) */
  user?: string;
  /** count bounds: fewer than `min` or more than `max` is CRITICAL (default min 1) */
  min?: number;
  max?: number;
}

export interface ProcessCheckResult {
  state: CheckState;
  output: string;
  perfdata: Perfdatum[];
  /** the matching pids, for the long output */
  pids: number[];
}

export interface ProcessCheckOptions {
  /** stands for `/` (tests: recorded fixtures) */
  root?: string;
  nowMs?: () => number;
  /** the reading of /proc shared with the other process checks (default: one of its own) */
  table?: ProcessTable;
}

interface Previous {
  atMs: number;
  /** pid → start ticks and CPU ticks at the last run */
  ticks: Map<number, { start: number; cpu: number }>;
}

/** One check's matcher and its CPU baseline: make one per check definition. */
export class ProcessCheck {
  private readonly table: ProcessTable;
  private readonly users: UserNames;
  private previous: Previous | null = null;

  constructor(private readonly spec: ProcessCheckSpec, opts: ProcessCheckOptions = {}) {
    const root = opts.root ?? '/';
    // a table of its own is read afresh at every run, and keeps no file open (nothing closes it)
    this.table = opts.table ?? new ProcessTable(root, 0, opts.nowMs, 0);
    this.users = new UserNames(root);
  }

  run(): ProcessCheckResult {
    const { pageSize, ticksPerSecond } = systemConstants();
    const snapshot = this.table.snapshot();
    const atMs = snapshot.atMs;
    const uid = this.wantedUid();
    const ticks = new Map<number, { start: number; cpu: number }>();
    const pids: number[] = [];
    let rssBytes = 0;
    let cpuTicksDelta = 0;
    const { name } = this.spec;
    const candidates = name === undefined ? snapshot.entries : snapshot.named(name).map((i) => snapshot.entries[i] as ProcessEntry);
    for (const p of candidates) {
      if (!this.matches(snapshot, p.pid, uid)) continue;
      pids.push(p.pid);
      rssBytes += p.rssPages * pageSize;
      ticks.set(p.pid, { start: p.startTicks, cpu: p.cpuTicks });
      const before = this.previous?.ticks.get(p.pid);
      // a process that started since the last run is charged from its start
      cpuTicksDelta += before && before.start === p.startTicks ? Math.max(0, p.cpuTicks - before.cpu) : this.previous ? p.cpuTicks : 0;
    }
    const elapsedS = this.previous ? (atMs - this.previous.atMs) / 1000 : 0;
    const cpuPct = elapsedS > 0 ? (100 * cpuTicksDelta) / ticksPerSecond / elapsedS : null;
    this.previous = { atMs, ticks };
    const min = this.spec.min ?? 1;
    const max = this.spec.max ?? Number.POSITIVE_INFINITY;
    const n = pids.length;
    const state: CheckState = n < min || n > max ? 'critical' : 'ok';
    const what = this.describe();
    const bounds = max === Number.POSITIVE_INFINITY ? `at least ${min}` : min === max ? `exactly ${min}` : `${min} to ${max}`;
    const label = state === 'ok' ? 'PROCS OK' : 'PROCS CRITICAL';
    return {
      state,
      output: `${label}: ${n} process${n === 1 ? '' : 'es'} ${what} (wanted ${bounds})`,
      perfdata: [
        { label: 'procs', value: n, unit: '', warn: null, crit: `${min}:${max === Number.POSITIVE_INFINITY ? '' : max}`, min: 0, max: null },
        { label: 'cpu', value: cpuPct === null ? null : Math.round(cpuPct * 100) / 100, unit: '%', warn: null, crit: null, min: 0, max: null },
        { label: 'rss', value: rssBytes, unit: 'B', warn: null, crit: null, min: 0, max: null },
      ],
      pids,
    };
  }

  /** The command line and user (the name is matched by the snapshot's index: ProcessSnapshot.named). */
  private matches(snapshot: ProcessSnapshot, pid: number, uid: number | null): boolean {
    const { commandLine } = this.spec;
    if (commandLine && !commandLine(snapshot.cmdline(pid))) return false;
    if (uid !== null && snapshot.uid(pid) !== uid) return false;
    return true;
  }

  /** The uid the spec's user names, null for any; -1 for a user that does not exist (matches nothing). */
  private wantedUid(): number | null {
    const { user } = this.spec;
    if (user === undefined) return null;
    if (/^\d+$/.test(user)) return Number(user);
    this.users.refresh();
    return this.users.uidOf(user) ?? -1;
  }

  private describe(): string {
    const parts: string[] = [];
    if (this.spec.name !== undefined) parts.push(`named '${this.spec.name}'`);
    if (this.spec.commandLine) parts.push('with a matching command line');
    if (this.spec.user !== undefined) parts.push(`of user ${this.spec.user}`);
    return parts.join(' ') || 'in all';
  }
}
