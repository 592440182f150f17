// The fleet file jobs' HTTP API (S17; docs/api.md "Files"): an upload, a job made from it for
// chosen servers and groups, each server's state, a rollback, and the stream event of a server's
// state change. The appliance validates requests with these schemas; the web UI imports the types.
import { z } from 'zod';
import { FILE_ACTIONS, FILE_JOB_LIMITS, type FileAction, type FileJobState } from './file-jobs.js';

const L = FILE_JOB_LIMITS;

/** Bounds of the appliance's side (docs/bounds.md). */
export const FILES_API_LIMITS = {
  /** servers a job names, after its groups are expanded */
  targets: 1000,
  /** ids named in `agentIds` or `groupIds` */
  namedTargets: 1000,
  /** jobs kept: the oldest finished ones (and their per-server rows) go first */
  jobsKept: 1000,
  /** a job listing's page */
  listLimit: 200,
  /** bytes of uploaded files kept at once; an upload past it is refused (507) */
  storedBytes: 1024 * 1024 * 1024,
  /** an upload no job uses is deleted after this */
  unusedUploadS: 24 * 3600,
  /** a file name as shown (the upload's `name`) */
  nameChars: 255,
} as const;

const absolutePath = z.string().min(1).max(L.pathChars).regex(/^\//, 'must be absolute').refine((p) => !p.includes('\0'), 'must not contain a NUL byte');
const account = z.string().max(L.accountChars).regex(/^[a-z_][a-z0-9_.-]*\$?$/i, 'letters, digits, _ . - (a user or group name)');
const ids = z.array(z.string().min(1).max(L.idChars)).max(FILES_API_LIMITS.namedTargets);

export const fileJobRequestSchema = z.object({
  targets: z.object({ agentIds: ids.optional(), groupIds: ids.optional() }).strict(),
  action: z.enum(FILE_ACTIONS),
  path: absolutePath,
  /** move: the new path */
  to: absolutePath.optional(),
  mode: z.string().regex(/^0?[0-7]{3}$/, 'three octal digits, e.g. 0640').optional(),
  group: account.optional(),
  recursive: z.boolean().optional(),
  runAs: account,
  /** push: an upload's id (POST /files) */
  fileId: z.string().max(L.idChars).optional(),
  dryRun: z.boolean().default(false),
  /** seconds an offline server may take to come back and still run the job */
  deadlineS: z.number().int().min(L.deadlineS.min).max(L.deadlineS.max).optional(),
}).strict();
export type FileJobRequest = z.input<typeof fileJobRequestSchema>;

export interface UploadedFile {
  id: string;
  name: string;
  size: number;
  sha256: string;
  createdAt: number;
  createdBy: string;
}

export interface FileJobTarget {
  agentId: string;
  hostname: string;
  state: FileJobState;
  /** failed or skipped: why */
  reason: string | null;
  /** what the agent did or, for a dry run, would do */
  plan: string[];
  /** ms since the epoch of the last change */
  updatedAt: number;
}

export interface FileJobView {
  id: string;
  action: FileAction;
  path: string;
  to: string | null;
  mode: string | null;
  group: string | null;
  recursive: boolean;
  runAs: string;
  dryRun: boolean;
  /** the job this one rolls back, or null */
  rollbackOf: string | null;
  file: { id: string; name: string; size: number; sha256: string } | null;
  createdBy: string;
  createdAt: number;
  /** ms since the epoch: an agent that gets the job later skips it */
  deadline: number;
  /** per state, how many servers are in it */
  counts: Record<FileJobState, number>;
  targets: FileJobTarget[];
}

export interface FileJobList {
  jobs: FileJobView[];
}

/** The `file-job` stream event: one server's state of one job changed. */
export interface FileJobStreamEvent {
  jobId: string;
  agentId: string;
  state: FileJobState;
  reason: string | null;
  plan: string[];
  at: number;
}

/** Bounds of the deploy grants (S17, SEC; docs/bounds.md). */
export const DEPLOY_GRANT_LIMITS = {
  /** groups granted to one user */
  groupsPerUser: 100,
} as const;

/** PUT /api/v1/users/:id/deploy-groups: the groups on whose servers the user may run file jobs (all of them, replacing the previous). */
export const deployGroupsRequestSchema = z.object({
  groupIds: z.array(z.string().min(1).max(L.idChars)).max(DEPLOY_GRANT_LIMITS.groupsPerUser),
}).strict();

/** One user's deploy right on the members of some server groups (granted by an admin). */
export interface DeployGrant {
  userId: number;
  username: string;
  role: string;
  groupIds: string[];
}

/** GET /api/v1/deploy-grants: every user with at least one granted group. */
export interface DeployGrantList {
  grants: DeployGrant[];
}
