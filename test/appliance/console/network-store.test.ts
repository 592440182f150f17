// D5: a network change is written atomically and applied; unless confirmed within the window (here
// in virtual time) the previous file comes back and is applied again; a failed apply restores the
// previous file at once; only one change waits at a time.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { isRwError, RwError } from '../../../contract/errors.js';
import { localNetworkTarget, NetworkStore, NETWORK_FILE } from '../../../appliance/console/network-store.js';
import type { NetworkSettings } from '../../../appliance/console/network-settings.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';

const STATIC: NetworkSettings = { mode: 'static', address: '10.1.2.3', prefix: 24, gateway: '10.1.2.1', dns: [] };
const WINDOW_MS = 60_000;

function setup(t: { teardown(fn: () => unknown): void }, failApply: () => boolean = () => false): { store: NetworkStore; clock: VirtualClock; applied: string[]; file: string; reverted: { ok: boolean }[] } {
  const dataDir = tempDir(t, 'rw-net-');
  const clock = new VirtualClock();
  const applied: string[] = [];
  const reverted: { ok: boolean }[] = [];
  const store = new NetworkStore({
    iface: 'eth0', clock, confirmWindowMs: WINDOW_MS,
    target: localNetworkTarget(path.join(dataDir, NETWORK_FILE), (file) => {
      // what systemd-networkd would read at this moment
      applied.push(existsSync(file) ? (/^(Address=.*|DHCP=yes)$/m.exec(readFileSync(file, 'utf8'))?.[1] ?? '?') : 'none');
      return failApply() ? Promise.reject(new RwError('RW_ERR_NETWORK_APPLY', 'networkctl failed')) : Promise.resolve();
    }),
    onReverted: (o) => reverted.push(o),
  });
  return { store, clock, applied, file: path.join(dataDir, NETWORK_FILE), reverted };
}

void t.test('an unconfirmed change is taken back when the 60 s window ends, not before', async (t) => {
  const { store, clock, applied, file, reverted } = setup(t);
  const pending = await store.change(STATIC);
  t.equal(pending.deadlineMs, clock.now() + WINDOW_MS);
  t.match(readFileSync(file, 'utf8'), /^Address=10\.1\.2\.3\/24$/m);
  await clock.advance(WINDOW_MS - 1);
  t.ok(store.hasPendingChange, 'still waiting 1 ms before the end');
  t.same(applied, ['Address=10.1.2.3/24']);
  await clock.advance(1);
  t.notOk(store.hasPendingChange);
  t.notOk(existsSync(file), 'no file before: none after (the default, DHCP)');
  t.same(applied, ['Address=10.1.2.3/24', 'none'], 'the previous state applied again');
  t.same(reverted, [{ ok: true }]);
  t.same(store.current(), { mode: 'dhcp' });
});

void t.test('a confirmed change stays after the window', async (t) => {
  const { store, clock, applied } = setup(t);
  (await store.change({ mode: 'dhcp' })).confirm();
  const pending = await store.change(STATIC);
  pending.confirm();
  await clock.advance(2 * WINDOW_MS);
  t.same(store.current(), STATIC);
  t.same(applied, ['DHCP=yes', 'Address=10.1.2.3/24']);
});

void t.test('a change that fails to apply restores the previous file at once and says so', async (t) => {
  let fail = false;
  const { store, applied } = setup(t, () => fail);
  (await store.change({ mode: 'dhcp' })).confirm();
  fail = true;
  const error = await store.change(STATIC).then(() => null, (e: unknown) => e);
  t.ok(isRwError(error, 'RW_ERR_NETWORK_APPLY'), 'RW_ERR_NETWORK_APPLY');
  t.same(store.current(), { mode: 'dhcp' }, 'the previous settings are back');
  t.same(applied, ['DHCP=yes', 'Address=10.1.2.3/24', 'DHCP=yes']);
  t.notOk(store.hasPendingChange);
});

void t.test('a second change while one waits is refused; stop() takes the waiting one back', async (t) => {
  const { store, applied } = setup(t);
  await store.change(STATIC);
  const error = await store.change({ mode: 'dhcp' }).then(() => null, (e: unknown) => e);
  t.ok(isRwError(error, 'RW_ERR_CONFLICT'));
  await store.stop();
  t.same(applied, ['Address=10.1.2.3/24', 'none']);
  t.notOk(store.hasPendingChange);
});
