// The agent installer (S20), scripts/install-agent.sh, run with --root into a temporary directory
// against a small HTTP server that serves the built agent (dist/agent.js) and its SHA-256 the way
// the appliance does: the unit, the files and their modes, the installed agent running, the
// checks that stop an install (damaged download, old Node, no appliance address), uninstalling;
// --with-modem (S13, B4): the serialport runtime from dist/ beside the agent, loaded by this Node
// from there and talking AT to the modem simulator on a pty, replaced in one step on a re-run.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import t, { type Test } from 'tap';
import { startPtySimulator } from '../../scripts/modem-sim/pty-simulator.js';
import { tempDir } from '../helpers/temp-dir.js';
import { repoRoot } from '../helpers/paths.js';

const REPO = repoRoot;
const SCRIPT = path.join(REPO, 'scripts/install-agent.sh');
const AGENT_BIN = path.join(REPO, 'dist/agent.js');
const NODE = process.execPath;
const TOKEN = 'enroll-0123456789abcdef';

t.before(() => {
  if (!existsSync(AGENT_BIN)) throw new Error(`${AGENT_BIN} is missing: run \`node scripts/build.mjs\` (npm test does)`);
});

/** This machine's netlink addon as the build puts it in dist/ (agent/collectors/sock-diag.ts). */
const ADDON_NAME = `sock-diag-${process.platform}-${process.arch}.node`;
/** This machine's serialport runtime as the build puts it in dist/ (scripts/serialport-archive.mjs). */
const SERIALPORT_NAME = `serialport-${process.platform}-${process.arch}.tar.gz`;

/**
 * Serves /agent/rackwatch-agent.js, this machine's netlink addon, and their .sha256 as the
 * appliance does (installer-routes.ts); `addon: false` is an appliance without an addon for it.
 */
async function serveAgent(t: Test, options: { checksum?: string; addon?: boolean; serialportChecksum?: string; serialport?: boolean } = {}): Promise<string> {
  const bundle = readFileSync(AGENT_BIN);
  const digest = options.checksum ?? createHash('sha256').update(bundle).digest('hex');
  const addon = options.addon === false ? null : readFileSync(path.join(REPO, 'dist', ADDON_NAME));
  const serialport = readFileSync(path.join(REPO, 'dist', SERIALPORT_NAME));
  const serialportDigest = options.serialportChecksum ?? createHash('sha256').update(serialport).digest('hex');
  const server: Server = createServer((req, res) => {
    if (options.serialport !== false && req.url === `/agent/${SERIALPORT_NAME}`) {
      res.writeHead(200, { 'content-type': 'application/gzip' });
      res.end(serialport);
      return;
    }
    if (options.serialport !== false && req.url === `/agent/${SERIALPORT_NAME}.sha256`) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${serialportDigest}  ${SERIALPORT_NAME}\n`);
      return;
    }
    if (req.url === '/agent/rackwatch-agent.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(bundle);
    } else if (req.url === '/agent/rackwatch-agent.js.sha256') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${digest}  rackwatch-agent.js\n`);
    } else if (addon && req.url === `/agent/${ADDON_NAME}`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(addon);
    } else if (addon && req.url === `/agent/${ADDON_NAME}.sha256`) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`${createHash('sha256').update(addon).digest('hex')}  ${ADDON_NAME}\n`);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

interface Run { status: number | null; stdout: string; stderr: string }

/** Runs the script (asynchronously: this process also serves its downloads). */
async function install(args: string[], options: { input?: string; path?: string } = {}): Promise<Run> {
  const child = spawn('sh', options.input === undefined ? [SCRIPT, ...args] : ['-s', '--', ...args], {
    env: { ...process.env, PATH: options.path ?? `${path.dirname(NODE)}:${process.env.PATH ?? ''}` },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  // a script that stops early (a missing requirement) may exit before reading its input
  const stdinErrors: Error[] = [];
  child.stdin.on('error', (e: NodeJS.ErrnoException) => { if (e.code !== 'EPIPE') stdinErrors.push(new Error(`writing the script's input: ${e.message}`)); });
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [status] = await once(child, 'close') as [number | null];
  clearTimeout(timer);
  if (stdinErrors[0]) throw stdinErrors[0];
  return { status, stdout, stderr };
}

const mode = (file: string): number => statSync(file).mode & 0o777;

void t.test('--root: the agent, its unit and its settings are written with the right modes, and the agent runs', async (t) => {
  const url = await serveAgent(t);
  const root = tempDir(t);
  const run = await install(['--root', root, '--appliance', url, '--token', TOKEN, '--hostname', 'web-01']);
  t.equal(run.status, 0, run.stderr);
  t.match(run.stdout, /downloaded the agent from .*\(sha256 [0-9a-f]{64}, checked\)/);
  t.match(run.stdout, /installed below .*: no user created, no service started/);

  const bundle = path.join(root, 'opt/rackwatch-agent/rackwatch-agent.js');
  t.equal(createHash('sha256').update(readFileSync(bundle)).digest('hex'), createHash('sha256').update(readFileSync(AGENT_BIN)).digest('hex'),
    'the installed file is the served one');
  t.equal(mode(bundle), 0o755);

  const unitFile = path.join(root, 'etc/systemd/system/rackwatch-agent.service');
  t.equal(mode(unitFile), 0o644);
  const unit = readFileSync(unitFile, 'utf8');
  const lines = new Set(unit.split('\n'));
  for (const line of [
    // the V8 flags that keep the agent's RSS under its 55 MB (docs/benchmarks.md)
    `ExecStart=${NODE} --max-semi-space-size=1 --optimize-for-size --no-sparkplug /opt/rackwatch-agent/rackwatch-agent.js`,
    'User=rackwatch-agent',
    'Restart=on-failure',
    `Environment=RW_APPLIANCE=${url}`,
    'Environment=RW_STATE_DIR=/var/lib/rackwatch-agent',
    'Environment=RW_HOSTNAME=web-01',
    'EnvironmentFile=-/etc/rackwatch-agent/agent.env',
    'AmbientCapabilities=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE',
    'CapabilityBoundingSet=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE',
    'NoNewPrivileges=yes',
    'WantedBy=multi-user.target',
  ]) t.ok(lines.has(line), line);
  t.notMatch(unit, TOKEN, 'the token is not in the world-readable unit');

  const envFile = path.join(root, 'etc/rackwatch-agent/agent.env');
  t.equal(readFileSync(envFile, 'utf8'), `RW_TOKEN=${TOKEN}\n`);
  t.equal(mode(envFile), 0o600, 'the token file is root\'s only');
  t.equal(mode(path.join(root, 'var/lib/rackwatch-agent')), 0o700);

  const help = spawnSync(NODE, [bundle, '--help'], { encoding: 'utf8' });
  t.equal(help.status, 0, 'the installed agent runs');
  t.match(help.stdout, /Usage: rackwatch-agent/);

  const addon = path.join(root, 'opt/rackwatch-agent', ADDON_NAME);
  t.match(run.stdout, `downloaded the netlink addon ${ADDON_NAME}`);
  t.same(readFileSync(addon), readFileSync(path.join(REPO, 'dist', ADDON_NAME)), 'the addon for this machine, next to the agent');
  t.equal(mode(addon), 0o644);
  const loads = spawnSync(NODE, ['-e', 'process.stdout.write(typeof require(process.argv[1]).NativeNetlink)', addon], { encoding: 'utf8' });
  t.equal(loads.stdout, 'function', 'it loads in this Node');
});

void t.test('an appliance without an addon for this machine: installed without it, the agent reads /proc', async (t) => {
  const root = tempDir(t);
  const withAddon = await serveAgent(t);
  t.equal((await install(['--root', root, '--appliance', withAddon, '--token', TOKEN])).status, 0);
  const url = await serveAgent(t, { addon: false });
  const run = await install(['--root', root, '--appliance', url, '--token', TOKEN]);
  t.equal(run.status, 0, run.stderr);
  t.match(run.stdout, /has no netlink addon for .*: the agent will read \/proc\/net\/tcp/);
  t.notOk(existsSync(path.join(root, 'opt/rackwatch-agent', ADDON_NAME)), 'an addon of an earlier install is not left behind');
  t.ok(existsSync(path.join(root, 'opt/rackwatch-agent/rackwatch-agent.js')));
});

void t.test('served by the appliance with its address filled in, `curl … | sh -s -- --token T` needs no --appliance', async (t) => {
  const url = await serveAgent(t);
  const root = tempDir(t);
  const served = readFileSync(SCRIPT, 'utf8').replaceAll('__APPLIANCE_URL__', url); // what GET /install.sh does
  const run = await install(['--root', root, '--token', TOKEN], { input: served });
  t.equal(run.status, 0, run.stderr);
  t.match(readFileSync(path.join(root, 'etc/systemd/system/rackwatch-agent.service'), 'utf8'), `Environment=RW_APPLIANCE=${url}\n`);
});

void t.test('an upgrade keeps the state; --no-io-caps runs the agent without capabilities', async (t) => {
  const url = await serveAgent(t);
  const root = tempDir(t);
  t.equal((await install(['--root', root, '--appliance', url, '--token', TOKEN])).status, 0);
  const identity = path.join(root, 'var/lib/rackwatch-agent/identity.json');
  writeFileSync(identity, '{"agentId":"a1"}');
  const again = await install(['--root', root, '--appliance', url, '--no-io-caps']);
  t.equal(again.status, 0, `no --token needed once enrolled: ${again.stderr}`);
  t.equal(readFileSync(identity, 'utf8'), '{"agentId":"a1"}', 'the identity survives an upgrade');
  const unit = readFileSync(path.join(root, 'etc/systemd/system/rackwatch-agent.service'), 'utf8');
  t.match(unit, /^AmbientCapabilities=$/m);
  t.match(unit, /^CapabilityBoundingSet=$/m, 'an empty bounding set: no capability at all');
});

void t.test('a download that does not match its checksum is not installed', async (t) => {
  const url = await serveAgent(t, { checksum: '0'.repeat(64) });
  const root = tempDir(t);
  const run = await install(['--root', root, '--appliance', url, '--token', TOKEN]);
  t.not(run.status, 0);
  t.match(run.stderr, /checksum mismatch for the downloaded agent .*\n.*nothing was installed/);
  t.notOk(existsSync(path.join(root, 'opt/rackwatch-agent/rackwatch-agent.js')));
  t.notOk(existsSync(path.join(root, 'etc/systemd/system/rackwatch-agent.service')));
});

void t.test('the install stops with a clear message where the server lacks what the agent needs', async (t) => {
  const url = await serveAgent(t);
  const root = tempDir(t);

  const oldNode = path.join(tempDir(t), 'bin');
  mkdirSync(oldNode);
  writeFileSync(path.join(oldNode, 'node'), '#!/bin/sh\nprintf 18.19.0\n');
  chmodSync(path.join(oldNode, 'node'), 0o755);
  const tooOld = await install(['--root', root, '--appliance', url, '--token', TOKEN], { path: `${oldNode}:/usr/bin:/bin` });
  t.not(tooOld.status, 0);
  t.match(tooOld.stderr, /Node\.js 20 or later is needed; .*node is 18\.19\.0\.\n.*apt-get install nodejs/);

  const noAddress = await install(['--root', root, '--token', TOKEN]);
  t.not(noAddress.status, 0);
  t.match(noAddress.stderr, /no appliance address: pass --appliance http:\/\/<appliance>:8080/, 'the placeholder was not filled in');

  const noToken = await install(['--root', root, '--appliance', url]);
  t.not(noToken.status, 0);
  t.match(noToken.stderr, /--token is needed for the first install/);

  t.match((await install(['--bogus'])).stderr, /unknown option '--bogus'/);
  t.notOk(existsSync(path.join(root, 'opt/rackwatch-agent')), 'nothing was installed');
});

void t.test('--uninstall removes the service, the program and the token; --purge the state too', async (t) => {
  const url = await serveAgent(t);
  const root = tempDir(t);
  t.equal((await install(['--root', root, '--appliance', url, '--token', TOKEN])).status, 0);
  const removed = await install(['--root', root, '--uninstall']);
  t.equal(removed.status, 0, removed.stderr);
  t.notOk(existsSync(path.join(root, 'etc/systemd/system/rackwatch-agent.service')));
  t.notOk(existsSync(path.join(root, 'opt/rackwatch-agent')));
  t.notOk(existsSync(path.join(root, 'etc/rackwatch-agent')));
  t.ok(existsSync(path.join(root, 'var/lib/rackwatch-agent')), 'the state is kept for a reinstall');
  t.match(removed.stdout, /kept .*var\/lib\/rackwatch-agent/);
  const purged = await install(['--root', root, '--uninstall', '--purge']);
  t.equal(purged.status, 0);
  t.notOk(existsSync(path.join(root, 'var/lib/rackwatch-agent')));
});

/** Opens `device` with the serialport found beside the agent in `installDir`, says AT, prints the reply. */
const AT_PROBE = `import { SerialPort } from 'serialport';
const port = new SerialPort({ path: process.argv[2], baudRate: 115200, lock: true });
let reply = '';
port.on('data', (d) => { reply += d.toString('latin1'); if (/\\r\\nOK\\r\\n/.test(reply)) { process.stdout.write('OK'); port.close(() => process.exit(0)); } });
port.on('error', (e) => { console.error(e.message); process.exit(1); });
port.write('AT\\r');
setTimeout(() => { console.error('no reply: ' + JSON.stringify(reply)); process.exit(1); }, 15000);
`;

void t.test('--with-modem: the appliance\'s serialport runtime beside the agent, loaded by this Node, talking to a modem (S13, B4)', async (t) => {
  const url = await serveAgent(t);
  const root = tempDir(t);
  const installDir = path.join(root, 'opt/rackwatch-agent');
  const plain = await install(['--root', root, '--appliance', url, '--token', TOKEN]);
  t.equal(plain.status, 0, plain.stderr);
  t.notOk(existsSync(path.join(installDir, 'node_modules')), 'without --with-modem: no serialport');

  const run = await install(['--root', root, '--appliance', url, '--token', TOKEN, '--with-modem']);
  t.equal(run.status, 0, run.stderr);
  t.match(run.stdout, new RegExp(`downloaded the serialport runtime ${SERIALPORT_NAME.replaceAll('.', '\\.')} \\(sha256 [0-9a-f]{64}, checked; it loads\\)`));
  const modules = path.join(installDir, 'node_modules');
  t.ok(lstatSync(modules).isSymbolicLink(), 'node_modules is a link, swapped in one rename');
  t.ok(existsSync(path.join(modules, '@serialport/bindings-cpp/prebuilds', `${process.platform}-${process.arch}`)), 'this machine\'s prebuild');
  t.notOk(existsSync(path.join(modules, '@serialport/bindings-cpp/src')), 'no sources');
  t.same(readdirSync(path.join(modules, '@serialport/bindings-cpp/prebuilds')), [`${process.platform}-${process.arch}`], 'no other platform\'s prebuilds');

  // a script beside the agent resolves `serialport` as the agent's import('serialport') does
  const modem = await startPtySimulator({ boot: 'ready' });
  t.teardown(() => modem.stop());
  const probe = path.join(installDir, 'at-probe.mjs');
  writeFileSync(probe, AT_PROBE);
  // asynchronously: the simulator answering the pty runs in this process
  const talk = async (): Promise<{ stdout: string; stderr: string }> => {
    const child = spawn(NODE, [probe, modem.path], { cwd: tempDir(t), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
    await once(child, 'close');
    return { stdout, stderr };
  };
  const first = await talk();
  t.equal(first.stdout, 'OK', `the modem answers AT through the installed serialport: ${first.stderr}`);

  const linkBefore = readlinkSync(modules);
  const again = await install(['--root', root, '--appliance', url, '--token', TOKEN, '--with-modem']);
  t.equal(again.status, 0, again.stderr);
  t.not(readlinkSync(modules), linkBefore, 'a re-run installs a fresh copy');
  t.same(readdirSync(installDir).filter((n) => n.startsWith('serialport.')), [path.dirname(readlinkSync(modules))], 'the old copy is removed');
  t.equal((await talk()).stdout, 'OK', 'and it loads');

  const upgrade = await install(['--root', root, '--appliance', url, '--token', TOKEN]);
  t.equal(upgrade.status, 0, upgrade.stderr);
  t.equal((await talk()).stdout, 'OK', 'an upgrade without --with-modem leaves the serialport runtime as it was');
});

void t.test('--with-modem: a serialport runtime that does not match its checksum, or none, is not installed', async (t) => {
  const url = await serveAgent(t, { serialportChecksum: '0'.repeat(64) });
  const root = tempDir(t);
  const run = await install(['--root', root, '--appliance', url, '--token', TOKEN, '--with-modem']);
  t.not(run.status, 0);
  t.match(run.stderr, /checksum mismatch for the downloaded serialport runtime .*\n.*nothing was installed/);
  t.notOk(existsSync(path.join(root, 'opt/rackwatch-agent')), 'neither the agent nor serialport');

  const without = await serveAgent(t, { serialport: false });
  const missing = await install(['--root', root, '--appliance', without, '--token', TOKEN, '--with-modem']);
  t.not(missing.status, 0);
  t.match(missing.stderr, `the appliance has no serialport runtime for ${process.platform}-${process.arch} (--with-modem); nothing was installed`);
  t.notOk(existsSync(path.join(root, 'opt/rackwatch-agent')), 'an appliance without it: nothing installed');
});
