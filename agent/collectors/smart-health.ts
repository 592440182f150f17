// Disk-health collector (S1+, family `smart`, keyed by device): each drive's SMART / NVMe health
// through `smartctl --json` where smartmontools is installed and the agent may run it, and the
// drive temperatures the kernel reports (drive-temperatures.ts) where it is not or may not.
//
// Cheap by construction, since it runs on servers that have neither: smartctl is looked for on
// PATH at each round (a stat per PATH directory, so installing it needs no restart); the drive list
// (`smartctl --scan`) is kept for an hour or until the kernel's block devices change; a drive in
// standby is not woken (`-n standby`: its last health reading is sent again, without a temperature); each run is bounded (smartctl-runner.ts) and a round stops
// starting runs after ROUND_BUDGET_MS. smartctl needs CAP_SYS_RAWIO (ATA, SCSI) and CAP_SYS_ADMIN
// (NVMe), which the agent's service does not have by default: when every drive answers
// "Permission denied", smartctl is not run again by this process (capabilities only change with a
// restart). Every such condition (no smartctl, no permission, no drive, a drive smartctl cannot
// read) is logged once, when it starts; the collector never throws for it, so the sampler logs
// no error per round.
//
// `failing` counts what says a drive is in trouble now: the self-assessment failed, an NVMe
// critical-warning bit, 90 % or more of an NVMe's endurance used, pending sectors, and reallocated
// sectors or media errors that rose in the last 24 hours. A count that stays where it is (an old
// disk with a few remapped sectors) is history, not news; its rise is what predicts a failure.
// The agent alone sees a rise from one reading to the next, so it counts; after a restart the
// first reading is the new reference.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { METRICS_LIMITS } from '../../contract/families.js';
import type { Sample } from '../../contract/metrics.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { makeSample, monotonicMs, type Collector } from './collector.js';
import { readDriveTemperatures } from './drive-temperatures.js';
import { deviceKey, hasReadings, parseScan, parseSmartctlJson, smartctlStatus, type ScannedDevice, type SmartReading } from './smartctl-report.js';
import { createSmartctlRunner, findSmartctl, type SmartctlRunner } from './smartctl-runner.js';

/** drives read per round at most (each is one RRD file on the appliance) */
export const MAX_SMART_DEVICES = 32;
/** a round starts no smartctl run after this long (10 s runs × 32 drives would span two rounds) */
export const ROUND_BUDGET_MS = 60_000;
/** how long a rise of reallocated sectors or media errors counts as failing */
export const RISE_HOLD_MS = 24 * 3600_000;
const RESCAN_MS = 3600_000;
/** endurance used at which an NVMe counts as failing (the default rule's "percentage used ≥ 90") */
export const WORN_OUT_PCT = 90;

export interface SmartHealthOptions {
  root?: string;
  /** the smartctl program; null: never run it; default: the first on PATH, looked up each round */
  smartctl?: string | null;
  run?: SmartctlRunner;
  log?: Logger;
  nowMs?: () => number;
}

/** Remembers each drive's counts to tell when one rose (and until when that counts). */
export class CountRises {
  readonly #last = new Map<string, { value: number; risenAtMs: number }>();

  /** Whether `value` of `id` rose at this reading or within RISE_HOLD_MS before it. */
  rose(id: string, value: number | null, atMs: number): boolean {
    if (value === null) return false;
    const last = this.#last.get(id);
    const risenAtMs = last && value > last.value ? atMs : (last?.risenAtMs ?? -Infinity);
    this.#last.set(id, { value, risenAtMs });
    return atMs - risenAtMs < RISE_HOLD_MS;
  }

  retainOnly(prefixes: ReadonlySet<string>): void {
    for (const id of this.#last.keys()) if (!prefixes.has(id.slice(0, id.lastIndexOf('\n')))) this.#last.delete(id);
  }
}

/** What is wrong with a drive now, in words (the count is the `failing` field). */
export function failingAttributes(r: SmartReading, rises: { reallocated: boolean; media_errors: boolean }): string[] {
  const failing: string[] = [];
  if (r.healthy === 0) failing.push('self-assessment failed');
  if (r.critical_warn !== null && r.critical_warn > 0) failing.push(`critical warning 0x${r.critical_warn.toString(16).padStart(2, '0')}`);
  if (r.pct_used !== null && r.pct_used >= WORN_OUT_PCT) failing.push(`${r.pct_used} % of its endurance used`);
  if (r.pending !== null && r.pending > 0) failing.push(`${r.pending} pending sectors`);
  if (rises.reallocated) failing.push('reallocated sectors rising');
  if (rises.media_errors) failing.push('media errors rising');
  return failing;
}

const NO_READING: SmartReading = { healthy: null, reallocated: null, pending: null, media_errors: null, pct_used: null, critical_warn: null, temperature: null };
const DENIED = /permission denied|operation not permitted/i;
const ASLEEP = /standby|sleep/i;

export function createSmartHealthCollector(options: SmartHealthOptions = {}): Collector {
  const root = options.root ?? '/';
  const log = options.log ?? silentLogger;
  const nowMs = options.nowMs ?? monotonicMs;
  const run = options.run ?? createSmartctlRunner();
  const locate = (): string | null => (options.smartctl !== undefined ? options.smartctl : findSmartctl());
  const rises = new CountRises();
  /** problems logged, so each is said once while it lasts */
  const reported = new Set<string>();
  let permissionDenied = false;
  let scanned: { devices: ScannedDevice[]; atMs: number; blockDevices: string } | null = null;
  /** each drive's last reading: a drive asleep keeps its health (not its temperature) until it wakes */
  const lastRead = new Map<string, SmartReading>();

  const reportOnce = (id: string, message: string, fields: Record<string, unknown> = {}): void => {
    if (reported.has(id)) return;
    reported.add(id);
    log.warn(`disk health: ${message}`, fields);
  };

  const blockDevices = (): string => {
    try {
      return readdirSync(path.join(root, 'sys/block')).join(' ');
    } catch {
      return '';
    }
  };

  /** The drives smartctl knows; null when smartctl itself is missing. */
  const devicesOf = async (program: string): Promise<ScannedDevice[] | null> => {
    const block = blockDevices();
    if (scanned && scanned.blockDevices === block && nowMs() - scanned.atMs < RESCAN_MS) return scanned.devices;
    const answer = await run(program, ['--scan', '--json=c']);
    if (!answer.ok) {
      if (answer.problem === 'missing') return null;
      reportOnce(`scan:${answer.problem}`, `smartctl --scan failed (${answer.problem}: ${answer.detail})`);
      return [];
    }
    const all = parseScan(answer.json).filter((d) => deviceKey(d).length <= METRICS_LIMITS.maxKeyLength);
    if (all.length > MAX_SMART_DEVICES) reportOnce('too-many', `${all.length} drives; the first ${MAX_SMART_DEVICES} are read`);
    scanned = { devices: all.slice(0, MAX_SMART_DEVICES), atMs: nowMs(), blockDevices: block };
    return scanned.devices;
  };

  /** Every drive smartctl may read, by key; marks the process as denied when none may be read for lack of permission. */
  const readWithSmartctl = async (program: string): Promise<Map<string, SmartReading> | null> => {
    const devices = await devicesOf(program);
    if (devices === null) return null;
    const readings = new Map<string, SmartReading>();
    const deadline = nowMs() + ROUND_BUDGET_MS;
    let denied = 0;
    for (const device of devices) {
      const key = deviceKey(device);
      if (nowMs() > deadline) {
        reportOnce('budget', `smartctl took over ${ROUND_BUDGET_MS / 1000} s for one round; the remaining drives wait for the next`, { device: device.name });
        break;
      }
      const typeArgs = device.type.includes(',') ? ['-d', device.type] : [];
      const answer = await run(program, ['--json=c', '-H', '-A', '-n', 'standby', ...typeArgs, device.name]);
      if (!answer.ok) {
        if (answer.problem === 'missing') return null;
        reportOnce(`run:${key}:${answer.problem}`, `smartctl on ${device.name} failed (${answer.problem}: ${answer.detail})`);
        continue;
      }
      const status = smartctlStatus(answer.json);
      if (status.messages.some((m) => DENIED.test(m))) {
        denied++;
        continue;
      }
      const reading = parseSmartctlJson(answer.json);
      const asleep = status.messages.some((m) => ASLEEP.test(m));
      if (hasReadings(reading)) {
        readings.set(key, reading);
        lastRead.set(key, reading);
        reported.delete(`nodata:${key}`);
      } else if (asleep) {
        // its health did not change in its sleep; sending it keeps a firing alert from going stale
        const last = lastRead.get(key);
        if (last) readings.set(key, { ...last, temperature: null });
      } else {
        reportOnce(`nodata:${key}`, `smartctl has no health data for ${device.name}: ${status.messages[0] ?? `exit status ${status.exitStatus ?? '?'}`}`);
      }
    }
    if (devices.length > 0 && denied === devices.length) {
      permissionDenied = true;
      reportOnce('permission', 'smartctl may not read the drives (Permission denied): it needs CAP_SYS_RAWIO and, for NVMe, CAP_SYS_ADMIN, '
        + 'which the agent\'s service does not grant; only the temperatures the kernel reports are sent. smartctl is not run again until the agent restarts');
    }
    return readings;
  };

  return {
    name: 'smart',
    async collect(t: number): Promise<Sample[]> {
      const program = permissionDenied ? null : locate();
      let readings = new Map<string, SmartReading>();
      if (program !== null) {
        const read = await readWithSmartctl(program);
        if (read === null) reportOnce('missing', `smartctl at ${program} could not be started; only the temperatures the kernel reports are sent`);
        else readings = read;
        if (read !== null && reported.delete('missing')) log.info('disk health: smartctl found', { smartctl: program });
      } else if (!permissionDenied) {
        reportOnce('missing', 'smartctl (smartmontools) is not installed or not on PATH; only the temperatures the kernel reports are sent');
      }
      for (const [key, celsius] of readDriveTemperatures(root)) {
        const reading = readings.get(key) ?? { ...NO_READING };
        reading.temperature ??= celsius;
        readings.set(key, reading);
      }
      if (readings.size === 0) {
        reportOnce('none', 'no drive reports its health or temperature here; nothing is sent');
        return [];
      }
      reported.delete('none');
      const atMs = nowMs();
      const samples: Sample[] = [];
      for (const [key, r] of readings) {
        const rising = { reallocated: rises.rose(`${key}\nreallocated`, r.reallocated, atMs), media_errors: rises.rose(`${key}\nmedia_errors`, r.media_errors, atMs) };
        // a drive known only by its temperature has no health to count: no `failing` (no alert, not "fine")
        const known = r.healthy !== null || r.critical_warn !== null || r.pending !== null || r.reallocated !== null || r.media_errors !== null || r.pct_used !== null;
        samples.push(makeSample(t, 'smart', { ...r, failing: known ? failingAttributes(r, rising).length : null }, key));
      }
      // a drive asleep this round keeps its reference counts: only drives gone from the machine are forgotten
      const present = new Set([...readings.keys(), ...(scanned?.devices.map(deviceKey) ?? [])]);
      rises.retainOnly(present);
      for (const key of lastRead.keys()) if (!present.has(key)) lastRead.delete(key);
      return samples;
    },
  };
}
