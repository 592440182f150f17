// Root's side of the console's requests on the board (D1, D5). The console (the `tech` login, no
// privilege) writes a request into `<spool>/requests/`; a systemd path unit starts
// `console-root-helper.js serve` as root, which takes each request out of the console's reach
// first (a rename into a root-only directory: never follows a link, and the console can no longer
// change what is read), reads at most MAX_REQUEST_BYTES of it, parses it strictly
// (console-requests.ts), acts, and writes the answer to `<spool>/<kind>.status`:
//   - network: renders the networkd file itself from the checked values into /data/network
//     (where /etc/systemd/network/10-rackwatch.network points) and has networkd reload it;
//   - reset: with the phrase and this boot's token, marks /data for erasing and reboots; the
//     erase runs early at the next boot (buildroot/.../factory-reset), before first boot.
// `init` (once per boot) makes the spool, the reset token and a default (DHCP) network file.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../core/private-files.js';
import {
  MAX_REQUEST_BYTES, parseNetworkRequest, parseResetRequest, renderStatus, REQUEST_FILES, RESET_TOKEN_FILE, STATUS_FILES,
  type RequestKind, type RequestStatus,
} from './console-requests.js';
import { describeSettings, renderNetworkFile } from './network-settings.js';
import { NETWORK_FILE_MODE, NETWORK_FILE_NAME } from './network-store.js';

/** on /data, root-written: its presence makes the next boot erase /data (rackwatch-factory-reset.service) */
export const FACTORY_RESET_MARKER = '.rackwatch-factory-reset';
/** RES: networkctl or the reboot command is killed after this */
const COMMAND_TIMEOUT_MS = 30_000;

export interface RootHelperConfig {
  /** /run/rackwatch-console: root's, with `requests/` writable by `group` */
  spool: string;
  /** /data/network: where the installed networkd file lives */
  networkDir: string;
  /** /data: where the factory-reset marker goes */
  dataRoot: string;
  iface: string;
  /** the console login's group, the only one that may write requests */
  group: string;
  /** /etc/group, where `group`'s id is read */
  groupFile: string;
  networkctl: string;
  rebootCommand: string[];
  now: () => number;
  log: (line: string) => void;
}

function run(argv: string[]): Promise<{ ok: boolean; out: string }> {
  const [file = '', ...args] = argv;
  return new Promise((resolve) => {
    execFile(file, args, { timeout: COMMAND_TIMEOUT_MS }, (error, stdout, stderr) => {
      resolve({ ok: !error, out: (error ? `${stderr}`.trim() || error.message : stdout).trim().split('\n')[0] ?? '' });
    });
  });
}

/** The id of `name` in an /etc/group file; throws when it is not there. */
export function groupId(groupFile: string, name: string): number {
  for (const line of readFileSync(groupFile, 'utf8').split('\n')) {
    const [group, , gid] = line.split(':');
    if (group === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw new Error(`no group ${name} in ${groupFile}`);
}

/** At boot: the spool (requests writable by the console's group only), a new reset token, and a network file. */
export function initSpool(c: RootHelperConfig): void {
  const gid = groupId(c.groupFile, c.group);
  const uid = process.getuid?.() ?? 0;
  mkdirSync(c.spool, { recursive: true, mode: 0o755 });
  chmodSync(c.spool, 0o755);
  const requests = path.join(c.spool, 'requests');
  mkdirSync(requests, { recursive: true, mode: 0o770 });
  chownSync(requests, uid, gid);
  chmodSync(requests, 0o770);
  const token = path.join(c.spool, RESET_TOKEN_FILE);
  writeFileAtomic(token, randomBytes(16).toString('hex') + '\n', 0o640);
  chownSync(token, uid, gid);
  // networkd reads /etc/systemd/network/10-rackwatch.network, a link to this file: never dangling
  const file = path.join(c.networkDir, NETWORK_FILE_NAME);
  if (!existsSync(file)) {
    mkdirSync(c.networkDir, { recursive: true, mode: 0o755 });
    writeFileAtomic(file, renderNetworkFile(c.iface, { mode: 'dhcp' }), NETWORK_FILE_MODE);
  }
}

/** Takes `kind`'s request out of the console's reach and reads it; null when there is none. */
export function takeRequest(spool: string, kind: RequestKind): { text: string } | { problem: string } | null {
  const work = path.join(spool, 'work');
  mkdirSync(work, { recursive: true, mode: 0o700 });
  chmodSync(work, 0o700);
  const taken = path.join(work, REQUEST_FILES[kind]);
  rmSync(taken, { recursive: true, force: true });
  try {
    renameSync(path.join(spool, 'requests', REQUEST_FILES[kind]), taken);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const stat = lstatSync(taken);
    if (!stat.isFile()) return { problem: 'request: not a regular file' };
    if (stat.size > MAX_REQUEST_BYTES) return { problem: `request: larger than ${MAX_REQUEST_BYTES} bytes` };
    // O_NOFOLLOW and O_NONBLOCK: even a file swapped in after the lstat is no link and no FIFO to hang on
    const fd = openSync(taken, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const buffer = Buffer.alloc(MAX_REQUEST_BYTES + 1);
      const n = readSync(fd, buffer, 0, buffer.length, 0);
      if (n > MAX_REQUEST_BYTES) return { problem: `request: larger than ${MAX_REQUEST_BYTES} bytes` };
      // latin1: every byte stays one character, so the parser's printable-ASCII check sees any other byte
      return { text: buffer.subarray(0, n).toString('latin1') };
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(taken, { recursive: true, force: true });
  }
}

function answer(c: RootHelperConfig, kind: RequestKind, status: Omit<RequestStatus, 'atMs'>): void {
  writeFileAtomic(path.join(c.spool, STATUS_FILES[kind]), renderStatus({ ...status, atMs: c.now() }), 0o644);
  c.log(`${kind} request ${status.id}: ${status.result}${status.message ? `: ${status.message}` : ''}`);
}

async function applyNetwork(c: RootHelperConfig, text: string): Promise<void> {
  const parsed = parseNetworkRequest(text);
  if (!parsed.ok) return answer(c, 'network', { id: parsed.id ?? '-', result: 'refused', message: parsed.problem });
  mkdirSync(c.networkDir, { recursive: true, mode: 0o755 });
  writeFileAtomic(path.join(c.networkDir, NETWORK_FILE_NAME), renderNetworkFile(c.iface, parsed.value), NETWORK_FILE_MODE);
  for (const args of [['reload'], ['reconfigure', c.iface]]) {
    const r = await run([c.networkctl, ...args]);
    if (!r.ok) return answer(c, 'network', { id: parsed.id, result: 'failed', message: `networkctl ${args.join(' ')}: ${r.out}` });
  }
  answer(c, 'network', { id: parsed.id, result: 'applied', message: describeSettings(parsed.value) });
}

async function factoryReset(c: RootHelperConfig, text: string): Promise<void> {
  const tokenFile = path.join(c.spool, RESET_TOKEN_FILE);
  const token = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : '';
  const parsed = parseResetRequest(text, token);
  if (!parsed.ok) return answer(c, 'reset', { id: parsed.id ?? '-', result: 'refused', message: parsed.problem });
  writeFileAtomic(path.join(c.dataRoot, FACTORY_RESET_MARKER), `requested ${new Date(c.now()).toISOString()} from the console (request ${parsed.id})\n`, 0o600);
  answer(c, 'reset', { id: parsed.id, result: 'accepted', message: 'the board restarts now and erases its data while starting' });
  const r = await run(c.rebootCommand);
  if (!r.ok) answer(c, 'reset', { id: parsed.id, result: 'failed', message: `${c.rebootCommand.join(' ')}: ${r.out}; the data is erased at the next start` });
}

/** Handles the waiting requests, network first. */
export async function serveRequests(c: RootHelperConfig): Promise<void> {
  for (const kind of ['network', 'reset'] as const) {
    const taken = takeRequest(c.spool, kind);
    if (taken === null) continue;
    if ('problem' in taken) answer(c, kind, { id: '-', result: 'refused', message: taken.problem });
    else if (kind === 'network') await applyNetwork(c, taken.text);
    else await factoryReset(c, taken.text);
  }
}
