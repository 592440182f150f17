// The rrdcached supervisor against the real daemon: start, restart after SIGKILL, clean stop.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { systemClock } from '../../../core/clock.js';
import { RrdcachedSupervisor, restartDelayMs, rrdcachedPaths } from '../../../appliance/store/rrdcached-supervisor.js';
import { eventually, isProcessAlive, testLogger } from './store-fixture.js';
import { tempDir } from '../../helpers/temp-dir.js';

async function startSupervisor(t: Parameters<typeof tempDir>[0], dataDir?: string): Promise<RrdcachedSupervisor> {
  const dir = dataDir ?? tempDir(t);
  const sup = new RrdcachedSupervisor({ dataDir: dir, clock: systemClock, logger: testLogger });
  // registered after the directory's removal, so it runs first (tap runs teardowns last-in first-out)
  t.teardown(() => sup.stop());
  await sup.start();
  return sup;
}

void t.test('restart delays double from 0.2 s and stop growing at 10 s', (t) => {
  const opts = { initialMs: 200, maxMs: 10_000 };
  t.same([0, 1, 2, 3, 4, 5, 6, 7, 20].map((n) => restartDelayMs(n, opts)), [200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000]);
  t.end();
});

void t.test('a data directory too deep for a unix socket path is refused with a clear error, before anything starts', async (t) => {
  const dir = tempDir(t);
  const deep = path.join(dir, 'x'.repeat(100));
  const sup = new RrdcachedSupervisor({ dataDir: deep, clock: systemClock, logger: testLogger });
  await t.rejects(sup.start(), { code: 'RW_ERR_CONFIG', message: /at most 107/ });
  t.notOk(existsSync(deep), 'no directory created');
  t.same(sup.health(), { ok: false, answering: true, restarts: 0, pid: null });
});

void t.test('rrdcached starts with its socket, pid file and journal under the data directory', async (t) => {
  const dir = tempDir(t);
  const sup = await startSupervisor(t, dir);
  const p = rrdcachedPaths(dir);
  const h = sup.health();
  t.equal(h.ok, true);
  t.equal(h.restarts, 0);
  t.type(h.pid, 'number');
  t.ok(existsSync(p.socketPath), 'socket');
  t.ok(existsSync(p.pidFile), 'pid file');
  t.ok(existsSync(p.journalDir), 'journal dir');
  t.ok(existsSync(p.rrdDir), 'rrd dir');
  const client = await sup.whenUp(1000);
  await client.ping();
  const stats = await client.stats();
  t.type(stats.JournalBytes, 'number');
});

void t.test('rrdcached killed with SIGKILL is restarted, counted, and the client reconnected', async (t) => {
  const sup = await startSupervisor(t);
  const first = sup.health().pid;
  if (first === null) throw new Error('no pid');
  process.kill(first, 'SIGKILL');
  await eventually(() => sup.health().ok && sup.health().pid !== first, 15_000, 'restart');
  t.equal(sup.health().restarts, 1);
  t.notOk(isProcessAlive(first), 'the old daemon is gone');
  const client = await sup.whenUp(1000);
  await client.ping();
  t.pass('the new daemon answers');
});

void t.test('stop() ends rrdcached and leaves no process, socket or pid file behind', async (t) => {
  const dir = tempDir(t);
  const sup = new RrdcachedSupervisor({ dataDir: dir, clock: systemClock, logger: testLogger });
  await sup.start();
  const pid = sup.health().pid;
  if (pid === null) throw new Error('no pid');
  await sup.stop();
  t.notOk(isProcessAlive(pid), 'process gone');
  const p = rrdcachedPaths(dir);
  t.notOk(existsSync(p.socketPath), 'socket removed');
  t.notOk(existsSync(p.pidFile), 'pid file removed');
  t.same(sup.health(), { ok: false, answering: true, restarts: 0, pid: null });
  await t.rejects(sup.whenUp(1000), { code: 'RW_ERR_RRDCACHED_DOWN' });
  await sup.stop(); // idempotent
});

void t.test('a missing rrdcached executable fails start() with RW_ERR_RRDCACHED_DOWN', async (t) => {
  const dir = tempDir(t);
  const sup = new RrdcachedSupervisor({ dataDir: dir, clock: systemClock, logger: testLogger, binary: path.join(dir, 'no-such-rrdcached') });
  await t.rejects(sup.start(), { code: 'RW_ERR_RRDCACHED_DOWN', message: /ENOENT/ });
  t.same(sup.health(), { ok: false, answering: true, restarts: 0, pid: null });
});

void t.test('an rrdcached left running by a previous appliance process is stopped before a new one starts', async (t) => {
  const dir = tempDir(t);
  const p = rrdcachedPaths(dir);
  for (const d of [p.rrdDir, p.runDir, p.journalDir]) await mkdir(d, { recursive: true });
  // what a crashed appliance leaves behind: a daemon with our pid file, no parent that cares
  const orphan = spawn('rrdcached', ['-g', '-l', `unix:${p.socketPath}`, '-p', p.pidFile, '-j', p.journalDir, '-b', p.rrdDir, '-B', '-R', '-F'], { stdio: 'ignore' });
  const orphanExited = new Promise<void>((r) => orphan.once('exit', () => r()));
  t.teardown(() => {
    if (orphan.exitCode === null && orphan.signalCode === null) orphan.kill('SIGKILL');
  });
  await eventually(() => existsSync(p.pidFile), 5000, 'orphan pid file');
  const sup = await startSupervisor(t, dir);
  await orphanExited;
  t.ok(sup.health().ok, 'new daemon up');
  t.not(sup.health().pid, orphan.pid);
});
