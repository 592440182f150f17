// Runs every collector for one sampling instant and gathers their samples into one list (one
// metrics batch). A failing collector is logged under its name and the others still run; the
// failure is logged when it starts and when it ends, not at every interval.
import type { MetricsBatch, Sample } from '../contract/metrics.js';
import type { Logger } from '../core/logger.js';
import type { Collector } from './collectors/collector.js';

export interface SamplerDeps {
  collectors: readonly Collector[];
  log: Logger;
}

export interface Sampler {
  /** Samples of every collector that succeeded, stamped `t` (unix seconds). Never rejects. */
  sample(t: number): Promise<Sample[]>;
}

export function createSampler(deps: SamplerDeps): Sampler {
  const failing = new Set<string>();
  return {
    async sample(t: number): Promise<Sample[]> {
      const samples: Sample[] = [];
      // One after the other: the collectors are mostly sync reads, and running them in turn
      // keeps the agent's CPU burst as short and flat as it can be.
      for (const collector of deps.collectors) {
        try {
          samples.push(...await collector.collect(t));
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
      return samples;
    },
  };
}

/**
 * Samples per batch: well inside the contract's 2,000 samples and, at ~150 bytes a sample, its
 * 256 KiB payload limit, even on a host with hundreds of interfaces.
 */
export const SAMPLES_PER_BATCH = 1000;

/** One sampling round as contract batches (usually exactly one; none when there is nothing). */
export function toBatches(samples: readonly Sample[], intervalS: number, perBatch = SAMPLES_PER_BATCH): MetricsBatch[] {
  const batches: MetricsBatch[] = [];
  for (let start = 0; start < samples.length; start += perBatch) {
    batches.push({ v: 1, i: intervalS, s: samples.slice(start, start + perBatch) });
  }
  return batches;
}
