// The quota check (S16): disk usage per account against a recommended and a warning level (per
// account where the definition names one). Where the kernel keeps user quotas on the filesystems
// concerned (a mount option says so) and quota-tools' repquota is installed and may read them, the
// figures are the kernel's (repquota.ts); else each account's files under `paths` are summed,
// incrementally (owner-usage.ts). Above the recommended level an account is WARNING, above the
// warning level CRITICAL; the check's state is its worst account's, and its output names it.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { CheckState, Perfdatum } from '../../contract/checks.js';
import { CHECK_LIMITS } from '../../contract/checks.js';
import { UserNames } from '../collectors/user-names.js';
import type { CheckOutcome } from './check-outcome.js';
import { OwnerUsage } from './owner-usage.js';
import { cutToBytes } from './plugin-output.js';
import { mountOf, parseRepquota, readMounts, type Mount } from './repquota.js';

export interface QuotaLevels {
  recommendedBytes: number;
  warningBytes: number;
}

export interface QuotaCheckOptions extends QuotaLevels {
  paths: readonly string[];
  /** levels by user name that replace the defaults */
  accounts: Readonly<Record<string, QuotaLevels>>;
  timeoutMs: number;
  /** stands for `/` when reading /proc/mounts and /etc/passwd (tests) */
  root?: string;
  /** the repquota program; null: never use quotas (default: the first of /usr/sbin, /sbin that exists) */
  repquota?: string | null;
  /** passed to OwnerUsage */
  maxDirs?: number;
  rescanRuns?: number;
}

/** accounts reported as perfdata at most (the worst first, then the largest): the RRD keeps one file per series */
export const QUOTA_PERFDATA_ACCOUNTS = 32;

const REPQUOTA = ['/usr/sbin/repquota', '/sbin/repquota'];

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

interface AccountUsage {
  account: string;
  usedBytes: number;
  levels: QuotaLevels;
  state: CheckState;
}

const RANK: Record<CheckState, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 };

export class QuotaCheck {
  private readonly users: UserNames;
  private readonly walkers = new Map<string, OwnerUsage>();
  private readonly repquota: string | null;

  constructor(private readonly opts: QuotaCheckOptions) {
    this.users = new UserNames(opts.root ?? '/');
    this.repquota = opts.repquota === undefined ? (REPQUOTA.find((p) => existsSync(p)) ?? null) : opts.repquota;
  }

  async run(): Promise<CheckOutcome> {
    const started = performance.now();
    const done = (o: Omit<CheckOutcome, 'durationMs'>): CheckOutcome => ({ ...o, durationMs: performance.now() - started });
    let usage: Map<string, number> | null = null;
    let source = '';
    const notes: string[] = [];
    const quotaMounts = this.quotaMounts();
    if (quotaMounts.length > 0 && this.repquota) {
      const fromQuotas = await this.fromRepquota(quotaMounts, notes);
      if (fromQuotas) {
        usage = fromQuotas;
        source = `quotas on ${quotaMounts.map((m) => m.mountPoint).join(', ')}`;
      }
    }
    if (!usage) {
      if (this.opts.paths.length === 0) {
        return done({ state: 'unknown', output: 'QUOTA UNKNOWN - no user quotas here and no paths to sum', longOutput: notes.join('\n'), perfdata: [] });
      }
      usage = await this.fromFiles(notes, started);
      source = `files under ${this.opts.paths.join(', ')}`;
    }
    return done(this.judge(usage, source, notes));
  }

  close(): void {
    this.walkers.clear();
  }

  /** Mounts with user quotas that hold the check's paths (every such mount when it names none). */
  private quotaMounts(): Mount[] {
    if (this.repquota === null) return [];
    const mounts = readMounts(this.opts.root ?? '/');
    const wanted = this.opts.paths.length === 0
      ? mounts.filter((m) => m.userQuota)
      : this.opts.paths.map((p) => mountOf(mounts, p)).filter((m): m is Mount => m?.userQuota === true);
    return [...new Map(wanted.map((m) => [m.mountPoint, m])).values()];
  }

  private async fromRepquota(mounts: Mount[], notes: string[]): Promise<Map<string, number> | null> {
    const usage = new Map<string, number>();
    for (const m of mounts) {
      const text = await new Promise<string | null>((resolve) => {
        execFile(this.repquota as string, ['-u', m.mountPoint], { timeout: this.opts.timeoutMs, maxBuffer: 4 * 1024 * 1024, env: { LANG: 'C', LC_ALL: 'C', PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } },
          (error, stdout, stderr) => {
            if (error) {
              notes.push(`repquota on ${m.mountPoint} failed (${(stderr || error.message).trim().split('\n')[0] ?? ''}); files are summed instead`);
              resolve(null);
            } else {
              resolve(stdout);
            }
          });
      });
      if (text === null) return null;
      for (const u of parseRepquota(text)) usage.set(u.account, (usage.get(u.account) ?? 0) + u.usedBytes);
    }
    return usage;
  }

  private async fromFiles(notes: string[], started: number): Promise<Map<string, number>> {
    this.users.refresh();
    const usage = new Map<string, number>();
    for (const p of this.opts.paths) {
      let walker = this.walkers.get(p);
      if (!walker) {
        walker = new OwnerUsage(p, { ...(this.opts.maxDirs !== undefined ? { maxDirs: this.opts.maxDirs } : {}), ...(this.opts.rescanRuns !== undefined ? { rescanRuns: this.opts.rescanRuns } : {}) });
        this.walkers.set(p, walker);
      }
      const r = await walker.run(Math.max(0, this.opts.timeoutMs - (performance.now() - started)));
      if (r.note) notes.push(r.note);
      for (const [uid, bytes] of r.byUid) {
        const name = this.users.name(uid);
        usage.set(name, (usage.get(name) ?? 0) + bytes);
      }
    }
    return usage;
  }

  private levelsOf(account: string): QuotaLevels {
    return this.opts.accounts[account] ?? { recommendedBytes: this.opts.recommendedBytes, warningBytes: this.opts.warningBytes };
  }

  private judge(usage: Map<string, number>, source: string, notes: string[]): Omit<CheckOutcome, 'durationMs'> {
    const accounts: AccountUsage[] = [...usage].map(([account, usedBytes]) => {
      const levels = this.levelsOf(account);
      const state: CheckState = usedBytes > levels.warningBytes ? 'critical' : usedBytes > levels.recommendedBytes ? 'warning' : 'ok';
      return { account, usedBytes, levels, state };
    });
    // the worst first: by state, then by how far past its own level
    const ratio = (a: AccountUsage): number => a.usedBytes / Math.max(1, a.state === 'critical' ? a.levels.warningBytes : a.levels.recommendedBytes);
    accounts.sort((a, b) => RANK[b.state] - RANK[a.state] || ratio(b) - ratio(a) || b.usedBytes - a.usedBytes);
    const worst = accounts[0];
    const over = accounts.filter((a) => a.state !== 'ok').length;
    // an incomplete walk cannot say an account is fine, only that one is over
    const state: CheckState = worst && worst.state !== 'ok' ? worst.state : notes.some((n) => n.startsWith('only ') || n.startsWith('more than')) ? 'unknown' : 'ok';
    const n = accounts.length;
    const count = `${n} account${n === 1 ? '' : 's'}`;
    let output: string;
    if (!worst) {
      output = `QUOTA ${state.toUpperCase()} - no files found (${source})`;
    } else if (worst.state === 'ok') {
      const largest = [...accounts].sort((a, b) => b.usedBytes - a.usedBytes)[0] ?? worst;
      output = `QUOTA ${state.toUpperCase()} - ${count} within their levels; the largest: ${largest.account} ${formatBytes(largest.usedBytes)} of ${formatBytes(largest.levels.recommendedBytes)} recommended`;
    } else {
      const level = worst.state === 'critical' ? `the warning level of ${formatBytes(worst.levels.warningBytes)}` : `the recommended ${formatBytes(worst.levels.recommendedBytes)}`;
      output = `QUOTA ${state.toUpperCase()} - ${worst.account} uses ${formatBytes(worst.usedBytes)}, above ${level} (${over} of ${count} over their levels)`;
    }
    const table = accounts.map((a) => `${a.account} ${formatBytes(a.usedBytes)} (recommended ${formatBytes(a.levels.recommendedBytes)}, warning ${formatBytes(a.levels.warningBytes)}) ${a.state.toUpperCase()}`);
    const perfdata: Perfdatum[] = accounts.slice(0, QUOTA_PERFDATA_ACCOUNTS).map((a) => ({
      label: a.account.slice(0, CHECK_LIMITS.labelChars), value: a.usedBytes, unit: 'B',
      warn: String(a.levels.recommendedBytes), crit: String(a.levels.warningBytes), min: 0, max: null,
    }));
    return { state, output: output.slice(0, CHECK_LIMITS.outputChars), longOutput: cutToBytes([`from ${source}`, ...notes, ...table].join('\n'), CHECK_LIMITS.longOutputBytes), perfdata };
  }
}
