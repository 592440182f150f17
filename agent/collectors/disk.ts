// Disk I/O collector (S1, family `disk`, keyed by the kernel's device name): operations and bytes
// per second and the busy share, from the counters of /proc/diskstats.
//
// Which devices (each is one RRD file on the appliance, so the choice matters):
// - every whole disk backed by hardware, i.e. with a `device` link in /sys/block/<name>/ (SATA,
//   SCSI, NVMe namespaces, virtio, Xen, MMC);
// - a virtual block device (dm-*, md*, loop*, nbd*, …) only when a mounted filesystem sits on it:
//   an LVM volume, a RAID array or a loop-mounted image is then the only place that filesystem's
//   own I/O shows. Its requests also show on the disks below it; the two are different views
//   (per volume, per disk) and nothing adds them up;
// - never partitions (their disk counts them) nor idle RAM disks, zram and unused loop devices.
// The selection is refreshed when the kernel's device list changes and every minute (new mounts).
import { realpathSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { FieldOf, Sample } from '../../contract/metrics.js';
import { RateTracker } from '../rate-tracker.js';
import { makeSample, monotonicMs, readRootFile, type ProcCollectorOptions, type SyncCollector } from './collector.js';
import { parseMounts, PSEUDO_FILESYSTEM_TYPES } from './filesystems.js';

/** Cumulative counters of one /proc/diskstats line (Documentation/admin-guide/iostats.rst). */
export interface DiskCounters {
  reads: number;
  /** 512-byte sectors, whatever the device's own sector size */
  readSectors: number;
  writes: number;
  writeSectors: number;
  /** milliseconds the device had I/O in flight ("io_ticks") */
  busyMs: number;
}

/**
 * Parses /proc/diskstats: "major minor name" then at least 11 counters (kernels from 4.18 add
 * discard columns and 5.5 flush columns, which are not used). Lines that do not fit are skipped.
 */
export function parseDiskstats(text: string): Map<string, DiskCounters> {
  const devices = new Map<string, DiskCounters>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    const name = f[2];
    if (!name || f.length < 14) continue;
    const counters: DiskCounters = {
      reads: Number(f[3]), readSectors: Number(f[5]), writes: Number(f[7]), writeSectors: Number(f[9]), busyMs: Number(f[12]),
    };
    if (Object.values(counters).every(Number.isFinite)) devices.set(name, counters);
  }
  return devices;
}

/** Field values from the change of the counters over `elapsedMs`; busy is capped at 100 %. */
export function diskValues(delta: DiskCounters, elapsedMs: number): Record<FieldOf<'disk'>, number> {
  const perS = 1000 / elapsedMs;
  return {
    reads: delta.reads * perS,
    writes: delta.writes * perS,
    read_bytes: delta.readSectors * 512 * perS,
    write_bytes: delta.writeSectors * 512 * perS,
    busy: Math.min(100, (delta.busyMs / elapsedMs) * 100),
  };
}

export interface DiskCollectorOptions extends ProcCollectorOptions {
  /**
   * The kernel name of the block device a mount's device path stands for (`/dev/mapper/vg-root`
   * → `dm-0`), or null; by default the path's symlinks are resolved below `root`.
   */
  resolveDevice?: (devicePath: string) => string | null;
  /** How often the device selection is recomputed although the device list did not change. */
  reselectMs?: number;
}

/** Selects the devices to report, as the module header describes. */
export function selectDisks(
  names: Iterable<string>,
  hasHardware: (name: string) => boolean,
  mountedOn: ReadonlySet<string>,
  isWholeDevice: (name: string) => boolean,
): Set<string> {
  const selected = new Set<string>();
  for (const name of names) {
    if (hasHardware(name) || (mountedOn.has(name) && isWholeDevice(name))) selected.add(name);
  }
  return selected;
}

export function createDiskCollector(options: DiskCollectorOptions = {}): SyncCollector {
  const root = options.root ?? '/';
  const nowMs = options.nowMs ?? monotonicMs;
  const reselectMs = options.reselectMs ?? 60_000;
  const resolveDevice = options.resolveDevice ?? ((devicePath: string): string | null => {
    if (!devicePath.startsWith('/dev/')) return null;
    try {
      return path.basename(realpathSync(path.join(root, devicePath)));
    } catch {
      return null; // "/dev/root" and the like name no real node
    }
  });
  const tracker = new RateTracker<keyof DiskCounters>();
  let selected = new Set<string>();
  let selectedFor = '';
  let selectedAtMs = -Infinity;

  const reselect = (names: string[], atMs: number): void => {
    const mountedOn = new Set<string>();
    for (const mount of parseMounts(readRootFile(root, 'proc/mounts'))) {
      if (PSEUDO_FILESYSTEM_TYPES.has(mount.type)) continue;
      const name = resolveDevice(mount.device);
      if (name) mountedOn.add(name);
    }
    selected = selectDisks(
      names,
      (name) => existsSync(path.join(root, 'sys/block', name, 'device')),
      mountedOn,
      (name) => existsSync(path.join(root, 'sys/block', name)),
    );
    selectedFor = names.join(' ');
    selectedAtMs = atMs;
  };

  return {
    name: 'disk',
    collect(t: number): Sample[] {
      const devices = parseDiskstats(readRootFile(root, 'proc/diskstats'));
      const atMs = nowMs();
      const names = [...devices.keys()];
      if (names.join(' ') !== selectedFor || atMs - selectedAtMs >= reselectMs) reselect(names, atMs);
      const samples: Sample[] = [];
      for (const name of selected) {
        const counters = devices.get(name);
        if (!counters) continue;
        const delta = tracker.update(name, atMs, counters);
        if (delta) samples.push(makeSample(t, 'disk', diskValues(delta.deltas, delta.elapsedMs), name));
      }
      tracker.retainOnly(selected);
      return samples;
    },
  };
}
