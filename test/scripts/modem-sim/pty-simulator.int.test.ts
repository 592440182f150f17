// The pty simulator itself: socat's links appear and disappear with plug and unplug, a replug
// comes back under a new name, stop() leaves nothing behind, and a missing socat is a coded error.
import { access, lstat, readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import t from 'tap';
import { startPtySimulator } from '../../../scripts/modem-sim/pty-simulator.js';

const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

void t.test('the DTE path is a pty link; unplug removes it; replug makes a new one; stop removes the directory', async (t) => {
  const sim = await startPtySimulator({ boot: 'ready' });
  let stopped = false;
  t.teardown(() => (stopped ? undefined : sim.stop()));
  const first = sim.path;
  t.match(await realpath(first), /^\/dev\/pts\/\d+$/);
  await sim.unplug();
  t.notOk(await exists(first), 'the link is gone after unplug');
  const second = await sim.replug('ttyUSB3-like');
  t.not(second, first);
  t.equal(sim.path, second);
  t.match(await realpath(second), /^\/dev\/pts\/\d+$/);
  await sim.stop();
  stopped = true;
  t.notOk(await exists(sim.dir), 'the temporary directory is removed');
});

void t.test('socat killed from outside (the modem gone): its links go too, so no recycled /dev/pts number is ever opened as the modem', async (t) => {
  let gone = 0;
  const sim = await startPtySimulator({ boot: 'ready', onGone: () => { gone++; } });
  t.teardown(() => sim.stop());
  const link = sim.path;
  const pid = Number((await readFile(path.join(sim.dir, 'socat.pid'), 'utf8')).trim());
  process.kill(pid, 'SIGKILL');
  // lstat, not access: a dangling link is what must not be left
  const linkLeft = (): Promise<boolean> => lstat(link).then(() => true, () => false);
  for (let i = 0; i < 50 && (await linkLeft()); i++) await new Promise((r) => setTimeout(r, 100));
  t.notOk(await linkLeft(), 'the link is removed');
  for (let i = 0; i < 50 && gone === 0; i++) await new Promise((r) => setTimeout(r, 100));
  t.equal(gone, 1, 'the owner is told the modem is gone');
  const back = await sim.replug('modem');
  t.equal(back, link, 'and it can come back under the same name');
  t.match(await realpath(back), /^\/dev\/pts\/\d+$/);
});

void t.test('a missing socat is reported as RW_ERR_MODEM_SIMULATOR', async (t) => {
  await t.rejects(startPtySimulator({ socatPath: '/nonexistent/socat' }), { code: 'RW_ERR_MODEM_SIMULATOR' });
});
