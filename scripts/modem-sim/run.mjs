// Runs the modem simulator CLI (main.ts) on Node 20, which cannot run .ts itself: bundles it with
// esbuild into a temporary directory under node_modules/.cache (serialport stays external: it
// loads a native addon, and ESM resolves it only from a directory inside the repository), runs it
// with the remaining arguments, forwards signals, and removes the directory when it exits.
//   node scripts/modem-sim/run.mjs --pin 1234
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const cache = path.join(root, 'node_modules', '.cache');
mkdirSync(cache, { recursive: true });
const outdir = mkdtempSync(path.join(cache, 'rw-modem-sim-'));
const cleanup = () => rmSync(outdir, { recursive: true, force: true });
try {
  await build({
    entryPoints: [path.join(here, 'main.ts')],
    outfile: path.join(outdir, 'main.mjs'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: ['serialport', '@serialport/*'],
    banner: { js: "import { createRequire as __rwCreateRequire } from 'node:module'; const require = __rwCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
} catch (e) {
  cleanup();
  throw e;
}
const child = spawn(process.execPath, [path.join(outdir, 'main.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.exitCode === null && child.kill(signal));
child.on('exit', (code, signal) => {
  cleanup();
  process.exit(code ?? (signal ? 1 : 0));
});
