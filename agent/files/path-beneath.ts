// Paths of file actions (S17) resolved beneath an allowed root without following symbolic links
// out of it. Node has no openat2(RESOLVE_BENEATH), so each component below the root is examined
// with lstat and a link is refused rather than followed (a link inside a root that points inside
// it is refused too: simpler to state, and a push never needs one). The walk runs in the child
// process that already holds the job's account (file-op-child.ts): a directory swapped for a link
// between the walk and the operation can then lead only where that account could write anyway.
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import type { AllowedRoot } from './files-policy.js';

/** An absolute path with `.` and repeated slashes dropped; `..` is refused, never resolved. */
export function lexicalPath(p: string): { abs: string } | { reason: string } {
  if (!p.startsWith('/')) return { reason: `${p}: not an absolute path` };
  if (p.includes('\0')) return { reason: 'the path contains a NUL byte' };
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.includes('..')) return { reason: `${p}: ".." is not allowed in a path` };
  return { abs: `/${parts.join('/')}` };
}

export type TargetKind = 'file' | 'dir' | 'other' | 'missing';

export interface Beneath {
  abs: string;
  /** the components below the root */
  parts: readonly string[];
  target: TargetKind;
  /** index in `parts` of the first component that does not exist (parts.length when all do) */
  firstMissing: number;
}

/** `abs` relative to the root's directory, or null when it is not beneath it. */
export function partsBelow(root: AllowedRoot, abs: string): string[] | null {
  if (abs === root.dir) return [];
  if (!abs.startsWith(`${root.dir}/`)) return null;
  return abs.slice(root.dir.length + 1).split('/');
}

/**
 * Walks from the root to `abs` with lstat: every existing component must be a directory that is
 * not a link (the last may be a file); the first missing one ends the walk.
 */
export async function walkBeneath(root: AllowedRoot, abs: string): Promise<Beneath | { reason: string }> {
  const parts = partsBelow(root, abs);
  if (parts === null) return { reason: `${abs} is not beneath ${root.dir}` };
  const top = await lstat(root.dir).catch((e: NodeJS.ErrnoException) => e);
  if (top instanceof Error) return { reason: `${root.dir}: ${top.code ?? top.message}` };
  if (top.isSymbolicLink() || !top.isDirectory()) return { reason: `${root.dir} is no longer a directory` };
  let cur = root.dir;
  for (let i = 0; i < parts.length; i++) {
    cur = path.join(cur, parts[i] ?? '');
    const st = await lstat(cur).catch((e: NodeJS.ErrnoException) => e);
    if (st instanceof Error) {
      if (st.code === 'ENOENT') return { abs, parts, target: 'missing', firstMissing: i };
      return { reason: `${cur}: ${describeErrno(st)}` };
    }
    if (st.isSymbolicLink()) return { reason: `${cur} is a symbolic link: links beneath a root are not followed` };
    const last = i === parts.length - 1;
    if (!last && !st.isDirectory()) return { reason: `${cur} is not a directory` };
    if (last) return { abs, parts, target: st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other', firstMissing: parts.length };
  }
  return { abs, parts, target: 'dir', firstMissing: parts.length };
}

/** "permission denied (EACCES)": the kernel's answer, in words and with its code. */
export function describeErrno(e: NodeJS.ErrnoException): string {
  const words: Record<string, string> = {
    EACCES: 'permission denied', EPERM: 'operation not permitted', ENOENT: 'no such file or directory',
    ENOTEMPTY: 'directory not empty', EEXIST: 'already exists', EXDEV: 'on another file system',
    ENOSPC: 'no space left on the device', EROFS: 'read-only file system', ENOTDIR: 'not a directory',
    EISDIR: 'is a directory', EDQUOT: 'disk quota exceeded',
  };
  const code = e.code ?? '';
  return words[code] ? `${words[code]} (${code})` : e.message;
}
