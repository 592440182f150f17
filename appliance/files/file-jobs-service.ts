// Fleet file jobs on the appliance (S17): uploads, jobs for chosen servers and groups, each
// server's state as its agent reports it, rollbacks. A job reaches its agents in their retained
// config (`fileJobs`, agent-config/config-service.ts): each agent's open jobs, each push with a
// download link signed for that job, agent and file (signed-link.ts). An agent that connects gets
// its open jobs again with fresh links; one that stays away past the job's deadline is marked
// skipped here (and skips it itself if it comes back with the old config).
//
// Every job is audited by the HTTP layer when made (who, the account, the file's digest, the
// servers); its outcome is audited here when its last server finished. Each server's state change
// is a `file-job` stream event (for admins and the users granted a group holding that server,
// live/event-stream.ts).
//
// Who may act where (S17, SEC): an admin on every server; a user an admin granted groups of
// servers (appliance/accounts/deploy-grants.ts) only on those groups' members at the time of the
// request: every target of a job must be one (a group named must be a granted one), or the job is
// refused with 403 naming what is outside and nothing is queued. Such a user sees the jobs they
// made and the jobs whose servers are all within their groups. Each server's files.d still decides
// which rackwatch users and roles may act there and as which account (agent/files/).
import type { Readable } from 'node:stream';
import type { Group } from '../../contract/alerting.js';
import { RwError } from '../../contract/errors.js';
import {
  FILE_JOB_LIMITS, FILE_JOB_STATES, fileJobResultsSchema, type AgentFileJob, type FileJobResult, type FileJobState,
} from '../../contract/file-jobs.js';
import { FILES_API_LIMITS, type FileJobList, type FileJobView, type UploadedFile, type fileJobRequestSchema } from '../../contract/files-api.js';
import type { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { AuditEntryInput } from '../accounts/audit-log.js';
import type { LiveHub } from '../live/live-hub.js';
import { FileJobRepository, OPEN_STATES, type JobRow, type JobSpec, type TargetRow } from './file-job-repository.js';
import { checkLink, linkExpiryAt, signedPath } from './signed-link.js';
import { newId, type UploadStore } from './upload-store.js';

export type FileJobInput = z.output<typeof fileJobRequestSchema>;

export interface Requester {
  username: string;
  role: string;
  /** null: every server (an admin); else the granted groups, whose members alone may be targeted */
  deployGroupIds: readonly string[] | null;
}

export interface FileJobsDeps {
  repo: FileJobRepository;
  uploads: UploadStore;
  /** the signing key of download links */
  linkKey: Buffer;
  /** `https://address:port` agents fetch from */
  origin: () => string;
  agentExists: (id: string) => boolean;
  hostnameOf: (id: string) => string;
  groups: () => readonly Group[];
  /** republishes these agents' configs (ConfigService.checksChanged) */
  configsChanged: (agentIds: readonly string[]) => Promise<void>;
  hub: LiveHub;
  audit: (entry: AuditEntryInput) => void;
  clock: Clock;
  logger: Logger;
  /** how often queued servers past their job's deadline are marked skipped */
  sweepMs?: number;
}

const SWEEP_MS = 60_000;

export class FileJobsService {
  private sweepTimer: unknown = null;
  private running = false;
  /** bytes served to agents since start (the push benchmark reads it) */
  bytesServed = 0;

  constructor(private readonly deps: FileJobsDeps) {}

  start(): void {
    this.running = true;
    const tick = (): void => {
      if (!this.running) return;
      try {
        this.sweep();
      } catch (e) {
        this.deps.logger.error('the file jobs\' sweep failed', { err: e });
      }
      this.sweepTimer = this.deps.clock.setTimeout(tick, this.deps.sweepMs ?? SWEEP_MS);
    };
    tick();
  }

  stop(): void {
    this.running = false;
    if (this.sweepTimer !== null) this.deps.clock.clearTimeout(this.sweepTimer);
    this.sweepTimer = null;
  }

  /** Streams an upload to disk (upload-store.ts bounds it) and records it. */
  async upload(body: Readable, name: string, by: Requester, declaredBytes: number | null): Promise<UploadedFile> {
    await this.cleanUp();
    const used = this.deps.repo.files().reduce((sum, f) => sum + f.size, 0);
    const room = FILES_API_LIMITS.storedBytes - used;
    // a declared length past a bound is refused before a byte is read
    if (declaredBytes !== null && declaredBytes > FILE_JOB_LIMITS.fileBytes) {
      throw new RwError('RW_ERR_FILE_TOO_LARGE', `the file is ${declaredBytes} bytes, more than ${FILE_JOB_LIMITS.fileBytes} (${FILE_JOB_LIMITS.fileBytes / 1024 / 1024} MiB)`);
    }
    if (declaredBytes !== null && declaredBytes > room) {
      throw new RwError('RW_ERR_FILES_FULL');
    }
    const stored = await this.deps.uploads.write(body, room);
    const file: UploadedFile = { ...stored, name: name.slice(0, FILES_API_LIMITS.nameChars), createdAt: this.deps.clock.now(), createdBy: by.username };
    this.deps.repo.insertFile(file);
    this.deps.logger.info('file uploaded', { fileId: file.id, size: file.size, sha256: file.sha256, by: by.username });
    return file;
  }

  async create(input: FileJobInput, by: Requester, rollbackOf: string | null = null): Promise<FileJobView> {
    const agentIds = this.targetsOf(input.targets, by);
    const problems: string[] = [];
    let file: JobSpec['file'] = null;
    const rollback = rollbackOf !== null;
    if (input.action === 'push' && !rollback) {
      const f = input.fileId === undefined ? null : this.deps.repo.file(input.fileId);
      if (input.fileId === undefined) problems.push('(body).fileId: a push needs an uploaded file (POST /api/v1/files)');
      else if (f === null) problems.push(`(body).fileId: no uploaded file ${input.fileId} (an upload no job used is deleted after a day)`);
      else file = { id: f.id, name: f.name, size: f.size, sha256: f.sha256 };
    }
    if (input.action === 'move' && input.to === undefined) problems.push('(body).to: a move needs the new path');
    if (problems.length > 0) throw Object.assign(new RwError('RW_ERR_VALIDATION', problems.join('; ')), { problems });
    const now = this.deps.clock.now();
    const spec: JobSpec = {
      action: input.action, path: input.path, to: input.to ?? null, mode: input.mode ?? null, group: input.group ?? null,
      recursive: input.recursive ?? false, runAs: input.runAs, dryRun: input.dryRun, rollbackOf, file, by: { user: by.username, role: by.role },
    };
    const row: JobRow = {
      id: newId(), spec, createdBy: by.username, createdAt: now,
      deadline: now + (input.deadlineS ?? FILE_JOB_LIMITS.deadlineS.default) * 1000, finishedAt: null,
    };
    this.deps.repo.insertJob(row, agentIds);
    this.deps.repo.prune(FILES_API_LIMITS.jobsKept);
    this.deps.logger.info('file job made', { jobId: row.id, action: spec.action, path: spec.path, runAs: spec.runAs, servers: agentIds.length, by: by.username });
    for (const agentId of agentIds) this.publishState({ jobId: row.id, agentId, state: 'queued', reason: null, plan: [], updatedAt: now });
    await this.deps.configsChanged(agentIds);
    return this.view(row.id);
  }

  /** A rollback of a push: the version each server kept is restored where the push was done. */
  async rollback(jobId: string, by: Requester, dryRun: boolean): Promise<FileJobView> {
    const original = this.visibleJob(jobId, by);
    const s = original.spec;
    if (s.action !== 'push' || s.dryRun || s.rollbackOf !== null) throw new RwError('RW_ERR_CONFLICT', 'only a push that was run (not a dry run, not a rollback) can be rolled back');
    const done = this.deps.repo.targets(jobId).filter((t) => t.state === 'done').map((t) => t.agentId);
    if (done.length === 0) throw new RwError('RW_ERR_CONFLICT', 'the push was done on no server: nothing to roll back');
    return this.create({ targets: { agentIds: done }, action: 'push', path: s.path, runAs: s.runAs, dryRun }, by, jobId);
  }

  /** Newest first: an admin's every job; a granted user's, those they made or whose servers are all within their groups. */
  list(limit: number, by: Requester): FileJobList {
    const n = Math.min(limit, FILES_API_LIMITS.listLimit);
    const scope = this.scopeOf(by);
    if (scope === null) return { jobs: this.deps.repo.jobs(n).map((j) => this.viewOf(j)) };
    const jobs = this.deps.repo.jobs(FILES_API_LIMITS.jobsKept).filter((j) => this.sees(j, by, scope)).slice(0, n);
    return { jobs: jobs.map((j) => this.viewOf(j)) };
  }

  view(jobId: string, by: Requester | null = null): FileJobView {
    return this.viewOf(by === null ? this.jobOrNotFound(jobId) : this.visibleJob(jobId, by));
  }

  /**
   * Whether a stream subscriber granted `deployGroupIds` (now) may see a `file-job` event about
   * this server: it is a member of one of those groups.
   */
  groupsHold(deployGroupIds: readonly string[], agentId: string): boolean {
    const granted = new Set(deployGroupIds);
    return this.deps.groups().some((g) => granted.has(g.id) && g.memberIds.includes(agentId));
  }

  /** The jobs an agent still has to run, as its config carries them, each push with a fresh link. */
  agentJobs(agentId: string): AgentFileJob[] {
    const exp = linkExpiryAt(this.deps.clock.now() / 1000);
    return this.deps.repo.openJobsOf(agentId, FILE_JOB_LIMITS.jobsPerAgent).map((j): AgentFileJob => {
      const s = j.spec;
      return {
        id: j.id, action: s.action, path: s.path, runAs: s.runAs, by: s.by, dryRun: s.dryRun, deadline: Math.floor(j.deadline / 1000),
        ...(s.to !== null ? { to: s.to } : {}), ...(s.mode !== null ? { mode: s.mode } : {}), ...(s.group !== null ? { group: s.group } : {}),
        ...(s.recursive ? { recursive: true } : {}), ...(s.rollbackOf !== null ? { rollback: true } : {}),
        ...(s.file !== null ? {
          file: { url: this.deps.origin() + signedPath(this.deps.linkKey, { fileId: s.file.id, jobId: j.id, agentId, exp }), sha256: s.file.sha256, size: s.file.size },
        } : {}),
      };
    });
  }

  /** An agent connected: its open jobs go out again, with links it can still use. */
  agentConnected(agentId: string): void {
    if (!this.deps.repo.hasOpenJobs(agentId)) return;
    this.deps.configsChanged([agentId]).catch((e: unknown) => this.deps.logger.error('could not republish an agent\'s file jobs', { agentId, err: e }));
  }

  /** `rw/v1/<agentId>/file-jobs`: a malformed payload is logged and dropped. */
  handleResults(agentId: string, payload: Buffer): void {
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      this.deps.logger.warn('file job results that are not JSON dropped', { agentId, code: 'RW_ERR_BAD_PAYLOAD' });
      return;
    }
    const parsed = fileJobResultsSchema.safeParse(json);
    if (!parsed.success) {
      this.deps.logger.warn('malformed file job results dropped', { agentId, code: 'RW_ERR_BAD_PAYLOAD', problems: parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`) });
      return;
    }
    let finished = false;
    for (const r of parsed.data.results) finished = this.applyResult(agentId, r) || finished;
    if (finished) {
      // its finished jobs leave the agent's config
      this.deps.configsChanged([agentId]).catch((e: unknown) => this.deps.logger.error('could not republish an agent\'s file jobs', { agentId, err: e }));
      this.cleanUp().catch((e: unknown) => this.deps.logger.error('could not delete uploads no job needs', { err: e }));
    }
  }

  /** Checks a download link and opens the file it names (the route answers 403 for a refused link). */
  openContent(fileId: string, query: URLSearchParams): { size: number; stream: Readable } {
    const check = checkLink(this.deps.linkKey, fileId, query, this.deps.clock.now() / 1000);
    if (!check.ok) throw new RwError('RW_ERR_SIGNED_URL', check.reason);
    const { jobId, agentId } = check.fields;
    const job = this.deps.repo.job(jobId);
    const target = this.deps.repo.target(jobId, agentId);
    if (!job || job.spec.file?.id !== fileId || !target || !OPEN_STATES.includes(target.state)) {
      throw new RwError('RW_ERR_SIGNED_URL', 'the link\'s job no longer waits for this agent');
    }
    const size = this.deps.uploads.sizeOnDisk(fileId);
    if (size === null) throw new RwError('RW_ERR_NOT_FOUND', `the file ${fileId} is no longer kept`);
    this.bytesServed += size;
    return { size, stream: this.deps.uploads.open(fileId) };
  }

  /** Deletes uploads no job needs (all their jobs finished, or unused for a day). */
  async cleanUp(): Promise<void> {
    for (const f of this.deps.repo.unneededFiles(this.deps.clock.now() - FILES_API_LIMITS.unusedUploadS * 1000)) {
      this.deps.repo.deleteFile(f.id);
      await this.deps.uploads.remove(f.id);
      this.deps.logger.info('upload deleted: no job needs it', { fileId: f.id, size: f.size });
    }
  }

  /** Queued servers whose job's deadline passed: they never came back for it. */
  sweep(): void {
    const now = this.deps.clock.now();
    for (const t of this.deps.repo.expiredTargets(now)) {
      this.applyResult(t.agentId, { id: t.jobId, state: 'skipped', reason: 'the server did not come back before the job\'s deadline', at: now / 1000 });
    }
  }

  /** true when the server's part is now final */
  private applyResult(agentId: string, r: FileJobResult): boolean {
    const t = this.deps.repo.target(r.id, agentId);
    if (!t || !OPEN_STATES.includes(t.state)) return false;
    if (r.state === 'running' && t.state === 'running') return false;
    const next: TargetRow = { jobId: r.id, agentId, state: r.state, reason: r.reason ?? null, plan: r.plan ?? [], updatedAt: this.deps.clock.now() };
    this.deps.repo.setTarget(next);
    this.publishState(next);
    if (r.state === 'running') return false;
    if (this.deps.repo.finishIfDone(r.id, next.updatedAt)) this.auditOutcome(r.id);
    return true;
  }

  private auditOutcome(jobId: string): void {
    const view = this.view(jobId);
    this.deps.audit({
      actor: view.createdBy, action: 'files.job_finished', target: jobId,
      after: {
        action: view.action, path: view.path, runAs: view.runAs, dryRun: view.dryRun, rollbackOf: view.rollbackOf, sha256: view.file?.sha256 ?? null,
        counts: view.counts, servers: view.targets.map((t) => ({ agentId: t.agentId, hostname: t.hostname, state: t.state, reason: t.reason })),
      },
    });
    this.deps.logger.info('file job finished', { jobId, ...view.counts });
  }

  private publishState(t: TargetRow): void {
    this.deps.hub.publish('file-job', t.agentId, { jobId: t.jobId, agentId: t.agentId, state: t.state, reason: t.reason, plan: t.plan, at: t.updatedAt });
  }

  private jobOrNotFound(jobId: string): JobRow {
    const j = this.deps.repo.job(jobId);
    if (!j) throw new RwError('RW_ERR_NOT_FOUND', `no file job ${jobId}`);
    return j;
  }

  /** The job, if the requester may see it; 403 when it has servers outside their groups. */
  private visibleJob(jobId: string, by: Requester): JobRow {
    const j = this.jobOrNotFound(jobId);
    const scope = this.scopeOf(by);
    if (scope !== null && !this.sees(j, by, scope)) {
      throw new RwError('RW_ERR_FORBIDDEN', `the file job ${jobId} has servers outside the groups you may deploy to, and another user made it`);
    }
    return j;
  }

  private sees(j: JobRow, by: Requester, scope: ReadonlySet<string>): boolean {
    return j.createdBy === by.username || this.deps.repo.targets(j.id).every((t) => scope.has(t.agentId));
  }

  /** The servers a requester may target now (their granted groups' members); null: every server. */
  private scopeOf(by: Requester): Set<string> | null {
    if (by.deployGroupIds === null) return null;
    const granted = new Set(by.deployGroupIds);
    const ids = new Set<string>();
    for (const g of this.deps.groups()) if (granted.has(g.id)) for (const m of g.memberIds) ids.add(m);
    return ids;
  }

  /** 403 naming each group not granted and each server outside the granted groups (S17). */
  private checkScope(targets: FileJobInput['targets'], agentIds: readonly string[], by: Requester): void {
    const scope = this.scopeOf(by);
    if (scope === null) return;
    const granted = new Set(by.deployGroupIds);
    const refused: string[] = [];
    for (const gid of targets.groupIds ?? []) if (!granted.has(gid)) refused.push(`(body).targets.groupIds: you may not deploy to the group ${gid}`);
    const named = new Set(targets.agentIds ?? []);
    for (const id of agentIds) {
      if (scope.has(id)) continue;
      // a server only reached through a refused group is named by that group above
      if (named.has(id) || refused.length === 0) refused.push(`(body).targets.agentIds: the server ${id} (${this.deps.hostnameOf(id)}) is in no group you may deploy to`);
    }
    if (refused.length > 0) throw new RwError('RW_ERR_FORBIDDEN', refused.slice(0, 20).join('; ') + (refused.length > 20 ? `; and ${refused.length - 20} more` : ''));
  }

  private targetsOf(targets: FileJobInput['targets'], by: Requester): string[] {
    const problems: string[] = [];
    const ids = new Set<string>();
    for (const id of targets.agentIds ?? []) {
      if (this.deps.agentExists(id)) ids.add(id);
      else problems.push(`(body).targets.agentIds: no server ${id}`);
    }
    const groups = this.deps.groups();
    for (const gid of targets.groupIds ?? []) {
      const g = groups.find((x) => x.id === gid);
      if (!g) problems.push(`(body).targets.groupIds: no group ${gid}`);
      else for (const m of g.memberIds) ids.add(m);
    }
    if (problems.length === 0 && ids.size === 0) problems.push('(body).targets: no server chosen (name servers or groups with members)');
    if (ids.size > FILES_API_LIMITS.targets) problems.push(`(body).targets: ${ids.size} servers, at most ${FILES_API_LIMITS.targets} in one job`);
    if (problems.length > 0) throw Object.assign(new RwError('RW_ERR_VALIDATION', problems.join('; ')), { problems });
    this.checkScope(targets, [...ids], by);
    return [...ids];
  }

  private viewOf(j: JobRow): FileJobView {
    const targets = this.deps.repo.targets(j.id);
    const counts = Object.fromEntries(FILE_JOB_STATES.map((s) => [s, 0])) as Record<FileJobState, number>;
    for (const t of targets) counts[t.state]++;
    const s = j.spec;
    return {
      id: j.id, action: s.action, path: s.path, to: s.to, mode: s.mode, group: s.group, recursive: s.recursive, runAs: s.runAs, dryRun: s.dryRun,
      rollbackOf: s.rollbackOf, file: s.file, createdBy: j.createdBy, createdAt: j.createdAt, deadline: j.deadline, counts,
      targets: targets.map((t) => ({ agentId: t.agentId, hostname: this.deps.hostnameOf(t.agentId), state: t.state, reason: t.reason, plan: t.plan, updatedAt: t.updatedAt })),
    };
  }
}
