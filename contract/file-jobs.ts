// Fleet file actions (S17): push a file to chosen servers, and create, move or delete directories
// there. A job is made on the appliance; each targeted agent receives its part in the retained
// config (`fileJobs`, next to checks and web logs) and answers with results. The agent acts only
// inside roots its own server allowed (agent/files/files-policy.ts) and only as an operating-system
// account the server mapped to the requesting rackwatch user or role, in a child process with that
// account's uid and groups: the kernel's permission checks decide, never root on a user's behalf.
// Written in zod/mini: the agent validates with it (contract/agent-config-mini.ts explains why).
import * as z from 'zod/mini';

export const FILE_JOB_LIMITS = {
  /** one pushed file; the upload is refused while streaming once it passes this */
  fileBytes: 100 * 1024 * 1024,
  /** an absolute path on a server (PATH_MAX) */
  pathChars: 4096,
  /** an operating-system account or group name (useradd's limit is 32) */
  accountChars: 32,
  idChars: 64,
  /** jobs waiting in one agent's config at once: older finished ones leave it */
  jobsPerAgent: 32,
  /** a job's deadline: an agent offline longer skips it */
  deadlineS: { min: 60, max: 30 * 24 * 3600, default: 24 * 3600 },
  /** a reason or a dry run's line as the agent reports it */
  reasonChars: 512,
  /** lines of a dry run's plan */
  planLines: 64,
} as const;

const L = FILE_JOB_LIMITS;

export const FILE_ACTIONS = ['push', 'mkdir', 'move', 'rmdir'] as const;
export type FileAction = (typeof FILE_ACTIONS)[number];

/**
 * What a server's administrator may allow under a root (files.d): the four actions, plus
 * `rmdir-recursive` for deleting a directory with its contents and `rollback` for restoring the
 * version a push replaced.
 */
export const FILE_PERMISSIONS = [...FILE_ACTIONS, 'rmdir-recursive', 'rollback'] as const;
export type FilePermission = (typeof FILE_PERMISSIONS)[number];

const absolutePath = (what: string) => z.string().check(
  z.minLength(1, `${what} must not be empty`),
  z.maxLength(L.pathChars, `${what}: at most ${L.pathChars} characters`),
  z.regex(/^\//, `${what} must be absolute`),
  z.refine((p) => !p.includes('\0'), `${what} must not contain a NUL byte`),
);

/** a user or group name as useradd accepts it (no ':' or '/', which /etc/passwd and paths use) */
export const accountNameSchema = z.string().check(
  z.regex(/^[a-z_][a-z0-9_.-]*\$?$/i, 'account: letters, digits, _ . - (a user or group name)'),
  z.maxLength(L.accountChars, `account: at most ${L.accountChars} characters`),
);

export const fileModeSchema = z.string().check(z.regex(/^0?[0-7]{3}$/, 'mode: three octal digits, e.g. 0640'));

export const agentFileJobSchema = z.strictObject({
  id: z.string().check(z.regex(/^[A-Za-z0-9_-]+$/, 'id: letters, digits, _ and -'), z.maxLength(L.idChars)),
  action: z.enum(FILE_ACTIONS),
  /** the file to write, or the directory to create, move or delete */
  path: absolutePath('path'),
  /** move: the new path */
  to: z.optional(absolutePath('to')),
  /** push and mkdir: the mode (default 0644 for a file, 0755 for a directory, before the umask) */
  mode: z.optional(fileModeSchema),
  /** push and mkdir: a group the account belongs to; the owner is always the account itself */
  group: z.optional(accountNameSchema),
  /** rmdir: with everything inside (the root must allow rmdir-recursive) */
  recursive: z.optional(z.boolean()),
  /** the operating-system account the job runs as on the server */
  runAs: accountNameSchema,
  /** the rackwatch user who made the job and their role: the server maps these to accounts */
  by: z.strictObject({ user: z.string().check(z.maxLength(64)), role: z.string().check(z.maxLength(32)) }),
  /** push: instead of writing, restore the version an earlier push to `path` replaced */
  rollback: z.optional(z.boolean()),
  /** only say what would happen */
  dryRun: z.boolean(),
  /** epoch seconds: an agent that gets the job later reports it skipped */
  deadline: z.int(),
  /** push: where the content is fetched from (a short-lived signed URL on the appliance) and what it must be */
  file: z.optional(z.strictObject({
    url: z.string().check(z.maxLength(2048)),
    sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/, 'sha256: 64 lower-case hex digits')),
    size: z.int().check(z.minimum(0), z.maximum(L.fileBytes, `file: at most ${L.fileBytes} bytes`)),
  })),
});
export type AgentFileJob = z.infer<typeof agentFileJobSchema>;

export const FILE_JOB_STATES = ['queued', 'running', 'done', 'failed', 'skipped'] as const;
export type FileJobState = (typeof FILE_JOB_STATES)[number];

/** One agent's answer about one job, on `rw/v1/<agentId>/file-jobs`. */
export const fileJobResultSchema = z.strictObject({
  id: z.string().check(z.maxLength(L.idChars)),
  state: z.enum(['running', 'done', 'failed', 'skipped']),
  /** failed or skipped: why, in words a person can act on */
  reason: z.optional(z.string().check(z.maxLength(L.reasonChars))),
  /** a dry run: what would happen, one line each */
  plan: z.optional(z.array(z.string().check(z.maxLength(L.reasonChars))).check(z.maxLength(L.planLines))),
  /** epoch seconds on the agent */
  at: z.number(),
});
export type FileJobResult = z.infer<typeof fileJobResultSchema>;

/** Every file job one agent runs, in its config (`fileJobs`): unique ids, at most `jobsPerAgent`. */
export function agentFileJobsSchema() {
  return z.array(agentFileJobSchema).check(
    z.maxLength(L.jobsPerAgent, `at most ${L.jobsPerAgent} file jobs in one agent's config`),
    z.refine((jobs) => new Set(jobs.map((j) => j.id)).size === jobs.length, 'file job ids must be unique'),
  );
}

/**
 * What an agent publishes on `rw/v1/<agentId>/file-jobs`: one or more results, at most one per
 * job of its config (and a `running` before the `done` of the same job).
 */
export const fileJobResultsSchema = z.strictObject({
  v: z.literal(1),
  results: z.array(fileJobResultSchema).check(z.minLength(1), z.maxLength(2 * L.jobsPerAgent)),
});
export type FileJobResults = z.infer<typeof fileJobResultsSchema>;

/**
 * A signed download link's life (S17): long enough for an agent to start its download after the
 * config reaches it, short enough that a copied link is soon useless. An agent that comes back
 * later gets its jobs again with fresh links when it connects.
 */
export const SIGNED_URL_TTL_S = 10 * 60;
