// The systemd watchdog's cost (D1, docs/benchmarks.md): one round is the two probes (SQLite
// SELECT 1 on a file, rrdcached PING through the real RRD store) and then WATCHDOG=1 through
// `systemd-notify` (a fork+exec, appliance/health/systemd-watchdog.ts) to a fake notify socket.
// The baseline, measured in the same run, is the probes alone. Reported: wall ms and CPU ms per
// round (this process's plus its waited-for children's, from /proc/self/stat), and the ratios.
// On the board a round runs every WatchdogSec / 2 = 15 s. Not a test.
//
//   npx tsx scripts/bench/watchdog-ping.ts --rounds 200   (tsx: it loads better-sqlite3 from node_modules)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { openDatabase } from '../../appliance/db/database.js';
import { RrdStore } from '../../appliance/store/rrd-store.js';
import { systemdNotifySender } from '../../appliance/health/systemd-watchdog.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '200' } } });
const ROUNDS = Number(values.rounds);
const TICK_S = 100; // USER_HZ, the unit of /proc/<pid>/stat's times on Linux

/** CPU ms of this process and of its children that have been waited for */
function cpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  // fields 14-17 (utime stime cutime cstime) are f[11..14] after the state field
  return ((f[11] ?? 0) + (f[12] ?? 0) + (f[13] ?? 0) + (f[14] ?? 0)) * (1000 / TICK_S);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'rw-wd-'));
const listener = spawn('/usr/bin/python3', ['-c', 'import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nprint("ready",flush=True)\nwhile True: s.recv(4096)', path.join(dir, 'notify')], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise<void>((resolve) => listener.stdout.once('data', () => resolve()));
const store = new RrdStore({ dataDir: dir, profile: 'default', clock: systemClock, logger: silentLogger });
await store.start();
const db = openDatabase(path.join(dir, 'bench.sqlite'));
const send = systemdNotifySender({ ...process.env, NOTIFY_SOCKET: path.join(dir, 'notify') });

async function measure(withPing: boolean): Promise<{ wallMs: number; cpuMs: number }> {
  const cpu0 = cpuMs();
  const t0 = performance.now();
  for (let i = 0; i < ROUNDS; i++) {
    db.prepare('SELECT 1').get();
    await store.ping(5_000);
    if (withPing) await send('WATCHDOG=1');
  }
  return { wallMs: (performance.now() - t0) / ROUNDS, cpuMs: (cpuMs() - cpu0) / ROUNDS };
}

try {
  await measure(true); // warm-up: page cache, rrdcached's socket
  const probes = await measure(false);
  const round = await measure(true);
  const fmt = (n: number): string => n.toFixed(3);
  console.log(JSON.stringify({ rounds: ROUNDS, probesOnly: probes, probesAndSystemdNotify: round }));
  console.log(`per round: probes only ${fmt(probes.wallMs)} ms wall, ${fmt(probes.cpuMs)} ms CPU; with systemd-notify ${fmt(round.wallMs)} ms wall, ${fmt(round.cpuMs)} ms CPU`);
  console.log(`ratio (with systemd-notify / probes only): wall ${(round.wallMs / probes.wallMs).toFixed(1)}x, CPU ${(round.cpuMs / Math.max(probes.cpuMs, 0.001)).toFixed(1)}x`);
  console.log(`at one round per 15 s: ${fmt(round.cpuMs * 240 / 1000)} s CPU per hour (${fmt(round.cpuMs / 15_000 * 100)} % of one core)`);
} finally {
  db.close();
  await store.stop();
  listener.kill();
  rmSync(dir, { recursive: true, force: true });
}
