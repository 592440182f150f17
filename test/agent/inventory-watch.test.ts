// The inventory is checked every few minutes on virtual time and handed on each time; the
// session publishes it only when it changed (test/agent/session.test.ts).
import t from 'tap';
import type { Inventory } from '../../contract/inventory.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { createInventoryWatch } from '../../agent/inventory-watch.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

const inventory = (hostname: string): Inventory => ({
  v: 1, hostname, os: { platform: 'linux', distro: 'd', release: '1', kernel: 'k', arch: 'x64' },
  cpu: { model: 'm', cores: 1 }, memoryBytes: 1, interfaces: [], filesystems: [], agentVersion: '0.1.0', interval: 5,
});

void t.test('every 5 minutes the inventory is collected again and handed on', async (t) => {
  const clock = new VirtualClock(0);
  const seen: string[] = [];
  let name = 'web-01';
  const watch = createInventoryWatch({
    clock, log: silentLogger, collect: () => Promise.resolve(inventory(name)), onInventory: (i) => seen.push(i.hostname),
  });
  watch.start();
  t.teardown(() => watch.stop());
  await clock.advance(299_000);
  t.same(seen, [], 'not before 5 minutes');
  name = 'web-01.example';
  await clock.advance(1000);
  t.same(seen, ['web-01.example']);
  await clock.advance(300_000);
  t.same(seen, ['web-01.example', 'web-01.example']);
  await watch.checkNow();
  t.equal(seen.length, 3, 'and on demand (after a configuration change)');
});

void t.test('a failed check is logged, the watch goes on, stop() leaves no timer', async (t) => {
  const clock = new VirtualClock(0);
  const warnings: string[] = [];
  const log: Logger = { ...silentLogger, warn: (msg) => { warnings.push(msg); }, child: () => log };
  let fail = true;
  const seen: Inventory[] = [];
  const watch = createInventoryWatch({
    clock, log, everyMs: 1000,
    collect: () => (fail ? Promise.reject(new Error('statfs hung')) : Promise.resolve(inventory('a'))),
    onInventory: (i) => seen.push(i),
  });
  watch.start();
  await clock.advance(1000);
  t.match(warnings, [/inventory check failed/]);
  fail = false;
  await clock.advance(1000);
  t.equal(seen.length, 1);
  await watch.stop();
  t.equal(clock.pendingTimers, 0);
});
