// What this server lets the appliance do to its files (S17), written by the server's own
// administrator in `*.conf` files under the agent's files directory (default
// /etc/rackwatch/files.d, `--files-dir` for tests). Never set from the appliance: a compromised
// appliance can do no more than these files allow. Nothing is allowed when the directory is
// missing or empty. The format, one statement a line, `#` starts a comment:
//
//   root /srv/www push mkdir move rmdir       # a directory and what may be done beneath it
//   account user:kim www-data deploy          # rackwatch user kim may act as www-data or deploy
//   account role:admin appuser                # any rackwatch admin may act as appuser
//
// A root is taken as written after its symbolic links are resolved once, when the policy is read
// (a root given as /srv/www → /data/www is /data/www); beneath it no link is followed
// (path-beneath.ts). root is never an account a job may run as.
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { FILE_PERMISSIONS, type FilePermission } from '../../contract/file-jobs.js';

export const DEFAULT_FILES_DIR = '/etc/rackwatch/files.d';

export const FILES_POLICY_LIMITS = {
  files: 64,
  bytesPerFile: 64 * 1024,
  roots: 256,
  accountLines: 256,
  accountsPerLine: 32,
} as const;

export interface AllowedRoot {
  /** absolute, symbolic links resolved, no trailing slash (except "/", which is refused) */
  dir: string;
  may: ReadonlySet<FilePermission>;
  /** where it was allowed, for messages: "app.conf:3" */
  source: string;
}

export interface FilesPolicy {
  roots: readonly AllowedRoot[];
  /** "user:kim" or "role:admin" → OS accounts */
  accounts: ReadonlyMap<string, ReadonlySet<string>>;
  /** lines that were not understood, with the reason: shown in the agent's log, never fatal */
  problems: readonly string[];
}

export const EMPTY_POLICY: FilesPolicy = { roots: [], accounts: new Map(), problems: [] };

const ACCOUNT_NAME = /^[a-z_][a-z0-9_.-]*\$?$/i;
const PRINCIPAL = /^(user|role):[^\s:]{1,64}$/;

/** Reads every `*.conf` in `dir` (sorted by name). A missing directory allows nothing. */
export async function readFilesPolicy(dir: string): Promise<FilesPolicy> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.conf') && !n.startsWith('.')).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_POLICY;
    return { ...EMPTY_POLICY, problems: [`${dir}: ${(e as Error).message}`] };
  }
  const problems: string[] = [];
  if (names.length > FILES_POLICY_LIMITS.files) {
    problems.push(`${dir}: only the first ${FILES_POLICY_LIMITS.files} of ${names.length} .conf files are read`);
    names = names.slice(0, FILES_POLICY_LIMITS.files);
  }
  const statements: Statement[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const st = await stat(file).catch(() => null);
    if (!st?.isFile()) continue;
    if (st.size > FILES_POLICY_LIMITS.bytesPerFile) {
      problems.push(`${name}: larger than ${FILES_POLICY_LIMITS.bytesPerFile} bytes, not read`);
      continue;
    }
    statements.push(...parsePolicyText(await readFile(file, 'utf8'), name, problems));
  }
  return resolvePolicy(statements, problems);
}

type Statement =
  | { kind: 'root'; dir: string; may: Set<FilePermission>; source: string }
  | { kind: 'account'; principal: string; accounts: string[]; source: string };

/** The statements of one file; what is not understood goes to `problems` and is skipped. */
export function parsePolicyText(text: string, fileName: string, problems: string[]): Statement[] {
  const out: Statement[] = [];
  text.split('\n').forEach((raw, i) => {
    const source = `${fileName}:${i + 1}`;
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const [word, ...rest] = line.split(/\s+/);
    if (word === 'root') {
      const [dir, ...ops] = rest;
      if (dir === undefined || !path.isAbsolute(dir)) return void problems.push(`${source}: root needs an absolute directory`);
      if (path.resolve(dir) === '/') return void problems.push(`${source}: the whole file system cannot be a root`);
      const unknown = ops.filter((o) => !(FILE_PERMISSIONS as readonly string[]).includes(o));
      if (unknown.length > 0) return void problems.push(`${source}: unknown operation ${unknown.join(', ')} (known: ${FILE_PERMISSIONS.join(', ')})`);
      if (ops.length === 0) return void problems.push(`${source}: root ${dir} allows no operation`);
      out.push({ kind: 'root', dir: path.resolve(dir), may: new Set(ops as FilePermission[]), source });
    } else if (word === 'account') {
      const [principal, ...accounts] = rest;
      if (principal === undefined || !PRINCIPAL.test(principal)) return void problems.push(`${source}: account needs user:NAME or role:NAME first`);
      const bad = accounts.filter((a) => !ACCOUNT_NAME.test(a) || a.length > 32);
      if (accounts.length === 0 || bad.length > 0) return void problems.push(`${source}: account names expected after ${principal}${bad.length ? ` (not one: ${bad.join(', ')})` : ''}`);
      if (accounts.includes('root')) return void problems.push(`${source}: root is never an account a job runs as`);
      out.push({ kind: 'account', principal, accounts: accounts.slice(0, FILES_POLICY_LIMITS.accountsPerLine), source });
    } else {
      problems.push(`${source}: unknown statement "${word ?? ''}" (root or account)`);
    }
  });
  return out;
}

async function resolvePolicy(statements: readonly Statement[], problems: string[]): Promise<FilesPolicy> {
  const roots: AllowedRoot[] = [];
  const accounts = new Map<string, Set<string>>();
  let accountLines = 0;
  for (const s of statements) {
    if (s.kind === 'root') {
      if (roots.length >= FILES_POLICY_LIMITS.roots) {
        problems.push(`${s.source}: more than ${FILES_POLICY_LIMITS.roots} roots, ignored`);
        continue;
      }
      // resolved once here: beneath the root no link is followed, so the root itself must be real
      const real = await realpath(s.dir).catch(() => null);
      if (real === null) {
        problems.push(`${s.source}: ${s.dir} does not exist`);
        continue;
      }
      if (real === '/') {
        problems.push(`${s.source}: ${s.dir} resolves to / and cannot be a root`);
        continue;
      }
      roots.push({ dir: real, may: s.may, source: s.source });
    } else {
      if (++accountLines > FILES_POLICY_LIMITS.accountLines) {
        problems.push(`${s.source}: more than ${FILES_POLICY_LIMITS.accountLines} account lines, ignored`);
        continue;
      }
      const set = accounts.get(s.principal) ?? new Set<string>();
      for (const a of s.accounts) set.add(a);
      accounts.set(s.principal, set);
    }
  }
  return { roots, accounts, problems };
}

/** Whether `by` (a rackwatch user and role) may act as `account` on this server. */
export function mayActAs(policy: FilesPolicy, by: { user: string; role: string }, account: string): boolean {
  return (policy.accounts.get(`user:${by.user}`)?.has(account) ?? false) || (policy.accounts.get(`role:${by.role}`)?.has(account) ?? false);
}

/**
 * The innermost allowed root containing `abs` (an absolute, normalised path), or null. A path
 * equal to a root is inside it (creating or deleting the root itself is refused elsewhere).
 */
export function rootOf(policy: FilesPolicy, abs: string): AllowedRoot | null {
  let best: AllowedRoot | null = null;
  for (const r of policy.roots) {
    if ((abs === r.dir || abs.startsWith(`${r.dir}/`)) && (best === null || r.dir.length > best.dir.length)) best = r;
  }
  return best;
}
