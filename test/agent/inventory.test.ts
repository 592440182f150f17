// The inventory (S3): this machine's host facts, in the contract's shape.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { repoRoot } from '../helpers/paths.js';
import { inventorySchema } from '../../contract/inventory.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { collectInventory, listInterfaces } from '../../agent/inventory.js';
import { AGENT_VERSION } from '../../agent/version.js';

void t.test('the live inventory of this machine passes the contract schema', async (t) => {
  const inventory = await collectInventory({ root: '/', hostname: 'web-01', intervalS: 5, clock: systemClock, log: silentLogger });
  const parsed = inventorySchema.safeParse(inventory);
  t.ok(parsed.success, parsed.success ? 'valid' : JSON.stringify(parsed.error.issues));
  t.equal(inventory.hostname, 'web-01');
  t.ok(inventory.cpu.cores > 0);
  t.ok(inventory.os.kernel.length > 0);
  t.ok(inventory.filesystems.some((fs) => fs.sizeBytes > 0), 'filesystems with their size');
  t.notOk(inventory.interfaces.some((i) => i.name === 'lo'), 'loopback is not listed');
  t.equal(inventory.interval, 5);
});

void t.test('interfaces: every one in /proc/net/dev but lo, with MAC from sysfs and addresses from node:os', (t) => {
  const root = t.testdir({
    proc: { net: { dev: 'Inter-|\n face |\n    lo: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n  eth0: 5 5 0 0 0 0 0 0 5 5 0 0 0 0 0 0\n  ifb0: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n' } },
    sys: { class: { net: { eth0: { address: '02:fc:00:00:00:01\n' }, ifb0: { address: '56:fa:cf:b0:6c:c4\n' } } } },
  });
  const addresses = {
    eth0: [
      { address: '192.0.2.2', netmask: '255.255.255.0', family: 'IPv4', mac: '02:fc:00:00:00:01', internal: false, cidr: '192.0.2.2/24' },
      { address: 'fd00::2', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:fc:00:00:00:01', internal: false, cidr: 'fd00::2/64', scopeid: 0 },
    ],
  } as const;
  t.same(listInterfaces(root, addresses as unknown as Parameters<typeof listInterfaces>[1]), [
    { name: 'eth0', mac: '02:fc:00:00:00:01', addresses: ['192.0.2.2', 'fd00::2'] },
    { name: 'ifb0', mac: '56:fa:cf:b0:6c:c4', addresses: [] },
  ], 'an interface that is down (no address) is listed too');
  t.end();
});

void t.test('the agent version matches package.json', (t) => {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  t.equal(AGENT_VERSION, pkg.version);
  t.end();
});
