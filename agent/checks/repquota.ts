// Reading Linux disk quotas (S16) through quota-tools' `repquota -u <mount>`, whose default report
// is the most portable interface there is (quotactl(2) has three on-disk formats and XFS's own).
// The report, per filesystem:
//
//   *** Report for user quotas on device /dev/sda1
//   Block grace time: 7days; Inode grace time: 7days
//                           Block limits                File limits
//   User            used    soft    hard  grace    used  soft  hard  grace
//   ----------------------------------------------------------------------
//   root      --      20       0       0              2     0     0
//   alice     +-  1048580 1048576 2097152  6days     10     0     0
//   #1003     --       4       0       0              1     0     0
//
// Block figures are KiB (without -s). The two flag characters say whether the block and the file
// limits are exceeded; a `+` is followed by that limit's grace column, which may be a duration
// (`6days`, `13:02`) or `none`. A user the tool cannot name is `#uid`. Pure: no I/O.
import { readFileSync } from 'node:fs';

export interface QuotaUsage {
  /** the user name as repquota printed it (`#1003` for a uid it could not name) */
  account: string;
  usedBytes: number;
  /** the filesystem's own soft and hard block limits, 0 = none */
  softBytes: number;
  hardBytes: number;
}

export function parseRepquota(text: string): QuotaUsage[] {
  const out: QuotaUsage[] = [];
  let inTable = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('***')) {
      inTable = false;
      continue;
    }
    if (/^-{10,}/.test(line)) {
      inTable = true;
      continue;
    }
    if (!inTable || line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    const [account, flags, used, soft, hard] = fields;
    if (!account || !flags || !/^[-+]{2}$/.test(flags) || used === undefined || soft === undefined || hard === undefined) continue;
    const numbers = [used, soft, hard].map((f) => Number(f.replace(/[KMGT]$/, '')));
    if (!numbers.every(Number.isFinite)) continue;
    const [u = 0, s = 0, h = 0] = numbers;
    out.push({ account, usedBytes: u * 1024, softBytes: s * 1024, hardBytes: h * 1024 });
  }
  return out;
}

/** Mount options that say the kernel keeps user quotas on a filesystem. */
const USER_QUOTA_OPTION = /^(usrquota|quota|usrjquota=.*|uquota|uqnoenforce|qnoenforce)$/;

export interface Mount {
  device: string;
  mountPoint: string;
  userQuota: boolean;
}

/** /proc/mounts (or the same text): every mount, whether user quotas are on. */
export function parseMounts(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const [device, mountPoint, , options] = line.split(' ');
    if (!device || !mountPoint || options === undefined) continue;
    mounts.push({
      device,
      // /proc/mounts escapes spaces and the like as octal (\040)
      mountPoint: mountPoint.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))),
      userQuota: options.split(',').some((o) => USER_QUOTA_OPTION.test(o)),
    });
  }
  return mounts;
}

/** The mount a path is on: the longest mount point that is a prefix of it (the last such, as mounts stack). */
export function mountOf(mounts: readonly Mount[], file: string): Mount | null {
  let best: Mount | null = null;
  for (const m of mounts) {
    const inside = m.mountPoint === '/' || file === m.mountPoint || file.startsWith(m.mountPoint + '/');
    if (inside && (!best || m.mountPoint.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

export function readMounts(root = '/'): Mount[] {
  try {
    return parseMounts(readFileSync(`${root.replace(/\/$/, '')}/proc/mounts`, 'utf8'));
  } catch {
    return [];
  }
}
