// Fleet file jobs in SQLite (migration 16; S17): uploads, jobs and each targeted server's state.
import type { FileJobState } from '../../contract/file-jobs.js';
import type { FileJobView, UploadedFile } from '../../contract/files-api.js';
import type { Db } from '../db/database.js';

/** What a job asks, as stored (the request, resolved: its file's digest, who asked) */
export type JobSpec = Pick<FileJobView, 'action' | 'path' | 'to' | 'mode' | 'group' | 'recursive' | 'runAs' | 'dryRun' | 'rollbackOf' | 'file'> & {
  by: { user: string; role: string };
};

export interface JobRow {
  id: string;
  spec: JobSpec;
  createdBy: string;
  createdAt: number;
  /** ms since the epoch */
  deadline: number;
  finishedAt: number | null;
}

export interface TargetRow {
  jobId: string;
  agentId: string;
  state: FileJobState;
  reason: string | null;
  plan: string[];
  updatedAt: number;
}

interface RawJob { id: string; spec: string; created_by: string; created_at: number; deadline: number; finished_at: number | null }
interface RawTarget { job_id: string; agent_id: string; state: FileJobState; reason: string | null; plan: string | null; updated_at: number }
interface RawFile { id: string; name: string; size: number; sha256: string; created_at: number; created_by: string }

const job = (r: RawJob): JobRow => ({ id: r.id, spec: JSON.parse(r.spec) as JobSpec, createdBy: r.created_by, createdAt: r.created_at, deadline: r.deadline, finishedAt: r.finished_at });
const target = (r: RawTarget): TargetRow => ({ jobId: r.job_id, agentId: r.agent_id, state: r.state, reason: r.reason, plan: r.plan === null ? [] : JSON.parse(r.plan) as string[], updatedAt: r.updated_at });
const file = (r: RawFile): UploadedFile => ({ id: r.id, name: r.name, size: r.size, sha256: r.sha256, createdAt: r.created_at, createdBy: r.created_by });

export const OPEN_STATES: readonly FileJobState[] = ['queued', 'running'];

export class FileJobRepository {
  constructor(private readonly db: Db) {}

  insertFile(f: UploadedFile): void {
    this.db.prepare('INSERT INTO uploaded_files (id, name, size, sha256, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)')
      .run(f.id, f.name, f.size, f.sha256, f.createdAt, f.createdBy);
  }

  file(id: string): UploadedFile | null {
    const r = this.db.prepare<[string], RawFile>('SELECT * FROM uploaded_files WHERE id = ?').get(id);
    return r ? file(r) : null;
  }

  files(): UploadedFile[] {
    return this.db.prepare<[], RawFile>('SELECT * FROM uploaded_files ORDER BY created_at').all().map(file);
  }

  deleteFile(id: string): void {
    this.db.prepare('DELETE FROM uploaded_files WHERE id = ?').run(id);
  }

  /**
   * Uploads no job needs: no job using them is still open, and either a push (not a dry run, which
   * comes before the real push) finished with them, or they are older than `unusedBefore`.
   */
  unneededFiles(unusedBefore: number): UploadedFile[] {
    return this.db.prepare<[number], RawFile>(`
      SELECT f.* FROM uploaded_files f
      WHERE NOT EXISTS (SELECT 1 FROM file_jobs j WHERE j.file_id = f.id AND j.finished_at IS NULL)
        AND (EXISTS (SELECT 1 FROM file_jobs j WHERE j.file_id = f.id AND json_extract(j.spec, '$.dryRun') = 0) OR f.created_at < ?)`).all(unusedBefore).map(file);
  }

  insertJob(j: JobRow, agentIds: readonly string[]): void {
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO file_jobs (id, spec, file_id, created_by, created_at, deadline, finished_at) VALUES (?, ?, ?, ?, ?, ?, NULL)')
        .run(j.id, JSON.stringify(j.spec), j.spec.file?.id ?? null, j.createdBy, j.createdAt, j.deadline);
      const add = this.db.prepare('INSERT INTO file_job_targets (job_id, agent_id, state, reason, plan, updated_at) VALUES (?, ?, \'queued\', NULL, NULL, ?)');
      for (const a of agentIds) add.run(j.id, a, j.createdAt);
    })();
  }

  job(id: string): JobRow | null {
    const r = this.db.prepare<[string], RawJob>('SELECT * FROM file_jobs WHERE id = ?').get(id);
    return r ? job(r) : null;
  }

  /** Newest first. */
  jobs(limit: number): JobRow[] {
    return this.db.prepare<[number], RawJob>('SELECT * FROM file_jobs ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit).map(job);
  }

  targets(jobId: string): TargetRow[] {
    return this.db.prepare<[string], RawTarget>('SELECT * FROM file_job_targets WHERE job_id = ? ORDER BY agent_id').all(jobId).map(target);
  }

  target(jobId: string, agentId: string): TargetRow | null {
    const r = this.db.prepare<[string, string], RawTarget>('SELECT * FROM file_job_targets WHERE job_id = ? AND agent_id = ?').get(jobId, agentId);
    return r ? target(r) : null;
  }

  /** The jobs one agent has still to run, oldest first, at most `limit`. */
  openJobsOf(agentId: string, limit: number): JobRow[] {
    return this.db.prepare<[string, number], RawJob>(`
      SELECT j.* FROM file_jobs j JOIN file_job_targets t ON t.job_id = j.id
      WHERE t.agent_id = ? AND t.state IN ('queued', 'running')
      ORDER BY j.created_at, j.rowid LIMIT ?`).all(agentId, limit).map(job);
  }

  hasOpenJobs(agentId: string): boolean {
    return this.db.prepare('SELECT 1 FROM file_job_targets WHERE agent_id = ? AND state IN (\'queued\', \'running\') LIMIT 1').get(agentId) !== undefined;
  }

  setTarget(t: TargetRow): void {
    this.db.prepare('UPDATE file_job_targets SET state = ?, reason = ?, plan = ?, updated_at = ? WHERE job_id = ? AND agent_id = ?')
      .run(t.state, t.reason, t.plan.length > 0 ? JSON.stringify(t.plan) : null, t.updatedAt, t.jobId, t.agentId);
  }

  /** Marks the job finished when none of its servers is queued or running; true when it did now. */
  finishIfDone(jobId: string, nowMs: number): boolean {
    const open = this.db.prepare('SELECT 1 FROM file_job_targets WHERE job_id = ? AND state IN (\'queued\', \'running\') LIMIT 1').get(jobId);
    if (open !== undefined) return false;
    return this.db.prepare('UPDATE file_jobs SET finished_at = ? WHERE id = ? AND finished_at IS NULL').run(nowMs, jobId).changes > 0;
  }

  /** Keeps the newest `keep` jobs: older finished ones go, with their servers' rows. */
  prune(keep: number): number {
    return this.db.prepare(`DELETE FROM file_jobs WHERE finished_at IS NOT NULL AND id NOT IN
      (SELECT id FROM file_jobs ORDER BY created_at DESC, rowid DESC LIMIT ?)`).run(keep).changes;
  }

  /** Open targets whose job's deadline passed before `nowMs` (the agent never came back for it). */
  expiredTargets(nowMs: number): TargetRow[] {
    return this.db.prepare<[number], RawTarget>(`SELECT t.* FROM file_job_targets t JOIN file_jobs j ON j.id = t.job_id
      WHERE t.state = 'queued' AND j.deadline < ?`).all(nowMs).map(target);
  }
}
