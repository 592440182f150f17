// Filesystem collector (S1, family `fs`, keyed by mount point): size, use and inodes of every
// real mounted filesystem, from the mount table and statfs(2).
//
// statfs runs asynchronously with a timeout, unlike the /proc reads: on a dead NFS or CIFS
// server it blocks for minutes, and a sync call would freeze the whole agent. A mount whose
// statfs is still outstanding is skipped until it returns, so a hung server ties up at most one
// thread-pool thread per mount.
import { promises as fsPromises, type StatsFs } from 'node:fs';
import path from 'node:path';
import { METRICS_LIMITS } from '../../contract/families.js';
import type { FieldOf, Sample } from '../../contract/metrics.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { TIMED_OUT, withTimeout } from '../timeout.js';
import { makeSample, readRootFile, type Collector } from './collector.js';

export interface MountEntry {
  device: string;
  mountPoint: string;
  type: string;
}

/** The statfs(2) numbers we use; node's StatsFs has them all. */
export type StatFsResult = Pick<StatsFs, 'bsize' | 'blocks' | 'bfree' | 'bavail' | 'files' | 'ffree'>;
export type StatFsFunction = (target: string) => Promise<StatFsResult>;

/**
 * Kernel and userspace pseudo filesystems: they hold no server data, or (tmpfs, overlay,
 * squashfs) their numbers are the RAM or the image, not a disk anybody fills up.
 */
export const PSEUDO_FILESYSTEM_TYPES: ReadonlySet<string> = new Set([
  'autofs', 'binfmt_misc', 'bpf', 'cgroup', 'cgroup2', 'configfs', 'debugfs', 'devpts', 'devtmpfs',
  'efivarfs', 'erofs', 'fusectl', 'fuse.gvfsd-fuse', 'fuse.lxcfs', 'fuse.portal', 'fuse.snapfuse',
  'hugetlbfs', 'iso9660', 'mqueue', 'nfsd', 'nsfs', 'overlay', 'proc', 'pstore', 'ramfs',
  'rootfs', 'rpc_pipefs', 'securityfs', 'selinuxfs', 'squashfs', 'sysfs', 'tmpfs', 'tracefs',
]);

/** Undoes the octal escapes the kernel writes for blanks and backslashes in /proc/mounts. */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** Parses /proc/mounts (fstab(5) format: device, mount point, type, options, dump, pass). */
export function parseMounts(text: string): MountEntry[] {
  const mounts: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [device, mountPoint, type] = line.split(' ');
    if (!device || !mountPoint || !type) continue;
    mounts.push({ device: unescapeMountField(device), mountPoint: unescapeMountField(mountPoint), type });
  }
  return mounts;
}

/**
 * Keeps real filesystems and one mount per device. Bind mounts, btrfs subvolumes and container
 * file mounts repeat a device with the same statfs numbers; the shortest mount point (the one a
 * person would name: `/` rather than `/etc/hosts`) stands for it.
 */
export function selectRealFilesystems(mounts: readonly MountEntry[]): MountEntry[] {
  const byDevice = new Map<string, MountEntry>();
  for (const mount of mounts) {
    if (PSEUDO_FILESYSTEM_TYPES.has(mount.type)) continue;
    const kept = byDevice.get(mount.device);
    if (!kept || mount.mountPoint.length < kept.mountPoint.length) byDevice.set(mount.device, mount);
  }
  return [...byDevice.values()];
}

/** The real filesystems mounted under `root` (shared with the inventory). */
export function readRealFilesystems(root: string): MountEntry[] {
  return selectRealFilesystems(parseMounts(readRootFile(root, 'proc/mounts')));
}

/**
 * Field values from statfs, as df(1) computes them: used = blocks − free (root's reserve counts
 * as used), avail = blocks available to unprivileged users. Null for a filesystem with no
 * blocks (a pseudo filesystem not in the list): it has no size to watch.
 */
export function filesystemValues(stat: StatFsResult): Record<FieldOf<'fs'>, number> | null {
  if (stat.blocks <= 0) return null;
  return {
    size: stat.blocks * stat.bsize,
    used: (stat.blocks - stat.bfree) * stat.bsize,
    avail: stat.bavail * stat.bsize,
    inodes: stat.files,
    inodes_used: Math.max(0, stat.files - stat.ffree),
  };
}

export interface FilesystemsCollectorOptions {
  root?: string;
  statfs?: StatFsFunction;
  clock?: Clock;
  /** How long one statfs may take before its mount is left out of this sample. */
  statfsTimeoutMs?: number;
  log?: Logger;
}

export function createFilesystemsCollector(options: FilesystemsCollectorOptions = {}): Collector {
  const root = options.root ?? '/';
  const statfs: StatFsFunction = options.statfs ?? ((target) => fsPromises.statfs(target));
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.statfsTimeoutMs ?? 2000;
  const log = options.log ?? silentLogger;
  /** mount points whose statfs has not returned yet */
  const outstanding = new Set<string>();
  /** mount point → last problem reported, so a broken mount logs once, not every interval */
  const reported = new Map<string, string>();

  const report = (mountPoint: string, problem: string, fields: Record<string, unknown>): void => {
    if (reported.get(mountPoint) === problem) return;
    reported.set(mountPoint, problem);
    log.warn(`filesystem ${mountPoint}: ${problem}`, fields);
  };

  const statWithTimeout = async (mount: MountEntry): Promise<StatFsResult | null> => {
    if (outstanding.has(mount.mountPoint)) {
      report(mount.mountPoint, 'statfs still outstanding, skipped', { type: mount.type });
      return null;
    }
    const call = statfs(path.join(root, mount.mountPoint));
    outstanding.add(mount.mountPoint);
    const forget = (): void => { outstanding.delete(mount.mountPoint); };
    void call.then(forget, forget);
    try {
      const result = await withTimeout(call, timeoutMs, clock);
      if (result === TIMED_OUT) {
        report(mount.mountPoint, `statfs took longer than ${timeoutMs} ms`, { type: mount.type, device: mount.device });
        return null;
      }
      reported.delete(mount.mountPoint);
      return result;
    } catch (error) {
      // Typically EACCES (a mount the agent's user may not enter) or ENOENT (unmounted since
      // the mount table was read): leave the mount out and say so once.
      report(mount.mountPoint, 'statfs failed', { error });
      return null;
    }
  };

  return {
    name: 'fs',
    async collect(t: number): Promise<Sample[]> {
      const mounts = readRealFilesystems(root).filter((m) => {
        if (m.mountPoint.length <= METRICS_LIMITS.maxKeyLength) return true;
        report(m.mountPoint, `mount point longer than the contract's ${METRICS_LIMITS.maxKeyLength} characters, left out`, {});
        return false;
      });
      const stats = await Promise.all(mounts.map(statWithTimeout));
      const samples: Sample[] = [];
      mounts.forEach((mount, index) => {
        const stat = stats[index];
        const values = stat && filesystemValues(stat);
        if (values) samples.push(makeSample(t, 'fs', values, mount.mountPoint));
      });
      return samples;
    },
  };
}
