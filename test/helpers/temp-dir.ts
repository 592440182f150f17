// The one temporary-directory helper of the tests: a directory under the system's tmp, removed
// when the test ends, optionally filled from a tree ({ name: 'file content' | { …subtree } }).
// Its path stays short (unix socket paths inside it must stay under 108 bytes). Used instead of tap's t.testdir(), whose
// directories live in the repository's .tap/fixtures, which another tap run in the same tree (a
// colleague's, on a shared machine) may clear in the middle of ours.
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Tree {
  [name: string]: string | Tree;
}

export function writeTree(dir: string, tree: Tree): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(tree)) {
    const target = path.join(dir, name);
    if (typeof content === 'string') writeFileSync(target, content);
    else writeTree(target, content);
  }
}

export function tempDir(t: { teardown(fn: () => unknown): void }, prefix = 'rw-', tree: Tree = {}): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeTree(dir, tree);
  return dir;
}

/**
 * Copies the regular files of `source` over `target` by rewriting each in place, as the kernel
 * changes a /proc file: a collector holding a file open sees the new content (cpSync would put
 * a new file in its place).
 */
export function rewriteInPlace(source: string, target: string): void {
  mkdirSync(target, { recursive: true });
  for (const name of readdirSync(source)) {
    const from = path.join(source, name);
    const to = path.join(target, name);
    const kind = lstatSync(from);
    if (kind.isDirectory()) rewriteInPlace(from, to);
    else if (kind.isFile()) writeFileSync(to, readFileSync(from));
  }
}
