// ICMP echo for the appliance's ping probes (S5). Node has no ICMP socket, so the probes run
// Debian's fping: one process for all the ping probes that fall due within a short window (1,000
// probes every 30 s cost a few fping runs, not 1,000 processes), `-C count -q` printing each
// host's round trips on stderr. fping opens an unprivileged ICMP datagram socket where
// net.ipv4.ping_group_range admits the appliance's group, else a raw socket, for which Debian's
// package gives /usr/bin/fping cap_net_raw (docs/probes.md).
import { execFile } from 'node:child_process';

export interface PingRequest {
  host: string;
  count: number;
  /** the whole run's bound */
  timeoutMs: number;
}

/** Each echo's round trip in ms, null for one lost; or why nothing could be sent. */
export type PingReply = { rttsMs: (number | null)[] } | { error: string };

/** A host fping may be given: a name or an address, never something it would read as an option. */
const HOST = /^[A-Za-z0-9_][A-Za-z0-9.:%_-]*$/;

/** fping's `-C` summary lines (stderr): "127.0.0.1 : 0.041 0.086 -" (a '-' for each echo lost). */
export function parseFpingCounts(stderr: string): Map<string, (number | null)[]> {
  const out = new Map<string, (number | null)[]>();
  for (const line of stderr.split('\n')) {
    const m = /^(\S+)\s+:((?:\s+(?:-|\d+(?:\.\d+)?))+)\s*$/.exec(line);
    if (!m?.[1] || !m[2]) continue;
    out.set(m[1], m[2].trim().split(/\s+/).map((v) => (v === '-' ? null : Number(v))));
  }
  return out;
}

interface Waiting {
  request: PingRequest;
  resolve: (reply: PingReply) => void;
}

export interface FpingBatchOptions {
  /** default: fping on PATH */
  fpingPath?: string;
  /** how long a request waits for others to share its fping run (default 50 ms) */
  gatherMs?: number;
}

export class FpingBatch {
  private waiting: Waiting[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly running = new Set<import('node:child_process').ChildProcess>();

  constructor(private readonly o: FpingBatchOptions = {}) {}

  ping(request: PingRequest): Promise<PingReply> {
    const host = request.host.replace(/^\[(.*)\]$/, '$1');
    if (!HOST.test(host)) return Promise.resolve({ error: `${request.host} is not a host name or address` });
    return new Promise((resolve) => {
      this.waiting.push({ request: { ...request, host }, resolve });
      this.timer ??= setTimeout(() => this.flush(), this.o.gatherMs ?? 50);
    });
  }

  /** Ends the fping runs under way; their probes report UNKNOWN. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.waiting) w.resolve({ error: 'the appliance is stopping' });
    this.waiting = [];
    for (const child of this.running) child.kill('SIGKILL');
  }

  private flush(): void {
    this.timer = null;
    const batch = this.waiting;
    this.waiting = [];
    // one fping run per (count, per-echo timeout): fping takes them once for all its hosts
    const runs = new Map<string, Waiting[]>();
    for (const w of batch) {
      const key = `${w.request.count}/${perEchoMs(w.request)}`;
      const list = runs.get(key) ?? [];
      list.push(w);
      runs.set(key, list);
    }
    for (const list of runs.values()) this.run(list);
  }

  private run(list: Waiting[]): void {
    const first = list[0];
    if (!first) return;
    const { count } = first.request;
    const echoMs = perEchoMs(first.request);
    const hosts = [...new Set(list.map((w) => w.request.host))];
    // -p: the gap between echoes to one host (it is also the longest an echo is waited for: -t);
    // -i 2: 2 ms between hosts, so 1,000 hosts go out in 2 s rather than fping's default 10 s
    const args = ['-C', String(count), '-q', '-t', String(echoMs), '-p', String(echoMs), '-i', '2', '-r', '0', ...hosts];
    const child = execFile(this.o.fpingPath ?? 'fping', args, {
      timeout: count * echoMs + hosts.length * 2 + 5_000, killSignal: 'SIGKILL', maxBuffer: 1 << 20,
    }, (error, _stdout, stderr) => {
      this.running.delete(child);
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT') {
        for (const w of list) w.resolve({ error: 'fping is not installed (Debian: apt-get install fping)' });
        return;
      }
      const counts = parseFpingCounts(stderr);
      const complaint = stderr.split('\n').find((l) => l.trim() !== '' && !/^\S+\s+:\s/.test(l));
      for (const w of list) {
        const rtts = counts.get(w.request.host);
        if (rtts) w.resolve({ rttsMs: rtts });
        else w.resolve({ error: error?.killed ? 'fping did not finish in time' : `${w.request.host}: ${complaint?.trim() ?? 'no answer from fping (name not resolved?)'}` });
      }
    });
    this.running.add(child);
  }
}

/** How long each echo is waited for: the run's bound shared by its echoes, 100 ms to 1 s. */
function perEchoMs(r: PingRequest): number {
  return Math.max(100, Math.min(1000, Math.floor(r.timeoutMs / (r.count + 1))));
}
