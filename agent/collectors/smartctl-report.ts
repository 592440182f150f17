// What one `smartctl --json` answer says about a drive's health (S1+, family `smart`): the overall
// self-assessment, the sector and error counts that predict a failure, the NVMe wear and
// critical-warning bits, the temperature. Pure parsing of smartctl's JSON (format version 1, as
// smartmontools 7 prints it for ATA, NVMe and SCSI drives); recorded answers of real drives are in
// test/fixtures/smart/.

/** One drive's readings; null where the drive (or its protocol) does not say. */
export interface SmartReading {
  /** 1 = the overall self-assessment passed, 0 = failed */
  healthy: number | null;
  /** ATA attribute 5 (Reallocated_Sector_Ct); SCSI: the grown defect list */
  reallocated: number | null;
  /** ATA attribute 197 (Current_Pending_Sector) */
  pending: number | null;
  /** NVMe media and data integrity errors; SCSI: uncorrected read, write and verify errors */
  media_errors: number | null;
  /** NVMe percentage used (of the rated endurance; may pass 100) */
  pct_used: number | null;
  /** NVMe critical-warning bits (0 = none) */
  critical_warn: number | null;
  /** °C */
  temperature: number | null;
}

/** What smartctl's own `smartctl` object says besides the drive's data. */
export interface SmartctlStatus {
  /** smartctl's exit status: a bit mask (smartctl(8), "RETURN VALUES") */
  exitStatus: number | null;
  /** its messages (errors first), e.g. "Smartctl open device: /dev/sda failed: Permission denied" */
  messages: string[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const count = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);

export function smartctlStatus(doc: unknown): SmartctlStatus {
  const s = isObject(doc) && isObject(doc.smartctl) ? doc.smartctl : {};
  const messages = Array.isArray(s.messages)
    ? s.messages.flatMap((m) => (isObject(m) && typeof m.string === 'string' ? [m.string] : []))
    : [];
  return { exitStatus: count(s.exit_status), messages };
}

/**
 * An ATA attribute's raw count. Drives pack other figures into the raw value's upper bytes
 * (attribute 194's min and max temperatures, some vendors' attribute 5), which smartctl's `raw.string`
 * separates: its leading number is the count.
 */
function ataRaw(doc: Json, id: number): number | null {
  const table = isObject(doc.ata_smart_attributes) ? doc.ata_smart_attributes.table : undefined;
  if (!Array.isArray(table)) return null;
  const attribute = table.find((a): a is Json => isObject(a) && a.id === id);
  if (!attribute || !isObject(attribute.raw)) return null;
  const leading = typeof attribute.raw.string === 'string' ? /^\s*(\d+)/.exec(attribute.raw.string)?.[1] : undefined;
  return leading !== undefined ? Number(leading) : count(attribute.raw.value);
}

function scsiUncorrected(doc: Json): number | null {
  const log = doc.scsi_error_counter_log;
  if (!isObject(log)) return null;
  let sum: number | null = null;
  for (const direction of ['read', 'write', 'verify']) {
    const part = log[direction];
    const n = isObject(part) ? count(part.total_uncorrected_errors) : null;
    if (n !== null) sum = (sum ?? 0) + n;
  }
  return sum;
}

/** The readings in a smartctl JSON document (any of -H, -A, -a, -x); all null for an answer without data. */
export function parseSmartctlJson(doc: unknown): SmartReading {
  const d = isObject(doc) ? doc : {};
  const nvme = isObject(d.nvme_smart_health_information_log) ? d.nvme_smart_health_information_log : null;
  const status = isObject(d.smart_status) ? d.smart_status : null;
  const passed = status && typeof status.passed === 'boolean' ? status.passed : null;
  const temperature = (isObject(d.temperature) ? count(d.temperature.current) : null) ?? (nvme ? count(nvme.temperature) : null) ?? ataRaw(d, 194);
  return {
    healthy: passed === null ? null : passed ? 1 : 0,
    reallocated: ataRaw(d, 5) ?? count(d.scsi_grown_defect_list),
    pending: ataRaw(d, 197),
    media_errors: (nvme ? count(nvme.media_errors) : null) ?? scsiUncorrected(d),
    pct_used: nvme ? count(nvme.percentage_used) : null,
    critical_warn: nvme ? count(nvme.critical_warning) : null,
    temperature,
  };
}

/** Whether a reading holds anything at all (a drive in standby or one smartctl could not open holds nothing). */
export function hasReadings(r: SmartReading): boolean {
  return Object.values(r).some((v) => v !== null);
}

/** A device of `smartctl --scan --json`: its name and the `-d` type smartctl chose. */
export interface ScannedDevice {
  name: string;
  type: string;
}

export function parseScan(doc: unknown): ScannedDevice[] {
  const devices = isObject(doc) && Array.isArray(doc.devices) ? doc.devices : [];
  return devices.flatMap((d) => (isObject(d) && typeof d.name === 'string' && d.name.startsWith('/dev/')
    ? [{ name: d.name, type: typeof d.type === 'string' ? d.type : '' }]
    : []));
}

/**
 * The series key of a device: its name below /dev ("sda", "nvme0"), and for a drive behind a RAID
 * controller, which smartctl reaches through one device node, the controller's type and slot too
 * ("bus/0:megaraid,1").
 */
export function deviceKey(device: ScannedDevice): string {
  const name = device.name.slice('/dev/'.length);
  return device.type.includes(',') ? `${name}:${device.type}` : name;
}
