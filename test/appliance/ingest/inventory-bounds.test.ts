// RES (docs/bounds.md): an inventory has a bound on its size (checked before JSON.parse) and on
// every list and string in it; one past a bound is dropped and counted with a reason that names
// it, and the agent's inventory stays the last good one. Through the real Ingest, registry,
// repository and a SQLite file.
import t from 'tap';
import { INVENTORY_LIMITS, type Inventory } from '../../../contract/inventory.js';
import type { Logger } from '../../../core/logger.js';
import { Ingest } from '../../../appliance/ingest/ingest.js';
import { registryWithTwoAgents } from '../agents/registry-fixture.js';

const T0 = Date.UTC(2025, 2, 3, 5, 0, 0);

const good: Inventory = {
  v: 1, hostname: 'web-01',
  os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', kernel: '6.1.0', arch: 'x64' },
  cpu: { model: 'Test CPU', cores: 2 }, memoryBytes: 1024,
  interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', addresses: ['192.0.2.1'] }],
  filesystems: [{ mount: '/', device: '/dev/sda1', type: 'ext4', sizeBytes: 1e9 }],
  agentVersion: '0.1.0', interval: 5,
};

void t.test('an inventory past a bound is dropped with a reason naming it; within the bounds it is kept', async (t) => {
  const { clock, registry } = registryWithTwoAgents(t, T0);
  const reasons: unknown[] = [];
  const logger: Logger = { debug: () => undefined, info: () => undefined, error: () => undefined, warn: (_m, f) => { reasons.push(f?.reason); }, child: () => logger };
  const sink = { write: () => Promise.resolve({ updated: 0, rejected: 0 }) };
  const ingest = new Ingest({ sink, registry, clock, logger, maxConcurrentWrites: 1 });
  const send = async (inv: unknown): Promise<boolean> => {
    // a minute apart, so that each refusal is logged (once per agent a minute)
    await clock.advance(61_000);
    return ingest.handleInventory('a1', Buffer.isBuffer(inv) ? inv : Buffer.from(JSON.stringify(inv)));
  };

  t.equal(await send(good), true, 'a normal inventory is kept');
  const tooManyAddresses = { ...good, interfaces: [{ ...good.interfaces[0], addresses: Array.from({ length: INVENTORY_LIMITS.maxAddressesPerInterface + 1 }, (_, i) => `192.0.2.${i}`) }] };
  t.equal(await send(tooManyAddresses), false);
  t.match(reasons.at(-1), /^interfaces\.0\.addresses/);
  t.equal(await send({ ...good, os: { ...good.os, kernel: 'k'.repeat(INVENTORY_LIMITS.maxShortText + 1) } }), false);
  t.match(reasons.at(-1), /^os\.kernel/);
  t.equal(await send({ ...good, filesystems: [{ ...good.filesystems[0], mount: '/'.repeat(INVENTORY_LIMITS.maxPathText + 1) }] }), false);
  t.match(reasons.at(-1), /^filesystems\.0\.mount/);
  t.equal(await send(Buffer.alloc(INVENTORY_LIMITS.maxPayloadBytes + 1, 0x20)), false);
  t.match(reasons.at(-1), new RegExp(`exceeds ${INVENTORY_LIMITS.maxPayloadBytes}`));
  t.equal(ingest.counters.badPayloads, 4, 'each counted');
  t.equal(registry.detail('a1')?.inventory?.hostname, 'web-01', 'the last good inventory stays');
});
