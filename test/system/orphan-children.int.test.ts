// RES: no child of the appliance outlives it. With `--modem sim` the appliance runs socat (the
// simulator's pty pair) and rrdcached; both are started through `setpriv --pdeathsig`
// (core/child-lifetime.ts), so a SIGKILL of the appliance takes them along. A child left anyway
// (setpriv missing, or the instant between fork and prctl) is stopped by the next start through
// its pid file. Before the fix a SIGKILLed appliance left its socat running under init for good.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { isAlive } from '../../core/child-lifetime.js';
import { freePort, startAppliance, waitFor } from '../helpers/appliance-harness.js';
import { waitForModemReady } from '../helpers/alerting-helpers.js';
import { tempDir } from '../helpers/temp-dir.js';

const simDir = (dataDir: string): string => path.join(dataDir, 'run', 'modem-sim');
const pidIn = (file: string): number => Number(readFileSync(file, 'utf8').trim());

/** The pids of every process whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

void t.test('a SIGKILLed appliance started with --modem sim leaves no child running, and the next start works', async (t) => {
  const dataDir = tempDir(t, 'rw-orphans-');
  const ports = { httpPort: await freePort(), mqttPort: await freePort() };
  const app = await startAppliance(t, { dataDir, ...ports, args: ['--modem', 'sim'] });
  await waitForModemReady(app);
  const appPid = app.proc.pid ?? 0;
  const socatPid = pidIn(path.join(simDir(dataDir), 'socat.pid'));
  const rrdcachedPid = pidIn(path.join(dataDir, 'run', 'rrdcached.pid'));
  const children = childrenOf(appPid);
  t.ok(children.includes(socatPid), 'socat is a child of the appliance');
  t.ok(children.includes(rrdcachedPid), 'rrdcached is a child of the appliance');

  await app.kill();
  // a bound, not a measurement: KILL is immediate, rrdcached flushes first
  await waitFor('every child of the killed appliance to be gone', () => children.every((pid) => !isAlive(pid)), { timeoutMs: 10_000 });
  t.pass(`none of its ${children.length} children (socat ${socatPid}, rrdcached ${rrdcachedPid}) is left`);

  const again = await startAppliance(t, { dataDir, ...ports, args: ['--modem', 'sim'] });
  await waitForModemReady(again);
  t.not(pidIn(path.join(simDir(dataDir), 'socat.pid')), socatPid, 'a new socat');
  t.notMatch(again.output(), /left over from a previous run/, 'nothing was left to stop');
});

void t.test('a socat left running (not tied to the appliance) is stopped through its pid file by the next start', async (t) => {
  const dataDir = tempDir(t, 'rw-orphan-pid-');
  const first = await startAppliance(t, { dataDir, args: ['--modem', 'sim'] });
  await waitForModemReady(first);
  await first.stop();
  // what setpriv cannot cover: a socat with its links in the simulator's directory, not tied to anyone
  const dir = simDir(dataDir);
  const stray = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${path.join(dir, 'modem')}`, `pty,raw,echo=0,link=${path.join(dir, 'sim-side-1')}`], { stdio: 'ignore', detached: true });
  stray.unref();
  t.teardown(() => {
    if (stray.pid !== undefined && isAlive(stray.pid)) process.kill(stray.pid, 'SIGKILL');
  });
  const strayPid = stray.pid ?? 0;
  await waitFor('the stray socat to make its links', () => existsSync(path.join(dir, 'modem')));
  writeFileSync(path.join(dir, 'socat.pid'), `${strayPid}\n`);

  const again = await startAppliance(t, { dataDir, args: ['--modem', 'sim'] });
  await waitForModemReady(again);
  t.match(again.output(), /modem simulator socat left over from a previous run: stopping it/);
  await waitFor('the stray socat to be gone', () => !isAlive(strayPid), { timeoutMs: 5_000 });
  t.pass('stopped');
  t.not(pidIn(path.join(dir, 'socat.pid')), strayPid);
});
