// The quota of RRD files per agent (RES, docs/bounds.md, docs/storage.md): every new series an
// agent sends becomes a file of a fixed size (13.8 MB at a 1 s step with the default retention),
// so one metrics message with 1,000 distinct keys made 1,000 files, and any enrolled agent could
// fill the disk. Samples of files the agent already has, or that fit its quota, are stored;
// samples that would make a file beyond it are refused (counted as rejected, their batch still
// acknowledged), counted here, and reported once per agent per REPORT_INTERVAL_MS through
// `onRefused` (the agent's notice and an info alert).
//
// The count is of files on disk, not of series seen by this process: an agent's directory is
// listed once (in the thread pool) the first time it needs a new file after a start.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { APPLIANCE_FAMILIES, FAMILIES, FAMILY_NAMES } from '../../contract/families.js';
import type { SeriesQuotaNotice } from '../../contract/agent-notice.js';
import { ERROR_CODES } from '../../contract/errors.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { parseRrdFileName } from './rrd-layout.js';

/** keys of one keyed family counted in the default quota: cores, filesystems, interfaces, disks, disk-health drives */
const KEYS_PER_KEYED_FAMILY = 64;

/**
 * The default: each family's series, with KEYS_PER_KEYED_FAMILY keys for each keyed one: 4 + 5 × 64
 * = 324 files. A nominal server has ~12 (docs/storage.md), a changed interval adds one file per
 * series; a host with more cores, mounts and interfaces than that raises --series-per-agent.
 * Its service checks' perfdata (the appliance's own family `check`, S5) shares the quota: one file
 * per check and label, in the room a nominal server leaves.
 */
export const DEFAULT_FILES_PER_AGENT = FAMILY_NAMES.filter((f) => !APPLIANCE_FAMILIES.has(f)).reduce((n, f) => n + (FAMILIES[f].keyed ? KEYS_PER_KEYED_FAMILY : 1), 0);

/** at most one report (notice, alert, log line) per agent this often while it keeps going over */
export const REPORT_INTERVAL_MS = 60 * 60 * 1000;

/** What an agent is told, and the alert says, when its samples are refused for the quota. */
export interface SeriesQuotaRefusal {
  agentId: string;
  /** the quota, in files */
  maxFiles: number;
  /** files the agent has */
  files: number;
  /** the first series refused, as `<family>[-<encoded key>].<step>s` */
  example: string;
  /** series refused in the write that hit the quota */
  refusedSeries: number;
  atMs: number;
}

export interface SeriesQuotaDeps {
  rrdDir: string;
  maxFilesPerAgent: number;
  clock: Clock;
  logger: Logger;
  /** told each report: the agent's notice and the alert */
  onRefused: (refusal: SeriesQuotaRefusal) => void;
}

/** The retained notice that tells the agent (contract/agent-notice.ts). */
export function seriesQuotaNotice(r: SeriesQuotaRefusal): SeriesQuotaNotice {
  return {
    v: 1, kind: 'series-quota', code: 'RW_ERR_SERIES_QUOTA', atS: Math.floor(r.atMs / 1000), maxFiles: r.maxFiles, files: r.files, example: r.example,
    message: `${ERROR_CODES.RW_ERR_SERIES_QUOTA}; ${r.files} of ${r.maxFiles} files, ${r.refusedSeries} new series refused, e.g. ${r.example}`,
  };
}

export class SeriesQuota {
  /** samples refused since start */
  refusedSamples = 0;
  /** per agent: the names of its files, once listed */
  private readonly filesOf = new Map<string, Set<string> | Promise<Set<string>>>();
  private readonly lastReportMs = new Map<string, number>();

  constructor(private readonly deps: SeriesQuotaDeps) {}

  get maxFilesPerAgent(): number {
    return this.deps.maxFilesPerAgent;
  }

  /**
   * Of `candidates` (files the store does not know to exist: paths `<agentId>/<name>`, with the
   * samples each would take), those beyond the agent's quota. The others are counted as the
   * agent's from now on. Called only for a write with such files (rare: new series).
   */
  async beyondQuota(agentId: string, candidates: readonly { file: string; samples: number }[]): Promise<ReadonlySet<string>> {
    const files = await this.files(agentId);
    const refused = new Set<string>();
    let samples = 0;
    for (const c of candidates) {
      const name = path.basename(c.file);
      if (files.has(name)) continue;
      if (files.size < this.deps.maxFilesPerAgent) {
        files.add(name);
        continue;
      }
      refused.add(c.file);
      samples += c.samples;
    }
    if (refused.size > 0) {
      this.refusedSamples += samples;
      this.report(agentId, files.size, refused);
    }
    return refused;
  }

  /** Files of the agent that were removed (a deleted check's perfdata, S5): they no longer count. */
  removed(agentId: string, names: readonly string[]): void {
    const known = this.filesOf.get(agentId);
    if (known instanceof Set) for (const n of names) known.delete(n);
  }

  private files(agentId: string): Set<string> | Promise<Set<string>> {
    let known = this.filesOf.get(agentId);
    if (known === undefined) {
      known = listRrdFiles(path.join(this.deps.rrdDir, agentId)).then((names) => {
        const set = new Set(names);
        this.filesOf.set(agentId, set);
        return set;
      }, (e: unknown) => {
        this.filesOf.delete(agentId);
        throw e;
      });
      this.filesOf.set(agentId, known);
    }
    return known;
  }

  private report(agentId: string, files: number, refused: ReadonlySet<string>): void {
    const now = this.deps.clock.now();
    const last = this.lastReportMs.get(agentId);
    if (last !== undefined && now - last < REPORT_INTERVAL_MS) return;
    this.lastReportMs.set(agentId, now);
    const first = [...refused][0] ?? '';
    const refusal: SeriesQuotaRefusal = {
      agentId, maxFiles: this.deps.maxFilesPerAgent, files, refusedSeries: refused.size, atMs: now,
      example: path.basename(first).replace(/\.rrd$/, ''),
    };
    this.deps.logger.warn('samples refused: the agent reached its quota of RRD files (reported again in an hour if it goes on; every refused sample is counted)', {
      agentId, maxFiles: refusal.maxFiles, files, refusedSeries: refusal.refusedSeries, example: refusal.example, code: 'RW_ERR_SERIES_QUOTA',
    });
    this.deps.onRefused(refusal);
  }
}

/** The RRD files of one agent's directory (none when it does not exist yet). */
async function listRrdFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => parseRrdFileName(n) !== null);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
