// The one definition of a filesystem's used percent (S1, S7), shared by the alert rules and the
// SMS cause (appliance), and the disk table and list (web UI): df(1)'s Use%, used ÷ (used + avail).
// The agent reports df's own fields (agent/collectors/filesystems.ts: used = blocks − free,
// avail = blocks an unprivileged user may still write), so the blocks reserved for root count as
// unavailable and a filesystem reads 100 % when ordinary programs can no longer write to it.
// used ÷ size would read 95 % on a full ext4 filesystem with the default 5 % reserve.

/** Used percent as df prints it (unrounded, within 0–100); null when used or avail is unknown. */
export function filesystemUsedPct(values: Readonly<Record<string, number | null | undefined>>): number | null {
  const used = values.used;
  const avail = values.avail;
  if (typeof used !== 'number' || typeof avail !== 'number' || !Number.isFinite(used) || !Number.isFinite(avail)) return null;
  const whole = used + avail;
  if (whole <= 0) return null;
  return Math.min(100, Math.max(0, (used / whole) * 100));
}
