// The appliance's probes as one feature (S5; docs/conventions.md 2): the scheduler, the probe
// runners and the shared fping runs, started and stopped together. The composition root builds it
// with the checks store as both the source of the definitions and the sink of the results:
//   const probes = new ApplianceProbes({ source: checks, sink: checks, clock, logger: logger.child('probes') });
// and hands the store's recorded runs to the alert engine (`engine.onCheckRun`).
import type { CheckRunSink, ProbeDefinitionSource } from '../check-runs.js';
import type { Clock } from '../../../core/clock.js';
import type { Logger } from '../../../core/logger.js';
import { FpingBatch } from './fping-batch.js';
import { ProbeScheduler, type ProbeSchedulerStats } from './probe-scheduler.js';
import { runProbe } from './run-probe.js';

export interface ApplianceProbesDeps {
  source: ProbeDefinitionSource;
  sink: CheckRunSink;
  clock: Clock;
  logger: Logger;
  /** runs at a time (default 64) */
  maxConcurrent?: number;
  /** default: fping on PATH */
  fpingPath?: string;
  /** where in its interval each probe first runs (default Math.random; a test's () => 0 runs all at once) */
  random?: () => number;
}

export class ApplianceProbes {
  private readonly fping: FpingBatch;
  private readonly scheduler: ProbeScheduler;

  constructor(deps: ApplianceProbesDeps) {
    this.fping = new FpingBatch(deps.fpingPath !== undefined ? { fpingPath: deps.fpingPath } : {});
    this.scheduler = new ProbeScheduler({
      source: deps.source, sink: deps.sink, clock: deps.clock, logger: deps.logger,
      run: (definition, nowS) => runProbe(definition, nowS, this.fping),
      ...(deps.maxConcurrent !== undefined ? { maxConcurrent: deps.maxConcurrent } : {}),
      ...(deps.random !== undefined ? { random: deps.random } : {}),
    });
  }

  start(): void {
    this.scheduler.start();
  }

  stop(): void {
    this.scheduler.stop();
    this.fping.stop();
  }

  stats(): ProbeSchedulerStats {
    return this.scheduler.stats();
  }
}
