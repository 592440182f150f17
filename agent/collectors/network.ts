// Network collector (S1, family `net`, keyed by interface name): per-second rates of the
// /proc/net/dev counters, and whether the link is up, for every interface except loopback.
import type { FieldOf, Sample } from '../../contract/metrics.js';
import { perSecond, RateTracker } from '../rate-tracker.js';
import { makeSample, monotonicMs, readRootFile, type Collector, type ProcCollectorOptions } from './collector.js';

/** The counter fields of the `net` family (all but the `up` gauge). */
export type NetCounterField = Exclude<FieldOf<'net'>, 'up'>;
export type NetCounters = Record<NetCounterField, number>;

/**
 * Column of each contract field in the 16 numbers after "iface:" (8 receive, then 8 transmit:
 * bytes packets errs drop fifo frame|colls compressed multicast|carrier compressed).
 */
const NET_COLUMNS: Record<NetCounterField, number> = {
  rx_bytes: 0, rx_packets: 1, rx_errs: 2, rx_drop: 3,
  tx_bytes: 8, tx_packets: 9, tx_errs: 10, tx_drop: 11, colls: 13,
};

/**
 * Parses /proc/net/dev into interface → counters. Splits at the first ':' rather than on
 * whitespace because old kernels print a large first counter glued to it ("eth0:4093487").
 * Interface names cannot contain ':' (the kernel rejects them), so the first one is the separator.
 */
export function parseNetDev(text: string): Map<string, NetCounters> {
  const interfaces = new Map<string, NetCounters>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue; // the two header lines
    const name = line.slice(0, colon).trim();
    const numbers = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (!name || numbers.length < 16 || numbers.some((n) => !Number.isFinite(n))) continue;
    const counters = {} as NetCounters;
    for (const [field, column] of Object.entries(NET_COLUMNS) as [NetCounterField, number][]) {
      counters[field] = numbers[column] ?? 0;
    }
    interfaces.set(name, counters);
  }
  return interfaces;
}

/** Loopback traffic is the host talking to itself; it says nothing about the server's network. */
export function isMonitoredInterface(name: string): boolean {
  return name !== 'lo';
}

/**
 * 1 when the link is up, from sysfs (see Documentation/networking/operstates.rst). Drivers that
 * do not track the state (tun, some virtual NICs) report "unknown": the carrier decides there.
 * A missing file (the interface vanished meanwhile) reads as down.
 */
export function readLinkUp(root: string, name: string): 0 | 1 {
  try {
    const state = readRootFile(root, `sys/class/net/${name}/operstate`).trim();
    if (state !== 'unknown') return state === 'up' ? 1 : 0;
    return readRootFile(root, `sys/class/net/${name}/carrier`).trim() === '1' ? 1 : 0;
  } catch {
    return 0;
  }
}

export function createNetworkCollector(options: ProcCollectorOptions = {}): Collector {
  const root = options.root ?? '/';
  const nowMs = options.nowMs ?? monotonicMs;
  const tracker = new RateTracker<NetCounterField>();
  return {
    name: 'net',
    collect(t: number): Sample[] {
      const interfaces = parseNetDev(readRootFile(root, 'proc/net/dev'));
      const atMs = nowMs();
      const samples: Sample[] = [];
      const present = new Set<string>();
      for (const [name, counters] of interfaces) {
        if (!isMonitoredInterface(name)) continue;
        present.add(name);
        const delta = tracker.update(name, atMs, counters);
        if (delta) samples.push(makeSample(t, 'net', { ...perSecond(delta), up: readLinkUp(root, name) }, name));
      }
      tracker.retainOnly(present);
      return samples;
    },
  };
}
