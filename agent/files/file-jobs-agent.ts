// The agent's side of fleet file jobs' delivery (S17): the jobs arrive in the retained config
// (`fileJobs`), each is run once, one at a time, and its result goes back on `…/file-jobs` until
// the appliance acknowledged it. The ids of finished jobs and their results are kept in
// <state-dir>/file-jobs.json (the newest DONE_KEPT), so a restarted agent, which gets the same
// retained config again, runs none of them twice, and an answer the appliance did not get yet is
// sent at the next connect.
//
// A push's content is fetched with the job's signed link and checked before the job's account
// sees it (content-download.ts). A link expires within minutes: an agent that comes back after
// that finds an expired link in the retained config; the appliance publishes fresh links when it
// connects, so such a job waits for a config with another link instead of failing.
import { createReadStream, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { AgentFileJob, FileJobResult } from '../../contract/file-jobs.js';
import { FILE_JOB_LIMITS, fileJobResultSchema } from '../../contract/file-jobs.js';
import { writeFileAtomic } from '../../core/private-files.js';
import type { Logger } from '../../core/logger.js';
import { downloadContent, linkExpiry, type DownloadRequest, type Download } from './content-download.js';
import { runFileJob, type FileJobRunnerOptions } from './file-job-runner.js';

export const FILE_JOBS_STATE = 'file-jobs.json';
/** finished jobs remembered: several times the jobs one config can hold */
export const DONE_KEPT = 8 * FILE_JOB_LIMITS.jobsPerAgent;

interface Done {
  result: FileJobResult;
  /** the appliance acknowledged the result (PUBACK) */
  sent: boolean;
}

export interface FileJobsAgentDeps {
  stateDir: string;
  runner: FileJobRunnerOptions;
  /** the appliance's key pin for the download, as for MQTT over TLS */
  pin?: string;
  /** AgentSession.publishFileJobResults */
  publish: (payload: string, done: (acknowledged: boolean) => void) => void;
  log: Logger;
  nowS?: () => number;
  /** the download (tests of the agent alone give another) */
  download?: (req: DownloadRequest) => Promise<Download>;
}

export class FileJobsAgent {
  private readonly done = new Map<string, Done>();
  private readonly file: string;
  private readonly contentDir: string;
  private readonly nowS: () => number;
  private queue: AgentFileJob[] = [];
  /** jobs whose link had expired: the link they had, retried when the config brings another */
  private readonly waitingForLink = new Map<string, string>();
  private working = false;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(private readonly deps: FileJobsAgentDeps) {
    this.file = path.join(deps.stateDir, FILE_JOBS_STATE);
    this.contentDir = path.join(deps.stateDir, 'file-content');
    this.nowS = deps.nowS ?? (() => Date.now() / 1000);
    this.load();
    // content of a job a crash interrupted: the job is run again from a fresh download
    rmSync(this.contentDir, { recursive: true, force: true });
  }

  /** The jobs of a newly applied config: those not run yet are queued, in the config's order. */
  apply(jobs: readonly AgentFileJob[]): void {
    for (const job of jobs) {
      if (this.done.has(job.id) || this.queue.some((q) => q.id === job.id)) continue;
      const waited = this.waitingForLink.get(job.id);
      if (waited !== undefined && waited === job.file?.url) continue;
      this.waitingForLink.delete(job.id);
      this.queue.push(job);
    }
    this.work();
  }

  /** Results the appliance has not acknowledged yet (call on every connect). */
  flush(): void {
    const unsent = [...this.done.values()].filter((d) => !d.sent).map((d) => d.result);
    for (let i = 0; i < unsent.length; i += FILE_JOB_LIMITS.jobsPerAgent) this.send(unsent.slice(i, i + FILE_JOB_LIMITS.jobsPerAgent), true);
  }

  /** Resolves when the jobs queued so far have run (tests, and stop). */
  whenIdle(): Promise<void> {
    return this.idle;
  }

  /** Stops after the job running now; its result is kept. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue = [];
    await this.idle;
  }

  private work(): void {
    if (this.working || this.stopped) return;
    this.working = true;
    this.idle = (async () => {
      while (!this.stopped) {
        const job = this.queue.shift();
        if (!job) break;
        try {
          await this.run(job);
        } catch (e) {
          this.deps.log.error('a file job failed unexpectedly', { jobId: job.id, error: e });
          this.finish({ id: job.id, state: 'failed', reason: `the agent failed: ${(e as Error).message}`.slice(0, FILE_JOB_LIMITS.reasonChars), at: this.nowS() });
        }
      }
      this.working = false;
    })();
  }

  private async run(job: AgentFileJob): Promise<void> {
    const { log } = this.deps;
    if (job.deadline < this.nowS()) {
      // runFileJob says so too; here before any download
      this.finish(await runFileJob({ nowS: this.nowS, ...this.deps.runner }, job, null));
      return;
    }
    this.send([{ id: job.id, state: 'running', at: this.nowS() }], false);
    const needsContent = job.action === 'push' && !job.rollback && !job.dryRun && job.file !== undefined;
    let content: string | null = null;
    if (needsContent && job.file) {
      mkdirSync(this.contentDir, { recursive: true, mode: 0o700 });
      content = path.join(this.contentDir, job.id);
      const got = await (this.deps.download ?? downloadContent)({
        url: job.file.url, sha256: job.file.sha256, size: job.file.size, to: content, ...(this.deps.pin ? { pin: this.deps.pin } : {}),
      });
      if (!got.ok) {
        const exp = linkExpiry(job.file.url);
        if (got.status === 403 && exp !== null && exp < this.nowS()) {
          log.info('a file job\'s download link expired; it runs when the appliance sends a fresh one', { jobId: job.id });
          this.waitingForLink.set(job.id, job.file.url);
          return;
        }
        this.finish({ id: job.id, state: 'failed', reason: got.reason.slice(0, FILE_JOB_LIMITS.reasonChars), at: this.nowS() });
        return;
      }
    }
    const path_ = content;
    try {
      const result = await runFileJob({ nowS: this.nowS, ...this.deps.runner }, job, path_ === null ? null : () => createReadStream(path_));
      log.info('file job finished', { jobId: job.id, action: job.action, path: job.path, state: result.state, ...(result.reason ? { reason: result.reason } : {}) });
      this.finish(result);
    } finally {
      if (path_ !== null) rmSync(path_, { force: true });
    }
  }

  private finish(result: FileJobResult): void {
    this.done.set(result.id, { result, sent: false });
    while (this.done.size > DONE_KEPT) {
      const oldest = this.done.keys().next().value;
      if (oldest === undefined) break;
      this.done.delete(oldest);
    }
    this.save();
    this.send([result], true);
  }

  private send(results: FileJobResult[], keep: boolean): void {
    this.deps.publish(JSON.stringify({ v: 1, results }), (acknowledged) => {
      if (!acknowledged || !keep) return;
      for (const r of results) {
        const d = this.done.get(r.id);
        if (d && d.result === r) d.sent = true;
      }
      this.save();
    });
  }

  private load(): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.deps.log.warn('cannot read the finished file jobs; jobs still in the config may run again', { file: this.file, error: e });
      return;
    }
    const list = (parsed as { done?: unknown }).done;
    if (!Array.isArray(list)) return;
    for (const d of list.slice(-DONE_KEPT) as { result?: unknown; sent?: unknown }[]) {
      const r = fileJobResultSchema.safeParse(d.result);
      if (r.success) this.done.set(r.data.id, { result: r.data, sent: d.sent === true });
    }
  }

  private save(): void {
    try {
      writeFileAtomic(this.file, JSON.stringify({ done: [...this.done.values()] }), 0o600);
    } catch (e) {
      this.deps.log.error('cannot keep the finished file jobs; after a restart they may run again', { file: this.file, error: e });
    }
  }
}
