// Runs a TypeScript benchmark script (scripts/loadgen.ts, scripts/bench/*.ts) on Node 20, which
// cannot run .ts itself: bundles every benchmark entry with esbuild's JS API into one temporary
// directory (so a script can start a sibling, e.g. ingest.js starts bare-aedes.js as its own
// process), runs the chosen one with the remaining arguments, and removes the directory when it
// exits. Signals are forwarded so that Ctrl-C reaches the script's own cleanup.
//
//   node scripts/bench/run.mjs scripts/bench/ingest.ts --quick
//   node scripts/bench/run.mjs scripts/loadgen.ts --help
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const [entryArg, ...args] = process.argv.slice(2);
if (!entryArg || !entryArg.endsWith('.ts')) {
  process.stderr.write('usage: node scripts/bench/run.mjs <scripts/loadgen.ts | scripts/bench/<name>.ts> [args…]\n');
  process.exit(2);
}
const benchDir = path.join(root, 'scripts', 'bench');
const entries = [
  path.join(root, 'scripts', 'loadgen.ts'),
  ...readdirSync(benchDir).filter((f) => f.endsWith('.ts')).map((f) => path.join(benchDir, f)),
];
const wanted = path.resolve(entryArg);
if (!entries.includes(wanted)) {
  process.stderr.write(`run.mjs: ${entryArg} is not a benchmark entry (${entries.map((e) => path.relative(root, e)).join(', ')})\n`);
  process.exit(2);
}

const outdir = mkdtempSync(path.join(os.tmpdir(), 'rw-bench-js-'));
const cleanup = () => rmSync(outdir, { recursive: true, force: true });
const bundle = (entry) => build({
  entryPoints: [entry],
  // flat output names (ingest.js, bare-aedes.js, loadgen.js) whatever directory each entry is in
  outfile: path.join(outdir, path.basename(entry, '.ts') + '.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'inline',
  // CommonJS dependencies (mqtt-packet, aedes) call require(): give the ESM bundle one
  banner: { js: "import { createRequire as __rwCreateRequire } from 'node:module'; const require = __rwCreateRequire(import.meta.url);" },
  // native addons are not needed by the benchmarks; keep them out of the bundle if reached
  external: ['better-sqlite3', 'serialport', '@serialport/*'],
  logLevel: entry === wanted ? 'warning' : 'silent',
});
// Each entry on its own: a sibling that does not bundle (someone's work in progress) must not
// stop the script that was asked for; only that one's errors count.
const built = await Promise.allSettled(entries.map(bundle));
const mine = built[entries.indexOf(wanted)];
if (mine?.status !== 'fulfilled') {
  cleanup();
  process.stderr.write(`run.mjs: could not bundle ${path.relative(root, wanted)}\n`);
  process.exit(1);
}

const script = path.join(outdir, path.basename(wanted, '.ts') + '.js');
const child = spawn(process.execPath, ['--enable-source-maps', script, ...args], {
  stdio: 'inherit',
  // the bundles live outside the repository: tell them where it is, unless the caller named another
  // tree (a build of the code before a change, run side by side: docs/benchmarks.md). Overriding
  // it made every such "before" run the tree's own build, the "after" code
  env: { ...process.env, RW_REPO_ROOT: process.env.RW_REPO_ROOT ?? root },
});
// Ctrl-C in a terminal reaches the child directly (same process group) and again through this
// forwarding, which the child's handler tolerates; a signal sent to this process alone is passed
// on. Either way this process stays until the child has cleaned up and exited.
const forward = (sig) => () => { if (child.exitCode === null) child.kill(sig); };
process.on('SIGINT', forward('SIGINT'));
process.on('SIGTERM', forward('SIGTERM'));
child.on('exit', (code, signal) => {
  cleanup();
  process.exit(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 1) : 1));
});
