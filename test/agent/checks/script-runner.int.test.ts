// Script checks (S6) with real programs: each exit code with its perfdata, Debian's
// monitoring-plugins unchanged, a program outside the allowed directories refused without being
// run, arguments never seen by a shell, a timeout that leaves no process behind, bounded output.
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import t from 'tap';
import { ScriptRunner } from '../../../agent/checks/script-runner.js';
import { tempDir } from '../../helpers/temp-dir.js';

const PLUGINS = '/usr/lib/nagios/plugins';

const running = (pid: number): boolean => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

/** True once the process is gone (or a zombie), within a few seconds: SIGKILL takes effect at once, reaping a moment later. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && running(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !running(pid);
}

function script(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

void t.test('each exit code is its state, with the first line and the perfdata', async (t) => {
  const dir = tempDir(t);
  const runner = new ScriptRunner({ allowedDirs: [dir] });
  const cases = [[0, 'ok'], [1, 'warning'], [2, 'critical'], [3, 'unknown']] as const;
  for (const [code, state] of cases) {
    script(dir, `exit${code}`, `echo "STATE ${code} - queue depth 17 | depth=17;10;20;0; 'age of oldest'=3.5s"\necho "detail line"\nexit ${code}`);
    const r = await runner.run({ command: `exit${code}`, args: [], timeoutMs: 10_000 });
    t.equal(r.state, state, `exit ${code}`);
    t.equal(r.output, `STATE ${code} - queue depth 17`);
    t.equal(r.longOutput, 'detail line');
    t.same(r.perfdata.map((p) => [p.label, p.value, p.unit, p.warn, p.crit]), [['depth', 17, '', '10', '20'], ['age of oldest', 3.5, 's', null, null]]);
    t.same(r.problems, []);
  }
  script(dir, 'exit7', 'echo odd; exit 7');
  const odd = await runner.run({ command: 'exit7', args: [], timeoutMs: 10_000 });
  t.equal(odd.state, 'unknown');
  t.match(odd.problems, [/exit code 7 is not a plugin state/]);
});

// monitoring-plugins-basic is installed by scripts/setup.sh --test
void t.test("Debian's monitoring-plugins work unchanged: check_tcp against a port that answers and one that does not", async (t) => {
  const server = net.createServer((s) => s.end('220 ready\r\n'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const runner = new ScriptRunner({ allowedDirs: [PLUGINS] });
  const up = await runner.run({ command: 'check_tcp', args: ['-H', '127.0.0.1', '-p', String(port), '-e', '220'], timeoutMs: 10_000 });
  t.equal(up.state, 'ok');
  t.match(up.output, /^TCP OK/);
  t.match(up.perfdata[0], { label: 'time', unit: 's' });
  server.close();
  const down = await runner.run({ command: 'check_tcp', args: ['-H', '127.0.0.1', '-p', String(port)], timeoutMs: 10_000 });
  t.equal(down.state, 'critical');
  t.match(down.output, /Connection refused/);
});

void t.test('a program outside the allowed directories is refused and not run', async (t) => {
  const allowed = tempDir(t);
  const outside = tempDir(t);
  const marker = path.join(outside, 'ran');
  const evil = script(outside, 'evil', `touch ${marker}; exit 0`);
  symlinkSync(evil, path.join(allowed, 'link-out'));
  mkdirSync(path.join(allowed, 'sub'));
  const runner = new ScriptRunner({ allowedDirs: [allowed] });
  for (const command of [evil, 'link-out', `${allowed}/sub/../../${path.basename(outside)}/evil`, '../evil', 'no-such-check', 'sub']) {
    const r = await runner.run({ command, args: [], timeoutMs: 5000 });
    t.equal(r.state, 'unknown', command);
    t.match(r.output, /allowed directory|not a file|give a file name/, command);
  }
  t.notOk(existsSync(marker), 'none of them ran');
});

void t.test('arguments are passed as a list: no shell sees them', async (t) => {
  const dir = tempDir(t);
  const marker = path.join(dir, 'injected');
  script(dir, 'echo-args', 'for a in "$@"; do echo "arg:$a"; done');
  const runner = new ScriptRunner({ allowedDirs: [dir] });
  const r = await runner.run({ command: 'echo-args', args: [`x; touch ${marker}`, '$(id)', '*'], timeoutMs: 5000 });
  t.equal(r.output, `arg:x; touch ${marker}`);
  t.equal(r.longOutput, 'arg:$(id)\narg:*');
  t.notOk(existsSync(marker));
});

void t.test('a timeout ends the script and everything it started; the check is UNKNOWN', async (t) => {
  const dir = tempDir(t);
  const pids = path.join(dir, 'pids');
  script(dir, 'hang', `sleep 300 & echo $! > ${pids}\necho $$ >> ${pids}\nsleep 300`);
  const runner = new ScriptRunner({ allowedDirs: [dir], killGraceMs: 200 });
  const r = await runner.run({ command: 'hang', args: [], timeoutMs: 500 });
  t.equal(r.state, 'unknown');
  t.match(r.output, /timed out after 0\.5 s/);
  const started = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
  t.equal(started.length, 2);
  for (const pid of started) t.ok(await gone(pid), `process ${pid} is gone`);
});

void t.test('a script that exits but leaves a child behind: the child is ended too', async (t) => {
  const dir = tempDir(t);
  const pidFile = path.join(dir, 'pid');
  script(dir, 'leaves', `sleep 300 > /dev/null 2>&1 & echo $! > ${pidFile}\necho "OK - left one"`);
  const r = await new ScriptRunner({ allowedDirs: [dir] }).run({ command: 'leaves', args: [], timeoutMs: 5000 });
  t.equal(r.state, 'ok');
  t.ok(await gone(Number(readFileSync(pidFile, 'utf8'))), 'no process left');
});

void t.test('output is bounded: 10 MB printed, 64 KiB kept, the cut said', async (t) => {
  const dir = tempDir(t);
  script(dir, 'chatty', 'echo "OK - lots"; head -c 10000000 /dev/zero | tr "\\0" "x"; echo');
  const r = await new ScriptRunner({ allowedDirs: [dir] }).run({ command: 'chatty', args: [], timeoutMs: 10_000 });
  t.equal(r.state, 'ok');
  t.equal(r.output, 'OK - lots');
  t.match(r.problems, [/long output cut/, /output beyond 65536 bytes dropped/]);
});

void t.test('a script that prints nothing on stdout: its stderr explains', async (t) => {
  const dir = tempDir(t);
  script(dir, 'broken', 'echo "cannot read /etc/app.conf" >&2; exit 3');
  const r = await new ScriptRunner({ allowedDirs: [dir] }).run({ command: 'broken', args: [], timeoutMs: 5000 });
  t.equal(r.state, 'unknown');
  t.equal(r.output, 'cannot read /etc/app.conf');
});
