// Runs a group of collectors for one sampling instant and gathers what they return: samples (their
// values at the precision they are sent with, contract/value-precision.ts), and snapshot parts
// (routes, top processes, visitors). A failing collector is logged under its name
// and the others still run; the failure is logged when it starts and when it ends, not at every
// interval.
//
// Then `BatchAssembler` turns the rounds of all interval groups into contract batches: rounds of
// the same instant (groups whose intervals are both due at t fire together) become one batch.
// A batch's `i` is always the agent's base interval (its shortest), so the appliance sees one
// steady interval for the agent; a sample from a collector with another interval carries that
// interval as its own `i` (contract/metrics.ts), which is the step of the RRD file it goes to.
import type { MetricsBatch, Sample } from '../contract/metrics.js';
import { roundValuesInPlace } from '../contract/value-precision.js';
import type { Logger } from '../core/logger.js';
import { isSnapshotCollector, type AnyCollector, type SnapshotParts } from './collectors/collector.js';

export interface SamplerDeps {
  collectors: readonly AnyCollector[];
  log: Logger;
  /** names of collectors currently failing; shared by the samplers of every group */
  failing?: Set<string>;
}

export interface Round {
  samples: Sample[];
  /** merged snapshot parts, null when no snapshot collector ran or all failed */
  snapshot: SnapshotParts | null;
}

export interface Sampler {
  /** What every collector that succeeded returned for instant `t` (unix seconds). Never rejects. */
  sample(t: number): Promise<Round>;
}

export function createSampler(deps: SamplerDeps): Sampler {
  const failing = deps.failing ?? new Set<string>();
  return {
    async sample(t: number): Promise<Round> {
      const round: Round = { samples: [], snapshot: null };
      // One after the other: the collectors are mostly sync reads, and running them in turn
      // keeps the agent's CPU burst as short and flat as it can be.
      for (const collector of deps.collectors) {
        try {
          if (isSnapshotCollector(collector)) {
            round.snapshot = { ...round.snapshot, ...await collector.snapshot(t) };
          } else {
            // a collector's samples are new objects at every call (collector.ts): rounded in place
            for (const sample of await collector.collect(t)) {
              roundValuesInPlace(sample.v);
              round.samples.push(sample);
            }
          }
          if (failing.delete(collector.name)) deps.log.info('collector recovered', { collector: collector.name });
        } catch (error) {
          if (!failing.has(collector.name)) {
            failing.add(collector.name);
            deps.log.error('collector failed; the other collectors still run', { collector: collector.name, error });
          } else {
            deps.log.debug('collector still failing', { collector: collector.name, error });
          }
        }
      }
      return round;
    },
  };
}

/**
 * Samples per batch: well inside the contract's 2,000 samples and, at ~150 bytes a sample, its
 * 256 KiB payload limit, even on a host with hundreds of interfaces.
 */
export const SAMPLES_PER_BATCH = 1000;

/** One instant's samples (each with its interval) and snapshot as contract batches. */
export function toBatches(
  t: number,
  samples: readonly { sample: Sample; intervalS: number }[],
  snapshot: SnapshotParts | null,
  baseIntervalS: number,
  perBatch = SAMPLES_PER_BATCH,
): MetricsBatch[] {
  const labelled = samples.map(({ sample, intervalS }) => (intervalS === baseIntervalS ? sample : { ...sample, i: intervalS }));
  const hasSnapshot = snapshot !== null && Object.keys(snapshot).length > 0;
  const batches: MetricsBatch[] = [];
  for (let start = 0; start < labelled.length; start += perBatch) {
    batches.push({ v: 1, i: baseIntervalS, s: labelled.slice(start, start + perBatch) });
  }
  if (hasSnapshot) {
    const first = batches[0];
    if (first) first.x = { t, ...snapshot };
    else batches.push({ v: 1, i: baseIntervalS, s: [], x: { t, ...snapshot } });
  }
  return batches;
}

export interface BatchAssemblerDeps {
  /** receives each batch, oldest instant first */
  onBatch: (batch: MetricsBatch) => void;
  /** runs `fn` after every timer due now has fired (setImmediate): rounds of one instant meet there */
  defer?: (fn: () => void) => void;
  /** runs `fn` after `ms` (setTimeout): how long an instant waits for a group still collecting */
  wait?: (fn: () => void, ms: number) => void;
}

interface PendingInstant {
  samples: { sample: Sample; intervalS: number }[];
  snapshot: SnapshotParts | null;
  /** groups that have handed in their round, and how many are due at this instant */
  reported: number;
  expected: number;
  waiting: boolean;
}

/**
 * Gathers the rounds of the collector groups due at one instant into one batch. An instant is
 * handed over once every group due then has reported; a group still collecting (an async
 * collector: the TCP tables through netlink, statfs on a slow mount) is waited for at most
 * half an interval (2 s at most), and then its round goes in a batch of its own. Instants are
 * always handed over oldest first: a family's older sample must reach the appliance before its
 * newer one, which its RRD file would otherwise refuse.
 */
export class BatchAssembler {
  readonly #deps: BatchAssemblerDeps;
  readonly #pending = new Map<number, PendingInstant>();
  #scheduled = false;
  /** the agent's shortest collector interval: every batch's `i` */
  baseIntervalS: number;

  constructor(baseIntervalS: number, deps: BatchAssemblerDeps) {
    this.baseIntervalS = baseIntervalS;
    this.#deps = deps;
  }

  /** One group's round for instant `t`; `expected`: how many groups are due at `t`. */
  add(t: number, intervalS: number, round: Round, expected = 1): void {
    let entry = this.#pending.get(t);
    if (!entry) {
      entry = { samples: [], snapshot: null, reported: 0, expected, waiting: false };
      this.#pending.set(t, entry);
    }
    entry.reported++;
    entry.expected = Math.max(entry.expected, expected);
    for (const sample of round.samples) entry.samples.push({ sample, intervalS });
    if (round.snapshot) entry.snapshot = { ...entry.snapshot, ...round.snapshot };
    if (entry.reported >= entry.expected) {
      if (!this.#scheduled) {
        this.#scheduled = true;
        (this.#deps.defer ?? setImmediate)(() => {
          this.#scheduled = false;
          this.#flushThrough(this.#newestComplete());
        });
      }
    } else if (!entry.waiting) {
      entry.waiting = true;
      const waitMs = Math.min(2000, this.baseIntervalS * 500);
      (this.#deps.wait ?? ((fn, ms) => { setTimeout(fn, ms); }))(() => { this.#flushThrough(t); }, waitMs);
    }
  }

  /** Hands every pending instant over as batches now. */
  flush(): void {
    this.#flushThrough(Infinity);
  }

  #newestComplete(): number {
    let newest = -Infinity;
    for (const [t, entry] of this.#pending) if (entry.reported >= entry.expected && t > newest) newest = t;
    return newest;
  }

  /** Hands over every pending instant up to `last`, oldest first. */
  #flushThrough(last: number): void {
    const instants = [...this.#pending.keys()].filter((t) => t <= last).sort((a, b) => a - b);
    for (const t of instants) {
      const entry = this.#pending.get(t);
      this.#pending.delete(t);
      if (!entry) continue;
      for (const batch of toBatches(t, entry.samples, entry.snapshot, this.baseIntervalS)) this.#deps.onBatch(batch);
    }
  }
}
