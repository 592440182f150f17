// The board bundle (D1, S14): what the Buildroot package `rackwatch` installs to /opt/rackwatch.
//   npm run bundle:board -- --arch arm64|armv7 [--out <dir>] [--no-build]
// It holds the bundled appliance and agent (scripts/build.mjs), the built web UI, the agent
// installer's files, and only the node_modules the appliance loads at run time (the native
// addons esbuild leaves external and what they require), pruned to the target:
//   - @serialport/bindings-cpp: its N-API prebuild for linux-<arch> (glibc) ships in its npm
//     tarball; the others are removed;
//   - better-sqlite3@12 is not N-API and its npm tarball has no prebuilds: its sources stay and
//     its host build/ is removed; Buildroot compiles it with the target toolchain against the
//     target Node's headers (buildroot/package/rackwatch/rackwatch.mk);
//   - the netlink addon (the agent's, served to installers) is already in dist/ as
//     sock-diag-<platform>-<arch>.node, one per architecture, from its npm prebuilds;
//   - the serialport runtime served to `install-agent.sh --with-modem` (S13, B4) is already in
//     dist/ as serialport-linux-<arch>.tar.gz (scripts/serialport-archive.mjs), built from the same
//     node_modules as this bundle's: for the board's own architecture its binding is checked to
//     be the very file the appliance loads.
// manifest.json says which native module came from where, and the architecture of each
// .node file read from its ELF header.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

/** target → Node's names for it: the prebuild directory and node-gyp-build's arm tag */
const TARGETS = {
  arm64: { platformArch: 'linux-arm64', serialportFile: '@serialport+bindings-cpp.armv8.glibc.node', elf: 'aarch64' },
  armv7: { platformArch: 'linux-arm', serialportFile: '@serialport+bindings-cpp.armv7.glibc.node', elf: 'arm' },
};
/** the console's login-shell wrapper, in bin/ (buildroot/package/rackwatch/rackwatch.mk links it into /usr/bin) */
const CONSOLE_BIN = 'rackwatch-console';
/** the appliance's data dir on the board (buildroot/package/rackwatch/rackwatch.service's RW_DATA_DIR) */
const BOARD_DATA_DIR = '/data/rackwatch';
/** where the console asks root for network changes and factory resets (rackwatch-console-requests.path) */
const BOARD_REQUESTS_DIR = '/run/rackwatch-console';
/** the networkd file root installs (/etc/systemd/network/10-rackwatch.network links to it) */
const BOARD_NETWORK_FILE = '/data/network/10-rackwatch.network';
/** what the appliance bundle leaves external (scripts/build.mjs), i.e. loads from node_modules */
const RUNTIME_ROOTS = ['better-sqlite3', 'serialport'];

function usage(message) {
  console.error(`bundle:board: ${message}\nusage: npm run bundle:board -- --arch ${Object.keys(TARGETS).join('|')} [--out <dir>] [--no-build]`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { arch: null, out: null, build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--arch') opts.arch = argv[++i] ?? null;
    else if (a === '--out') opts.out = argv[++i] ?? null;
    else if (a === '--no-build') opts.build = false;
    else usage(`unknown argument ${a}`);
  }
  if (!opts.arch || !Object.hasOwn(TARGETS, opts.arch)) usage(`--arch must be one of ${Object.keys(TARGETS).join(', ')}`);
  opts.out = path.resolve(opts.out ?? path.join(dist, 'board', `linux-${opts.arch}`));
  return opts;
}

/** The packages `roots` need at run time: their dependencies, transitively (npm's flat layout). */
async function runtimeClosure(roots) {
  const seen = new Set();
  const todo = [...roots];
  while (todo.length > 0) {
    const name = todo.pop();
    if (seen.has(name)) continue;
    const manifest = path.join(root, 'node_modules', name, 'package.json');
    if (!existsSync(manifest)) throw new Error(`${name} is not installed (npm ci)`);
    seen.add(name);
    const pkg = JSON.parse(await readFile(manifest, 'utf8'));
    // better-sqlite3's install script tries `prebuild-install` first (a download) and falls back
    // to node-gyp; on the board nothing downloads, and at run time only `bindings` is needed
    todo.push(...Object.keys(pkg.dependencies ?? {}).filter((d) => d !== 'prebuild-install'));
  }
  return [...seen].sort();
}

/** The machine an ELF shared object is for (e_machine), enough to tell the targets apart. */
export async function elfMachine(file) {
  const head = (await readFile(file)).subarray(0, 20);
  if (head.readUInt32BE(0) !== 0x7f454c46) return 'not ELF';
  const machine = head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18);
  return { 0x3e: 'x86_64', 0x03: 'i386', 0xb7: 'aarch64', 0x28: 'arm' }[machine] ?? `e_machine ${machine}`;
}

async function nodeFiles(dir) {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.node')) found.push(path.join(entry.parentPath ?? entry.path, entry.name));
  }
  return found.sort();
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const target = TARGETS[opts.arch];
  if (opts.build) execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
  for (const f of ['appliance.js', 'agent.js', 'console.js', 'console-root-helper.js', 'webui/index.html']) {
    if (!existsSync(path.join(dist, f))) throw new Error(`dist/${f} is missing: run npm run build`);
  }

  await rm(opts.out, { recursive: true, force: true });
  await mkdir(opts.out, { recursive: true });
  // the appliance and what it serves (the agent, its sock-diag addons and installer, the web UI);
  // the modem simulator is left out: the board has a real modem
  for (const entry of await readdir(dist)) {
    if (entry === 'board' || entry.startsWith('modem-sim.')) continue;
    await cp(path.join(dist, entry), path.join(opts.out, entry), { recursive: true });
  }
  // rackwatch-console (D5), the technician's login shell (the `tech` user's, whom the console
  // UART's getty and SSH log in): console.js, one file with no native addon, next to the
  // appliance; it finds the appliance's socket in the board's data dir (rackwatch.service's), and
  // asks root (console-root-helper.js) for what its login may not do: network changes, factory reset
  await mkdir(path.join(opts.out, 'bin'), { recursive: true });
  await writeFile(path.join(opts.out, 'bin', CONSOLE_BIN), [
    '#!/bin/sh',
    "# the technician's login shell (D5): the console next to the appliance, on the board's data dir;",
    '# network changes and factory resets are requests to root',
    `: "\${RW_DATA_DIR:=${BOARD_DATA_DIR}}"`,
    `: "\${RW_CONSOLE_REQUESTS:=${BOARD_REQUESTS_DIR}}"`,
    `: "\${RW_NETWORK_FILE:=${BOARD_NETWORK_FILE}}"`,
    'export RW_DATA_DIR RW_CONSOLE_REQUESTS RW_NETWORK_FILE',
    'exec /usr/bin/node /opt/rackwatch/console.js "$@"',
    '',
  ].join('\n'), { mode: 0o755 });

  const packages = await runtimeClosure(RUNTIME_ROOTS);
  for (const name of packages) {
    await cp(path.join(root, 'node_modules', name), path.join(opts.out, 'node_modules', name), { recursive: true, dereference: true });
  }
  const modules = path.join(opts.out, 'node_modules');
  // serialport: only the target's glibc prebuild
  const prebuilds = path.join(modules, '@serialport/bindings-cpp/prebuilds');
  for (const dir of await readdir(prebuilds)) {
    if (dir !== target.platformArch) await rm(path.join(prebuilds, dir), { recursive: true });
  }
  for (const file of await readdir(path.join(prebuilds, target.platformArch))) {
    if (file !== target.serialportFile) await rm(path.join(prebuilds, target.platformArch, file));
  }
  await rm(path.join(modules, '@serialport/bindings-cpp/build'), { recursive: true, force: true });
  // better-sqlite3: the host's build would load nowhere on the board; Buildroot compiles it
  await rm(path.join(modules, 'better-sqlite3/build'), { recursive: true, force: true });

  // what the board serves to sentinels' installers is what it runs its own modem with
  const servedSerialport = path.join(opts.out, `serialport-${target.platformArch}.tar.gz`);
  if (!existsSync(servedSerialport)) throw new Error(`dist/serialport-${target.platformArch}.tar.gz is missing: run npm run build`);
  const bindingPath = `@serialport/bindings-cpp/prebuilds/${target.platformArch}/${target.serialportFile}`;
  const servedBinding = execFileSync('tar', ['-xzOf', servedSerialport, `node_modules/${bindingPath}`], { maxBuffer: 64 << 20 });
  if (!servedBinding.equals(await readFile(path.join(modules, bindingPath)))) {
    throw new Error(`serialport-${target.platformArch}.tar.gz does not carry the image's own ${bindingPath}: rebuild (npm run build)`);
  }
  const natives = [];
  for (const file of await nodeFiles(opts.out)) {
    const rel = path.relative(opts.out, file);
    const machine = await elfMachine(file);
    const from = rel.startsWith('sock-diag-')
      ? 'netlink npm tarball prebuild (served to agents of that architecture)'
      : 'npm tarball prebuild (N-API)';
    natives.push({ file: rel, machine, bytes: (await stat(file)).size, from });
  }
  const pkgVersion = async (name) => JSON.parse(await readFile(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  const manifest = {
    name: 'rackwatch',
    version: JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')).version,
    arch: opts.arch,
    nativeModules: {
      '@serialport/bindings-cpp': { version: await pkgVersion('@serialport/bindings-cpp'), from: `its npm tarball's prebuilds/${target.platformArch}/${target.serialportFile} (N-API, any Node >= 18)` },
      'better-sqlite3': { version: await pkgVersion('better-sqlite3'), from: 'compiled by Buildroot (package/rackwatch/rackwatch.mk) with the target toolchain against the target Node 22 headers; not N-API, no prebuild in its npm tarball' },
      netlink: { version: await pkgVersion('netlink'), from: "its npm tarball's prebuilds/linux-*/node.napi.node, copied to sock-diag-<platform>-<arch>.node by scripts/build.mjs (the agent's; the appliance serves them)" },
    },
    console: {
      file: 'console.js', loginShell: `bin/${CONSOLE_BIN}`, dataDir: BOARD_DATA_DIR, requestsDir: BOARD_REQUESTS_DIR, networkFile: BOARD_NETWORK_FILE,
      rootHelper: 'console-root-helper.js', nativeModules: 'none (bundled by esbuild, scripts/build.mjs)',
    },
    nodeFiles: natives,
    servedSerialport: (await readdir(opts.out)).filter((f) => /^serialport-linux-.*\.tar\.gz$/.test(f)).sort(),
    packages,
  };
  await writeFile(path.join(opts.out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const wrong = natives.filter((n) => !n.file.startsWith('sock-diag-') && n.machine !== target.elf);
  if (wrong.length > 0) throw new Error(`native modules not for ${target.elf}: ${wrong.map((n) => `${n.file} (${n.machine})`).join(', ')}`);
  console.log(`board bundle for linux-${opts.arch} in ${path.relative(process.cwd(), opts.out) || '.'}: ${packages.length} packages, ${natives.length} native files`);
}

main().catch((e) => {
  console.error(`bundle:board: ${e.message}`);
  process.exit(1);
});
