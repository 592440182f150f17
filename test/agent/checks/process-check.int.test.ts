// The process check (S5, S18) on this machine's real processes: a count within bounds by name
// (the kernel's, cut at 15 characters, or the executable's), by command line and by user, the
// summed CPU and memory as perfdata, and CRITICAL when the processes are gone.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, readdirSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { ProcessCheck } from '../../../agent/checks/process-check.js';
import { ProcessTable } from '../../../agent/checks/process-table.js';
import { createTopProcessesCollector } from '../../../agent/collectors/top-processes.js';
import { tempDir } from '../../helpers/temp-dir.js';

const tag = `${process.pid}.${Date.now() % 100000}`;
const marked = (cmdline: string): boolean => cmdline.includes(tag);

/** A `sleep` whose command line carries this run's tag (as its argv[0]; its name stays "sleep"). */
function start(t: Test): ChildProcess {
  const child = spawn('sleep', ['3000'], { stdio: 'ignore', argv0: `sleep-${tag}` });
  t.teardown(() => { child.kill('SIGKILL'); });
  return child;
}

void t.test('processes matched by their command line: the count within bounds, then CRITICAL when they stop', async (t) => {
  const a = start(t);
  const b = start(t);
  await new Promise((r) => setTimeout(r, 200));
  const check = new ProcessCheck({ commandLine: marked, min: 2, max: 2 });
  const up = check.run();
  t.equal(up.state, 'ok');
  t.same(up.pids.sort(), [a.pid, b.pid].sort());
  t.match(up.output, /^PROCS OK: 2 processes with a matching command line \(wanted exactly 2\)$/);
  t.match(up.perfdata, [{ label: 'procs', value: 2, crit: '2:2' }, { label: 'cpu', value: null }, { label: 'rss', unit: 'B' }]);
  t.ok((up.perfdata[2]?.value ?? 0) > 0, 'their resident memory is summed');
  b.kill('SIGKILL');
  await new Promise((r) => b.once('exit', r));
  const one = check.run();
  t.equal(one.state, 'critical');
  t.match(one.output, /^PROCS CRITICAL: 1 process with a matching command line/);
  t.equal(one.perfdata[1]?.value, 0, 'a sleeping process uses no CPU');
});

void t.test('by name and user: sleep of this user, and none of a user that does not own them', async (t) => {
  start(t);
  await new Promise((r) => setTimeout(r, 200));
  const me = os.userInfo().username;
  t.equal(new ProcessCheck({ name: 'sleep', commandLine: marked, user: me }).run().pids.length, 1);
  t.equal(new ProcessCheck({ name: 'sleep', commandLine: marked, user: 'nobody' }).run().state, 'critical');
  t.equal(new ProcessCheck({ name: 'no-such-program', commandLine: marked }).run().pids.length, 0);
});

void t.test('by name: the kernel\'s name, its first 15 characters, or the executable\'s file name, each process once', async (t) => {
  const a = start(t);
  const b = start(t);
  // a program whose name is longer than the kernel keeps (15 characters): found by the cut name
  // and by the executable's name alike, counted once
  const dir = tempDir(t);
  // this run's tag first: the 15 characters the kernel keeps are this run's alone
  const longName = `rw${tag}-sleeper-with-a-long-name`;
  copyFileSync('/bin/sleep', path.join(dir, longName));
  chmodSync(path.join(dir, longName), 0o755);
  const long = spawn(path.join(dir, longName), ['3000'], { stdio: 'ignore' });
  t.teardown(() => { long.kill('SIGKILL'); });
  await new Promise((r) => setTimeout(r, 200));
  const table = new ProcessTable('/', 0);
  t.teardown(() => table.close());
  const byExecutable = new ProcessCheck({ name: `sleep-${tag}` }, { table }).run();
  t.same(byExecutable.pids.sort(), [a.pid, b.pid].sort(), 'named "sleep" by the kernel, found by their argv[0]');
  const byLongName = new ProcessCheck({ name: longName }, { table }).run();
  t.same(byLongName.pids, [long.pid], 'the kernel\'s 15 characters and the executable\'s name: one process');
  t.equal(new ProcessCheck({ name: longName.slice(0, 15) }, { table }).run().pids.length, 1, 'the cut name alone');
  const sleeps = new ProcessCheck({ name: 'sleep', commandLine: marked }, { table }).run();
  t.same(sleeps.pids.sort(), [a.pid, b.pid].sort(), 'by the kernel\'s name, narrowed by the command line');
});

void t.test("a busy process's CPU shows as a share of one CPU between two runs", async (t) => {
  const busy = spawn(process.execPath, ['-e', `/* ${tag} */ const end = Date.now() + 5000; while (Date.now() < end);`], { stdio: 'ignore' });
  t.teardown(() => { busy.kill('SIGKILL'); });
  const check = new ProcessCheck({ commandLine: marked });
  await new Promise((r) => setTimeout(r, 100));
  check.run();
  await new Promise((r) => setTimeout(r, 500));
  const r = check.run();
  t.equal(r.pids.length, 1);
  t.ok((r.perfdata[1]?.value ?? 0) > 0, `cpu ${r.perfdata[1]?.value}%`);
});

/** The /proc/<pid>/<file> files this process holds open, by pid. */
function openProcPids(file: string): number[] {
  const pids: number[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const match = new RegExp(`^/proc/(\\d+)/${file}$`).exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match?.[1]) pids.push(Number(match[1]));
    } catch {
      // the fd of the directory listing itself, gone by now
    }
  }
  return pids;
}

void t.test('process checks share the top-processes collector\'s reading of /proc: one pass a second serves both (S1, S18)', async (t) => {
  const a = start(t);
  await new Promise((r) => setTimeout(r, 200));
  let now = 1000;
  const table = new ProcessTable('/', 900, () => now);
  const top = createTopProcessesCollector({ sink: table, nowMs: () => now });
  t.teardown(() => { top.release(); table.close(); });
  const check = new ProcessCheck({ name: 'sleep', commandLine: marked }, { table });

  top.snapshot(1);
  t.equal(check.run().pids[0], a.pid, 'the first run reads /proc itself (no reading wanted before)');
  const ownReadingAt = table.snapshot().atMs;
  now += 1000;
  top.snapshot(2); // the collector's pass at the start of the next second, now that checks ask
  const b = start(t);
  await new Promise((r) => setTimeout(r, 200));
  now += 500;
  const reading = table.snapshot();
  t.not(reading.atMs, ownReadingAt, 'a newer reading');
  t.equal(reading.atMs, table.snapshot().atMs, 'the same reading for every check of the round');
  t.same(check.run().pids, [a.pid], 'the round half a second later uses the collector\'s reading (a process started since shows next second)');
  t.notOk(openProcPids('stat').includes(b.pid ?? -1), 'the table read no stat file of its own');
  now += 1000;
  t.same(check.run().pids.sort(), [a.pid, b.pid].sort(), 'with no newer reading from the collector, the table reads /proc itself');

  t.ok(openProcPids('cmdline').includes(a.pid ?? -1), 'command lines are read from files kept open');
  a.kill('SIGKILL');
  await new Promise((r) => a.once('exit', r));
  now += 1000;
  t.same(check.run().pids, [b.pid], 'gone');
  t.notOk(openProcPids('cmdline').includes(a.pid ?? -1), 'and its file closed');
  table.close();
  t.same(openProcPids('cmdline'), [], 'close() closes them all');
});
