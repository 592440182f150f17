// CPU time and memory of other processes, read from Linux /proc: the benchmark's way of charging
// each broker (and the appliance's rrdcached child, separately) for its work. CPU comes from
// /proc/<pid>/stat (utime + stime, in clock ticks); memory from /proc/<pid>/status (VmRSS, VmHWM),
// sampled on a timer because the kernel's high-water mark cannot be reset between phases.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | null = null;

/** USER_HZ (sysconf(_SC_CLK_TCK)), the unit of utime/stime; 100 on every common Linux build. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === null) {
    try {
      const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticksPerSecond = Number.isInteger(n) && n > 0 ? n : 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of a process in seconds, or null when it is gone. Children are not included. */
export function cpuSeconds(pid: number): number | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // the command name (field 2) is in parentheses and may contain spaces: split after the last ')'
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields 14 and 15 of proc(5); `rest` starts at field 3
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return (utime + stime) / clockTicksPerSecond();
}

/**
 * Time on the CPU of every thread of a process, in seconds, from /proc/<pid>/task/<tid>/schedstat
 * (nanoseconds, where /proc/<pid>/stat counts 10 ms clock ticks): precise enough for a process that
 * uses a few tens of milliseconds in a window, as the agent at its default schedules does. A thread
 * that exits within a window takes its time with it (the agent's and node_exporter's threads live
 * as long as the process). Null when the process is gone.
 */
export function cpuSecondsPrecise(pid: number): number | null {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  let ns = 0;
  for (const tid of tids) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread exited between the listing and the read
    }
  }
  return ns / 1e9;
}

export interface MemoryStatus {
  rssKb: number;
  /** peak RSS over the process's life */
  hwmKb: number;
}

export function memoryStatus(pid: number): MemoryStatus | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(text);
  const hwm = /^VmHWM:\s+(\d+) kB/m.exec(text);
  if (!rss?.[1]) return null;
  return { rssKb: Number(rss[1]), hwmKb: Number(hwm?.[1] ?? rss[1]) };
}

export interface RssPoint {
  atMs: number;
  rssKb: number;
}

/**
 * Samples the RSS of named processes every `intervalMs` (200 ms by default). The pid of a name
 * is asked each time, so a restarted child (rrdcached) is followed. Keeps every point: a run of
 * a few minutes at 5 points a second is a few thousand numbers.
 */
export class RssSampler {
  private timer: NodeJS.Timeout | null = null;
  private readonly points = new Map<string, RssPoint[]>();

  constructor(
    private readonly pids: () => Record<string, number | null>,
    private readonly intervalMs = 200,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  sample(): void {
    const now = performance.now();
    for (const [name, pid] of Object.entries(this.pids())) {
      if (pid === null) continue;
      const m = memoryStatus(pid);
      if (!m) continue;
      let list = this.points.get(name);
      if (!list) {
        list = [];
        this.points.set(name, list);
      }
      list.push({ atMs: now, rssKb: m.rssKb });
    }
  }

  /** Peak RSS (kB) of a name between two instants (performance.now()), or null without samples. */
  peakKb(name: string, fromMs = -Infinity, toMs = Infinity): number | null {
    let peak: number | null = null;
    for (const p of this.points.get(name) ?? []) {
      if (p.atMs >= fromMs && p.atMs <= toMs && (peak === null || p.rssKb > peak)) peak = p.rssKb;
    }
    return peak;
  }

  /** Mean RSS (kB) over a span: with peakKb, says whether memory grows during a window. */
  meanKb(name: string, fromMs: number, toMs: number): number | null {
    let sum = 0;
    let n = 0;
    for (const p of this.points.get(name) ?? []) {
      if (p.atMs >= fromMs && p.atMs <= toMs) {
        sum += p.rssKb;
        n++;
      }
    }
    return n > 0 ? sum / n : null;
  }
}

/** CPU seconds of several processes at one instant (null for a gone or unknown pid). */
export function cpuSnapshot(pids: Record<string, number | null>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [name, pid] of Object.entries(pids)) out[name] = pid === null ? null : cpuSeconds(pid);
  return out;
}

/**
 * CPU seconds the whole machine has spent busy since boot (all cores: user, nice, system, irq,
 * softirq, steal; not idle or iowait), from /proc/stat. Minus the processes a run measures, it
 * shows how much other work (other people's builds and tests on a shared machine) competed.
 */
export function machineBusySeconds(): number | null {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return null;
  }
  const cpu = /^cpu\s+(.*)$/m.exec(text)?.[1]?.trim().split(/\s+/).map(Number);
  if (!cpu || cpu.length < 8) return null;
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
  return (user + nice + system + irq + softirq + steal) / clockTicksPerSecond();
}
