// Drive temperatures from the kernel (S1+), for the disk-health collector where smartctl is absent
// or may not read the drives: NVMe controllers register an hwmon sensor (Linux 5.5+,
// /sys/class/nvme/nvme0/hwmon*/temp1_input) and SATA disks one when the `drivetemp` module is
// loaded (/sys/block/sda/device/hwmon/hwmon*/temp1_input). World-readable, no child process.
// Keys match smartctl's device names ("nvme0", "sda"), so both sources fill one series.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { readRootFile } from './collector.js';

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return []; // no such class (no NVMe, an old kernel) or not a directory
  }
}

/** °C of the first hwmon sensor below a device directory (millidegrees in sysfs), or null. */
function hwmonTemperature(root: string, deviceDir: string): number | null {
  const sensors = [
    ...list(path.join(root, deviceDir)).filter((n) => /^hwmon\d+$/.test(n)).map((n) => `${deviceDir}/${n}`),
    ...list(path.join(root, deviceDir, 'hwmon')).filter((n) => /^hwmon\d+$/.test(n)).map((n) => `${deviceDir}/hwmon/${n}`),
  ];
  for (const sensor of sensors) {
    try {
      const milli = Number(readRootFile(root, `${sensor}/temp1_input`).trim());
      if (Number.isFinite(milli)) return Math.round(milli / 100) / 10;
    } catch {
      // a sensor without temp1 (or gone since the listing): the next one
    }
  }
  return null;
}

/** Device key → °C for every drive whose kernel driver reports a temperature. */
export function readDriveTemperatures(root: string): Map<string, number> {
  const temperatures = new Map<string, number>();
  for (const name of list(path.join(root, 'sys/class/nvme'))) {
    if (!/^nvme\d+$/.test(name)) continue;
    const celsius = hwmonTemperature(root, `sys/class/nvme/${name}`);
    if (celsius !== null) temperatures.set(name, celsius);
  }
  for (const name of list(path.join(root, 'sys/block'))) {
    if (!/^(sd[a-z]+|hd[a-z]+)$/.test(name)) continue;
    const celsius = hwmonTemperature(root, `sys/block/${name}/device`);
    if (celsius !== null) temperatures.set(name, celsius);
  }
  return temperatures;
}
