// The file actions themselves (S17), run in the child process that holds the job's account
// (file-op-child.ts): whatever the kernel refuses that account is refused here, with its reason.
// A pushed file is written to a hidden temporary name in the target's directory, checked against
// its SHA-256, fsynced and renamed over the target, so a reader sees the old file or the whole new
// one, never half. The replaced version stays beside it as `.<name>.rackwatch-prev` (hidden, and
// not matching a `*.conf`-style glob) until the next push or a rollback.
import { constants } from 'node:fs';
import { access, link, mkdir, open, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { AgentFileJob, FilePermission } from '../../contract/file-jobs.js';
import { nodeCrypto } from '../../core/lazy-builtins.js';
import { rootOf, type AllowedRoot, type FilesPolicy } from './files-policy.js';
import { describeErrno, lexicalPath, walkBeneath, type Beneath } from './path-beneath.js';

export type FileOpOutcome = { ok: true; plan: string[] } | { ok: false; reason: string };

export type FileOpRequest = Pick<AgentFileJob, 'action' | 'path' | 'to' | 'mode' | 'recursive' | 'dryRun'> & {
  /** push: the content's expected digest and size (the agent fetched and checked it once already) */
  file?: { sha256: string; size: number };
  /** restore the version the last push replaced instead of acting */
  rollback?: boolean;
  /** push and mkdir: the group's id, resolved by the parent from the job's group name */
  gid?: number;
};

const FILE_MODE = 0o644;
const DIR_MODE = 0o755;

export function previousVersionOf(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.rackwatch-prev`);
}

const fail = (reason: string): FileOpOutcome => ({ ok: false, reason });
const errno = (what: string, e: unknown): FileOpOutcome => fail(`${what}: ${describeErrno(e as NodeJS.ErrnoException)}`);

/** The allowed root of a path and the walk to it, or why the path may not be used for `need`. */
async function beneath(policy: FilesPolicy, p: string, need: FilePermission): Promise<{ root: AllowedRoot; at: Beneath } | { reason: string }> {
  const lex = lexicalPath(p);
  if ('reason' in lex) return lex;
  const root = rootOf(policy, lex.abs);
  if (root === null) return { reason: `${lex.abs} is outside every root this server allows` };
  if (!root.may.has(need)) return { reason: `${root.dir} does not allow ${need} (${root.source})` };
  const at = await walkBeneath(root, lex.abs);
  return 'reason' in at ? at : { root, at };
}

export async function runFileOp(policy: FilesPolicy, req: FileOpRequest, content: Readable | null): Promise<FileOpOutcome> {
  if (req.rollback) return rollback(policy, req);
  switch (req.action) {
    case 'push':
      return push(policy, req, content);
    case 'mkdir':
      return makeDir(policy, req);
    case 'move':
      return move(policy, req);
    case 'rmdir':
      return removeDir(policy, req);
  }
}

async function push(policy: FilesPolicy, req: FileOpRequest, content: Readable | null): Promise<FileOpOutcome> {
  if (!req.file || (!req.dryRun && !content)) return fail('push: no file given');
  const b = await beneath(policy, req.path, 'push');
  if ('reason' in b) return fail(b.reason);
  const { at } = b;
  if (at.parts.length === 0) return fail(`${at.abs} is the root itself, not a file in it`);
  if (at.target === 'dir' || at.target === 'other') return fail(`${at.abs} exists and is not a regular file`);
  if (at.firstMissing < at.parts.length - 1) return fail(`${path.dirname(at.abs)} does not exist (create it with mkdir first)`);
  const mode = req.mode === undefined ? FILE_MODE : parseInt(req.mode, 8);
  const dir = path.dirname(at.abs);
  if (req.dryRun) {
    const replacing = at.target === 'file' ? `replacing the file there (${(await stat(at.abs)).size} bytes, kept for rollback)` : 'a new file';
    const writable = await canCreateIn(dir);
    if (writable !== true) return fail(writable);
    return { ok: true, plan: [`would write ${req.file.size} bytes to ${at.abs}, mode ${mode.toString(8).padStart(4, '0')}: ${replacing}`] };
  }
  if (!content) return fail('push: no file given');
  const temp = path.join(dir, `.${path.basename(at.abs)}.rackwatch-tmp-${nodeCrypto().randomBytes(6).toString('hex')}`);
  let fh;
  try {
    fh = await open(temp, 'wx', mode);
  } catch (e) {
    return errno(`cannot create a file in ${dir}`, e);
  }
  const hash = nodeCrypto().createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of content) {
      const buf = chunk as Buffer;
      bytes += buf.length;
      if (bytes > req.file.size) throw new Error(`more than the announced ${req.file.size} bytes`);
      hash.update(buf);
      await fh.write(buf);
    }
    if (bytes !== req.file.size) throw new Error(`${bytes} bytes arrived, ${req.file.size} announced`);
    const digest = hash.digest('hex');
    if (digest !== req.file.sha256) throw new Error(`checksum mismatch: sha256 ${digest}, expected ${req.file.sha256}`);
    await fh.chmod(mode); // the umask narrowed the mode at open; the job's mode is what was asked
    if (req.gid !== undefined) await fh.chown(-1, req.gid);
    await fh.sync();
    await fh.close();
    fh = null;
    if (at.target === 'file') {
      const prev = previousVersionOf(at.abs);
      await unlink(prev).catch(() => undefined);
      await link(at.abs, prev);
    }
    await rename(temp, at.abs);
    await syncDir(dir);
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    return (e as NodeJS.ErrnoException).code ? errno(at.abs, e) : fail(`${at.abs}: ${(e as Error).message}`);
  }
  return { ok: true, plan: [`wrote ${bytes} bytes to ${at.abs}`] };
}

async function makeDir(policy: FilesPolicy, req: FileOpRequest): Promise<FileOpOutcome> {
  const b = await beneath(policy, req.path, 'mkdir');
  if ('reason' in b) return fail(b.reason);
  const { at } = b;
  if (at.target === 'dir') return { ok: true, plan: [`${at.abs} is already a directory`] };
  if (at.target !== 'missing') return fail(`${at.abs} exists and is not a directory`);
  const mode = req.mode === undefined ? DIR_MODE : parseInt(req.mode, 8);
  const base = path.join(b.root.dir, ...at.parts.slice(0, at.firstMissing));
  const missing = at.parts.slice(at.firstMissing);
  if (req.dryRun) {
    const writable = await canCreateIn(base);
    if (writable !== true) return fail(writable);
    return { ok: true, plan: [`would create ${missing.length === 1 ? at.abs : `${missing.length} directories down to ${at.abs}`}, mode ${mode.toString(8).padStart(4, '0')}`] };
  }
  // one component at a time (not mkdir -p): each new one is made by this account under the walked parent
  let cur = base;
  try {
    for (const part of missing) {
      cur = path.join(cur, part);
      await mkdir(cur, { mode });
      if (req.gid !== undefined) {
        const fh = await open(cur, 'r');
        try {
          await fh.chown(-1, req.gid);
        } finally {
          await fh.close();
        }
      }
    }
    await syncDir(path.dirname(at.abs));
  } catch (e) {
    return errno(cur, e);
  }
  return { ok: true, plan: [`created ${at.abs}`] };
}

async function move(policy: FilesPolicy, req: FileOpRequest): Promise<FileOpOutcome> {
  if (req.to === undefined) return fail('move: no destination (to) given');
  const from = await beneath(policy, req.path, 'move');
  if ('reason' in from) return fail(from.reason);
  const to = await beneath(policy, req.to, 'move');
  if ('reason' in to) return fail(to.reason);
  if (from.at.parts.length === 0) return fail(`${from.at.abs} is a root: it cannot be moved`);
  if (from.at.target !== 'dir') return fail(`${from.at.abs} is not a directory`);
  if (to.at.target !== 'missing' || to.at.firstMissing !== to.at.parts.length - 1) {
    return fail(to.at.target === 'missing' ? `${path.dirname(to.at.abs)} does not exist` : `${to.at.abs} already exists`);
  }
  if (to.at.abs.startsWith(`${from.at.abs}/`)) return fail(`${to.at.abs} is inside ${from.at.abs}`);
  if (req.dryRun) return { ok: true, plan: [`would move ${from.at.abs} to ${to.at.abs}`] };
  try {
    await rename(from.at.abs, to.at.abs);
    await syncDir(path.dirname(to.at.abs));
    if (path.dirname(to.at.abs) !== path.dirname(from.at.abs)) await syncDir(path.dirname(from.at.abs));
  } catch (e) {
    return errno(`${from.at.abs} → ${to.at.abs}`, e);
  }
  return { ok: true, plan: [`moved ${from.at.abs} to ${to.at.abs}`] };
}

async function removeDir(policy: FilesPolicy, req: FileOpRequest): Promise<FileOpOutcome> {
  const b = await beneath(policy, req.path, req.recursive ? 'rmdir-recursive' : 'rmdir');
  if ('reason' in b) return fail(b.reason);
  const { at } = b;
  if (at.parts.length === 0) return fail(`${at.abs} is a root: it cannot be deleted`);
  if (at.target === 'missing') return fail(`${at.abs} does not exist`);
  if (at.target !== 'dir') return fail(`${at.abs} is not a directory`);
  if (req.dryRun) return { ok: true, plan: [`would delete ${at.abs}${req.recursive ? ' with everything in it' : ' (if empty)'}`] };
  try {
    // rm does not follow links inside the tree: a link is removed, never what it points to
    if (req.recursive) await rm(at.abs, { recursive: true });
    else await rmdir(at.abs);
    await syncDir(path.dirname(at.abs));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTEMPTY') return fail(`${at.abs} is not empty (delete it recursively, if this server's root allows it)`);
    return errno(at.abs, e);
  }
  return { ok: true, plan: [`deleted ${at.abs}`] };
}

async function rollback(policy: FilesPolicy, req: FileOpRequest): Promise<FileOpOutcome> {
  const b = await beneath(policy, req.path, 'rollback');
  if ('reason' in b) return fail(b.reason);
  const prev = previousVersionOf(b.at.abs);
  const st = await stat(prev).catch(() => null);
  if (!st?.isFile()) return fail(`${b.at.abs} has no previous version to restore`);
  if (req.dryRun) return { ok: true, plan: [`would restore the previous ${b.at.abs} (${st.size} bytes)`] };
  try {
    await rename(prev, b.at.abs);
    await syncDir(path.dirname(b.at.abs));
  } catch (e) {
    return errno(b.at.abs, e);
  }
  return { ok: true, plan: [`restored the previous ${b.at.abs}`] };
}

/**
 * A dry run's prediction of EACCES: whether this account may create entries in `dir`. access(2)
 * checks the real uid, which the child set to the account's, and answers EROFS for a read-only
 * file system; nothing is written.
 */
async function canCreateIn(dir: string): Promise<true | string> {
  try {
    await access(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch (e) {
    return `cannot create entries in ${dir}: ${describeErrno(e as NodeJS.ErrnoException)}`;
  }
}

/** A rename is durable only once its directory is: fsync the directory too. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
