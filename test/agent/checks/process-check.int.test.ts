// The process check (S5, S18) on this machine's real processes: a count within bounds by name,
// by command line and by user, the summed CPU and memory as perfdata, and CRITICAL when the
// processes are gone.
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import t, { type Test } from 'tap';
import { ProcessCheck } from '../../../agent/checks/process-check.js';

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
