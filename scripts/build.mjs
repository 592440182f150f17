// Build: bundles the appliance and the agent into dist/ (one file each, native addons left
// external) and the web UI into dist/webui/ (static files the appliance serves). esbuild is used
// for all three: it builds the whole tree in well under a second, which keeps `npm test` quick.
import { build } from 'esbuild';
import { cp, mkdir, readdir, rm, chmod } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { buildSerialportArchives } from './serialport-archive.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const banner = { js: "#!/usr/bin/env node\nimport { createRequire as __rwCreateRequire } from 'node:module'; const require = __rwCreateRequire(import.meta.url);" };

await rm(dist, { recursive: true, force: true });
await mkdir(path.join(dist, 'webui'), { recursive: true });

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  banner,
  logLevel: 'warning',
};

await Promise.all([
  build({
    ...node,
    entryPoints: [path.join(root, 'appliance/main.ts')],
    outfile: path.join(dist, 'appliance.js'),
    // native addons and their loaders stay in node_modules
    external: ['better-sqlite3', 'serialport', '@serialport/*'],
  }),
  // the modem simulator for `--modem sim`, built apart so that the appliance bundle (and the
  // board's image) carries none of it; the appliance loads it from next to itself at run time
  build({
    ...node,
    entryPoints: [path.join(root, 'scripts/modem-sim/appliance-plugin.ts')],
    outfile: path.join(dist, 'modem-sim.js'),
    external: ['serialport', '@serialport/*'],
  }),
  // the technician's console (D5), a program of its own that the board's getty runs; it talks to
  // the appliance over the data dir's unix socket and carries no native addon
  build({
    ...node,
    entryPoints: [path.join(root, 'appliance/console/console-main.ts')],
    outfile: path.join(dist, 'console.js'),
  }),
  // root's side of the console's requests on the board (D1, D5): validates and carries out network
  // changes and factory resets the console (an unprivileged login) asks for
  build({
    ...node,
    entryPoints: [path.join(root, 'appliance/console/root-helper-main.ts')],
    outfile: path.join(dist, 'console-root-helper.js'),
  }),
  build({
    ...node,
    entryPoints: [path.join(root, 'agent/main.ts')],
    outfile: path.join(dist, 'agent.js'),
    // the agent ships as one file (S20): everything, systeminformation included, is bundled;
    // minified, because V8 keeps a script's whole source in memory (the agent's RSS; docs/benchmarks.md);
    // serialport (a native addon) stays outside: only a sentinel's modem channel loads it, at run time
    minify: true,
    external: ['serialport', '@serialport/*'],
  }),
  build({
    entryPoints: [path.join(root, 'webui/src/main.tsx')],
    outdir: path.join(dist, 'webui/assets'),
    bundle: true,
    format: 'esm',
    // every screen but the dashboard is a chunk fetched on first use (webui/src/components/lazy-screen.tsx):
    // the first load stays within its budget (docs/benchmarks.md); chunk names carry a content hash,
    // so a browser holding an older main.js never runs a newer chunk under the same name
    splitting: true,
    entryNames: '[name]',
    chunkNames: 'chunks/[name]-[hash]',
    target: ['chrome100', 'firefox100', 'safari15'],
    minify: true,
    sourcemap: 'linked',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    loader: { '.css': 'css' },
    logLevel: 'warning',
  }),
]);
await cp(path.join(root, 'webui/index.html'), path.join(dist, 'webui/index.html'));
// the netlink addon the agent reads TCP sockets with (agent/collectors/sock-diag.ts), one file per
// architecture the `netlink` package has a prebuild for, named as the agent looks for it next to
// itself; the appliance serves them to the installer
const prebuilds = path.join(path.dirname(require.resolve('netlink/package.json')), 'prebuilds');
for (const target of await readdir(prebuilds)) {
  const addon = path.join(prebuilds, target, 'node.napi.node');
  if (existsSync(addon)) await cp(addon, path.join(dist, `sock-diag-${target}.node`));
}
// the serialport runtime a sentinel's modem channel loads from beside the agent (S13, B4), one
// archive per architecture, from this node_modules; the appliance serves them to
// `install-agent.sh --with-modem`. Without tar the build goes on: the route then says what is missing.
try {
  await buildSerialportArchives(root, dist);
} catch (e) {
  console.warn(`the serialport archives were not built (${e.message}): the appliance will answer 404 for /agent/serialport-*.tar.gz`);
}
// the agent installer the appliance serves at /install.sh (S20), next to the agent it installs
const installer = path.join(root, 'scripts/install-agent.sh');
if (existsSync(installer)) await cp(installer, path.join(dist, 'install-agent.sh'));
else console.warn('scripts/install-agent.sh is missing: the appliance will answer 404 for /install.sh');
await chmod(path.join(dist, 'appliance.js'), 0o755);
await chmod(path.join(dist, 'agent.js'), 0o755);
await chmod(path.join(dist, 'console.js'), 0o755);
console.log('built dist/appliance.js, dist/agent.js, dist/console.js, dist/console-root-helper.js, dist/modem-sim.js, dist/webui/');
