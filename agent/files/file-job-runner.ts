// Runs one file job (S17) on this server: the agent's checks first (deadline, the server's mapping
// of rackwatch users and roles to accounts, the account itself), then the action in a child
// process holding that account (file-op-child.ts), fed the pushed file's bytes on its stdin. The
// content was fetched and checked against its SHA-256 by the caller; the child checks it again as
// it writes, so a file changed on disk in between is refused too.
//
// The child is started through util-linux's setpriv: uid, gid and the account's groups, and every
// capability set the child could inherit emptied, with no_new_privs. Node's own spawn({uid}) would
// drop the supplementary groups, and an agent that is not root but holds capabilities (the
// installed unit's CAP_DAC_READ_SEARCH; CAP_SETUID and CAP_SETGID to enable this) would pass
// its ambient capabilities on: the kernel would then not decide as it would for the account.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { AgentFileJob, FileJobResult } from '../../contract/file-jobs.js';
import { FILE_JOB_LIMITS } from '../../contract/file-jobs.js';
import type { FileOpHeader } from './file-op-child.js';
import type { FileOpOutcome } from './file-ops.js';
import { mayActAs, readFilesPolicy } from './files-policy.js';
import { lookUpAccount, lookUpGroup } from './os-accounts.js';

/** setpriv from util-linux (Debian, RHEL, Alpine's util-linux-misc, Buildroot's util-linux) */
export const SETPRIV = 'setpriv';

export interface FileJobRunnerOptions {
  /** the server's files.d (files-policy.ts) */
  filesDir: string;
  /** how to start the child: the agent's bundle with FILE_OP_FLAG, or the source entry in tests */
  child: { command: string; args: readonly string[] };
  /** setpriv's path (default: found on PATH) */
  setpriv?: string;
  /** the child is killed after this long (default 10 min: a 100 MiB push on a slow disk) */
  timeoutMs?: number;
  nowS?: () => number;
}

const MAX_CHILD_OUTPUT = 64 * 1024;

const clip = (s: string): string => (s.length > FILE_JOB_LIMITS.reasonChars ? `${s.slice(0, FILE_JOB_LIMITS.reasonChars - 1)}…` : s);

export async function runFileJob(opts: FileJobRunnerOptions, job: AgentFileJob, content: (() => Readable) | null = null): Promise<FileJobResult> {
  const nowS = opts.nowS ?? (() => Date.now() / 1000);
  const result = (state: FileJobResult['state'], extra: Partial<FileJobResult> = {}): FileJobResult => ({ id: job.id, state, at: nowS(), ...extra });
  const failed = (reason: string): FileJobResult => result('failed', { reason: clip(reason) });
  if (job.deadline < nowS()) return result('skipped', { reason: `its deadline passed (${new Date(job.deadline * 1000).toISOString()}) before this server got it` });

  const policy = await readFilesPolicy(opts.filesDir);
  if (!mayActAs(policy, job.by, job.runAs)) {
    return failed(`this server does not let ${job.by.user} (role ${job.by.role}) act as ${job.runAs}: see the account lines in ${opts.filesDir}`);
  }
  const account = await lookUpAccount(job.runAs);
  if (account === null) return failed(`this server has no account ${job.runAs}`);
  if (account.uid === 0) return failed('root is never an account a job runs as');
  let gid: number | undefined;
  if (job.group !== undefined) {
    const g = await lookUpGroup(job.group);
    if (g === null) return failed(`this server has no group ${job.group}`);
    gid = g;
  }
  if (job.action === 'push' && !job.rollback && (!job.file || (!job.dryRun && !content))) return failed('push: no file given');

  const header: FileOpHeader = {
    req: {
      action: job.action, path: job.path, to: job.to, mode: job.mode, recursive: job.recursive, dryRun: job.dryRun,
      ...(job.file ? { file: { sha256: job.file.sha256, size: job.file.size } } : {}),
      ...(job.rollback ? { rollback: true } : {}),
      ...(gid === undefined ? {} : { gid }),
    },
    roots: policy.roots.map((r) => ({ dir: r.dir, may: [...r.may], source: r.source })),
    account,
  };
  const outcome = await runChild(opts, header, job.action === 'push' && !job.rollback && !job.dryRun ? content : null);
  if (!outcome.ok) return failed(outcome.reason);
  return result('done', { plan: outcome.plan.slice(0, FILE_JOB_LIMITS.planLines).map(clip) });
}

function runChild(opts: FileJobRunnerOptions, header: FileOpHeader, content: (() => Readable) | null): Promise<FileOpOutcome> {
  return new Promise((resolve) => {
    const { uid, gid } = header.account;
    const asAccount = ['--reuid', String(uid), '--regid', String(gid), '--init-groups', '--inh-caps=-all', '--ambient-caps=-all', '--no-new-privs', '--'];
    // The account's process gets none of the agent's environment (its enrollment token, NODE_OPTIONS
    // naming files the account may not read) and starts in /, not in the agent's directory:
    // `env -i` empties it right before setpriv, whatever a wrapper of spawn() adds on the way.
    const clean = ['-i', `PATH=${process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin'}`, 'LANG=C.UTF-8'];
    const child = spawn('env', [...clean, opts.setpriv ?? SETPRIV, ...asAccount, opts.child.command, ...opts.child.args], { stdio: ['pipe', 'pipe', 'pipe'], cwd: '/' });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { if (out.length < MAX_CHILD_OUTPUT) out += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { err = (err + c).slice(-2000); });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
    // the child may refuse before reading the content: its stdin then closes under us
    child.stdin.on('error', () => undefined);
    child.stdin.write(JSON.stringify(header) + '\n');
    if (content) {
      const src = content();
      src.on('error', () => child.stdin.destroy());
      src.pipe(child.stdin);
    } else {
      child.stdin.end();
    }
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: `cannot start the file action's helper: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      try {
        const parsed = JSON.parse(out.split('\n')[0] ?? '') as FileOpOutcome;
        if (typeof parsed === 'object' && parsed !== null && typeof parsed.ok === 'boolean') return resolve(parsed);
      } catch {
        // reported below
      }
      // env's own complaint, exit 127: the program after it (setpriv) was not found
      if (code === 127 && /^env: /m.test(err)) return resolve({ ok: false, reason: 'setpriv (util-linux) is not installed: file actions need it to run as an account' });
      // Node ends a crash's stderr with its version: the line naming the error says more
      const lines = err.trim().split('\n');
      const why = lines.find((l) => /Error\b|^setpriv:/.test(l)) ?? lines.pop() ?? '';
      resolve({ ok: false, reason: `the file action's helper ended (${signal ?? `exit ${code}`}) without an answer${why ? `: ${why.trim()}` : ''}` });
    });
  });
}
