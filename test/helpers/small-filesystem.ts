// A small real filesystem for the storage-fault tests (RES): a tmpfs of a few MB mounted on a
// temporary directory (the tests run as root), filled with a file until the kernel says ENOSPC,
// and unmounted at teardown. The appliance is started on it as its data directory.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Teardownable } from './appliance-harness.js';

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Mounts a tmpfs of `sizeMb` on a new temporary directory; unmounted (lazily) at teardown. */
export function mountSmallTmpfs(t: Teardownable, sizeMb: number): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rw-small-fs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0750`, 'tmpfs', dir]);
  // lazily: the appliance may still hold files in it when this runs
  t.teardown(() => {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Writes zeros into `<dir>/<name>` until the filesystem is full; returns the bytes written. */
export function fillFilesystem(dir: string, name = 'filler'): number {
  const file = path.join(dir, name);
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  let written = 0;
  try {
    for (;;) {
      try {
        written += writeSync(fd, chunk);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw e;
      }
    }
    // the last partial pages: byte by byte is too slow, 4 KiB is the tmpfs page
    const page = Buffer.alloc(4096);
    for (;;) {
      try {
        written += writeSync(fd, page);
      } catch {
        break;
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

export function unfill(dir: string, name = 'filler'): void {
  unlinkSync(path.join(dir, name));
}

export interface Ext4Loop {
  dir: string;
  /** an ext4 error as a failing SD card makes one (sysfs trigger_fs_error): with errors=remount-ro the kernel remounts it read-only */
  failIntoReadOnly(): void;
  /** what an operator does after that: unmount, e2fsck -fy, mount again (read-write) */
  repair(): Promise<void>;
}

/** An ext4 filesystem of `sizeMb` on a loop device, mounted errors=remount-ro on a new temporary directory. */
export function mountExt4Loop(t: Teardownable, sizeMb: number): Ext4Loop {
  const work = mkdtempSync(path.join(os.tmpdir(), 'rw-ext4-'));
  const image = path.join(work, 'fs.img');
  const dir = path.join(work, 'data');
  execFileSync('truncate', ['-s', `${sizeMb}M`, image]);
  execFileSync('mkfs.ext4', ['-q', image]);
  const loop = execFileSync('losetup', ['-f', '--show', image], { encoding: 'utf8' }).trim();
  execFileSync('mkdir', ['-m', '0750', dir]);
  const mount = (): void => { execFileSync('mount', ['-o', 'errors=remount-ro', loop, dir]); };
  mount();
  t.teardown(() => {
    execFileSync('umount', ['-l', dir]);
    execFileSync('losetup', ['-d', loop]);
    rmSync(work, { recursive: true, force: true });
  });
  return {
    dir,
    failIntoReadOnly: () => {
      execFileSync('sh', ['-c', `echo rackwatch-test > /sys/fs/ext4/${path.basename(loop)}/trigger_fs_error`]);
    },
    repair: async () => {
      // the appliance's children (its rrdcached, told by the kernel when the appliance exits) may
      // still be finishing on the read-only partition: an operator waits for "target is busy" to pass
      for (let attempt = 1; ; attempt++) {
        try {
          execFileSync('umount', [dir], { stdio: 'pipe' });
          break;
        } catch (e) {
          if (attempt >= 60) throw e;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      try {
        execFileSync('e2fsck', ['-fy', loop], { stdio: 'ignore' });
      } catch (e) {
        // exit code 1: errors were corrected, which is the point
        if ((e as { status?: number }).status !== 1) throw e;
      }
      mount();
    },
  };
}
