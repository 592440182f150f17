// Host facts for the inventory payload (S3). systeminformation answers the questions that need
// distribution-specific knowledge (OS name and release, CPU model), once per start (it spawns a
// few processes); the rest comes from node:os, /proc, /sys and statfs, which cost next to
// nothing, so the inventory is cheap to re-collect to see whether it changed (host name,
// interfaces and addresses, filesystems: see inventory-watch.ts).
import { promises as fsPromises, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Inventory } from '../contract/inventory.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { readRootFile } from './collectors/collector.js';
import type { QueueStats } from './disk-queue.js';
import type { CollectorSettings } from './collection-plan.js';
import { readRealFilesystems, type StatFsFunction } from './collectors/filesystems.js';
import { isMonitoredInterface, parseNetDev } from './collectors/network.js';
import { TIMED_OUT, withTimeout } from './timeout.js';
import { AGENT_VERSION } from './version.js';

/** The inventory schema's caps (contract/inventory.ts INVENTORY_LIMITS, not imported: it loads zod). */
const MAX_LISTED = 256;
const MAX_ADDRESSES_PER_INTERFACE = 16;

export interface HostFacts {
  os: Inventory['os'];
  cpu: Inventory['cpu'];
}

/**
 * OS and CPU through systeminformation, loading only its two modules involved; it spawns a few
 * short-lived processes (lsb_release and the like), which is fine once at start but is why the
 * periodic collectors do not use it.
 */
export async function readHostFacts(): Promise<HostFacts> {
  const [{ osInfo }, { cpu }] = await Promise.all([
    import('systeminformation/lib/osinfo.js'),
    import('systeminformation/lib/cpu.js'),
  ]);
  const [osData, cpuData] = await Promise.all([osInfo(), cpu()]);
  return {
    os: {
      platform: osData.platform,
      distro: osData.distro,
      release: osData.release,
      kernel: osData.kernel,
      arch: osData.arch,
    },
    cpu: {
      model: `${cpuData.manufacturer} ${cpuData.brand}`.trim() || (os.cpus()[0]?.model ?? 'unknown'),
      cores: cpuData.cores || os.availableParallelism(),
    },
  };
}

/**
 * Every interface the network collector reports (all but loopback, up or down), with its MAC
 * from sysfs and its addresses from node:os (which lists only interfaces that have one).
 */
export function listInterfaces(
  root: string,
  addressesByName: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces(),
): Inventory['interfaces'] {
  const names = [...parseNetDev(readRootFile(root, 'proc/net/dev')).keys()].filter(isMonitoredInterface);
  return names.slice(0, MAX_LISTED).map((name) => {
    const infos = addressesByName[name] ?? [];
    let mac = infos[0]?.mac ?? '';
    try {
      mac = readFileSync(path.join(root, 'sys/class/net', name, 'address'), 'utf8').trim() || mac;
    } catch {
      // tunnels and some virtual interfaces have no address file: keep what node:os knows
    }
    return { name, mac, addresses: infos.slice(0, MAX_ADDRESSES_PER_INTERFACE).map((info) => info.address) };
  });
}

export interface InventoryDeps {
  root: string;
  hostname: string;
  intervalS: number;
  /** every collector's setting the agent runs now */
  collectors?: CollectorSettings;
  clock: Clock;
  log: Logger;
  hostFacts?: () => Promise<HostFacts>;
  /** the disk queue's drop counter, published with the inventory */
  queue?: Pick<QueueStats, 'dropped' | 'lastDropAt'>;
  statfs?: StatFsFunction;
  statfsTimeoutMs?: number;
}

export async function collectInventory(deps: InventoryDeps): Promise<Inventory> {
  const statfs = deps.statfs ?? ((target: string) => fsPromises.statfs(target));
  const timeoutMs = deps.statfsTimeoutMs ?? 2000;
  const mounts = readRealFilesystems(deps.root).slice(0, MAX_LISTED);
  const [facts, sizes] = await Promise.all([
    (deps.hostFacts ?? readHostFacts)(),
    Promise.all(mounts.map(async (mount) => {
      try {
        const stat = await withTimeout(statfs(path.join(deps.root, mount.mountPoint)), timeoutMs, deps.clock);
        if (stat !== TIMED_OUT) return stat.blocks * stat.bsize;
        deps.log.warn('inventory: statfs timed out; size reported as 0', { mount: mount.mountPoint });
      } catch (error) {
        deps.log.warn('inventory: statfs failed; size reported as 0', { mount: mount.mountPoint, error });
      }
      return 0;
    })),
  ]);
  return {
    v: 1,
    hostname: deps.hostname,
    os: facts.os,
    cpu: facts.cpu,
    memoryBytes: os.totalmem(),
    interfaces: listInterfaces(deps.root),
    filesystems: mounts.map((mount, index) => ({
      mount: mount.mountPoint, device: mount.device, type: mount.type, sizeBytes: sizes[index] ?? 0,
    })),
    agentVersion: AGENT_VERSION,
    interval: deps.intervalS,
    ...(deps.collectors ? { collectors: deps.collectors } : {}),
    ...(deps.queue ? { queue: { dropped: deps.queue.dropped, lastDropAt: deps.queue.lastDropAt } } : {}),
  };
}

/** `readHostFacts` once: the OS and the CPU model do not change while the agent runs. */
export function cachedHostFacts(read: () => Promise<HostFacts> = readHostFacts): () => Promise<HostFacts> {
  let facts: Promise<HostFacts> | null = null;
  return () => {
    facts ??= read().catch((error: unknown) => {
      facts = null; // try again next time
      throw error;
    });
    return facts;
  };
}
