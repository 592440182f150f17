// The serialport runtime a sentinel's modem channel loads (S13, B4), one archive per Linux
// architecture, built into dist/ by scripts/build.mjs and served by the appliance to
// `install-agent.sh --with-modem`: monitored servers may reach neither GitHub nor the npm
// registry, so the appliance hands out the very packages it runs its own modem with.
//
// Each archive holds node_modules/ with `serialport` and what it requires at run time (found the
// way Node resolves them, nested node_modules included), without what only a build or a reader
// needs (sources, typings, docs, node-addon-api's headers, a host build/ that node-gyp-build
// would prefer to the prebuild), and with @serialport/bindings-cpp's prebuilds for that
// architecture only (glibc and musl: node-gyp-build picks the server's).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** the architectures @serialport/bindings-cpp has Linux prebuilds for, as `process.arch` names them */
export const SERIALPORT_TARGETS = ['linux-x64', 'linux-arm64', 'linux-arm'];
export const serialportArchiveName = (target) => `serialport-${target}.tar.gz`;

/** needed only to compile the binding: its prebuilds make it unnecessary at run time */
const BUILD_ONLY_PACKAGES = new Set(['node-addon-api']);
/** file and directory names no package needs at run time */
const NOT_RUNTIME = /(\.map|\.ts|\.gypi?)$|^(?!licen[cs]e)[^.]*\.md$|^README|^\.|^test$/i;
const BINDINGS = path.join('@serialport', 'bindings-cpp');

/** Directory of `name` as Node finds it from the package in `fromDir` (below `modules`). */
function resolvePackage(modules, fromDir, name) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (!dir.startsWith(modules) || dir === path.dirname(dir)) break;
  }
  const top = path.join(modules, name);
  if (existsSync(path.join(top, 'package.json'))) return top;
  throw new Error(`${name} (needed by ${path.relative(modules, fromDir) || 'serialport'}) is not installed: npm ci`);
}

/** The package directories `serialport` needs at run time, relative to `modules`. */
async function runtimePackages(modules) {
  const seen = new Set();
  const todo = [path.join(modules, 'serialport')];
  while (todo.length > 0) {
    const dir = todo.pop();
    const rel = path.relative(modules, dir);
    if (seen.has(rel)) continue;
    seen.add(rel);
    const pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      if (!BUILD_ONLY_PACKAGES.has(dep)) todo.push(resolvePackage(modules, dir, dep));
    }
  }
  return [...seen].sort();
}

function keep(pkgRel, fileRel, target) {
  const parts = fileRel.split(path.sep);
  if (parts[0] === 'node_modules') return false; // nested packages are copied on their own, if needed
  if (parts.some((p) => NOT_RUNTIME.test(p))) return false;
  if (pkgRel === BINDINGS) {
    if (['src', 'build', 'binding.gyp'].includes(parts[0] ?? '')) return false;
    if (parts[0] === 'prebuilds' && parts[1] !== undefined && parts[1] !== target) return false;
  }
  return true;
}

/** Writes dist/serialport-<target>.tar.gz for every target; returns the file names written. */
export async function buildSerialportArchives(root, dist) {
  const modules = path.join(root, 'node_modules');
  const packages = await runtimePackages(modules);
  const written = [];
  for (const target of SERIALPORT_TARGETS) {
    if (!existsSync(path.join(modules, BINDINGS, 'prebuilds', target))) continue;
    const stage = await mkdtemp(path.join(tmpdir(), 'rw-serialport-'));
    try {
      for (const rel of packages) {
        const from = path.join(modules, rel);
        await cp(from, path.join(stage, 'node_modules', rel), {
          recursive: true,
          dereference: true,
          filter: (src) => src === from || keep(rel.split(path.sep + 'node_modules' + path.sep).pop(), path.relative(from, src), target),
        });
      }
      const out = path.join(dist, serialportArchiveName(target));
      // the same bytes for the same node_modules: a rebuild does not change the served checksum
      const tar = execFileSync('tar', ['-cf', '-', '-C', stage, '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', 'node_modules'], { maxBuffer: 64 << 20 });
      await writeFile(out, gzipSync(tar, { level: 9 }));
      written.push(path.basename(out));
    } finally {
      await rm(stage, { recursive: true, force: true });
    }
  }
  return written;
}
