// Collector schedules (S2): which collectors run, and how often. Collectors with the same interval
// form a group with its own scheduler, aligned to multiples of that interval (so a slow group,
// e.g. filesystems waiting on a dead NFS server, never delays another). `apply` takes a complete
// set of settings and switches to it without a restart: schedulers are rebuilt, collectors that
// stay enabled keep their state (rate baselines), a newly enabled one starts with a fresh
// baseline, a disabled one is dropped.
import { COLLECTOR_NAMES, type CollectorName } from '../contract/families.js';
import type { CollectorSetting } from '../contract/agent-config-mini.js';
import type { MetricsBatch } from '../contract/metrics.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { AnyCollector } from './collectors/collector.js';
import { BatchAssembler, createSampler } from './sampler.js';
import { createScheduler, type Scheduler } from './scheduler.js';

export type CollectorSettings = Record<CollectorName, CollectorSetting>;

export interface CollectionPlanDeps {
  clock: Clock;
  log: Logger;
  createCollector: (name: CollectorName) => AnyCollector;
  onBatch: (batch: MetricsBatch) => void;
  /** see BatchAssemblerDeps.defer; a 0 ms timer of `clock` by default */
  defer?: (fn: () => void) => void;
}

export interface CollectionPlan {
  /** Switches to `settings`; resolves once the new schedules run. Calls are applied in order. */
  apply(settings: CollectorSettings): Promise<void>;
  /** Stops every scheduler and waits for running rounds. */
  stop(): Promise<void>;
  /**
   * Samples the enabled ones of `names` now and sends their snapshot parts as a batch of their own
   * (S1, S15): after connecting, the appliance gets routes and visitors at once instead of after
   * their first period (300 s, 30 s). Their schedules go on as before. Never rejects.
   */
  sampleNow(names: readonly CollectorName[]): Promise<void>;
  /** interval → collector names of each running group, shortest first */
  groups(): [number, CollectorName[]][];
  /** the shortest interval of an enabled collector (the batches' `i`), null when none is enabled */
  readonly baseIntervalS: number | null;
}

/** Enabled collectors grouped by interval, shortest first, in the contract's collector order. */
export function groupByInterval(settings: CollectorSettings): [number, CollectorName[]][] {
  const groups = new Map<number, CollectorName[]>();
  for (const name of COLLECTOR_NAMES) {
    const setting = settings[name];
    if (!setting.enabled) continue;
    const group = groups.get(setting.intervalS) ?? [];
    group.push(name);
    groups.set(setting.intervalS, group);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]);
}

export function createCollectionPlan(deps: CollectionPlanDeps): CollectionPlan {
  const { clock, log } = deps;
  const instances = new Map<CollectorName, AnyCollector>();
  const failing = new Set<string>();
  let schedulers: Scheduler[] = [];
  let current: [number, CollectorName[]][] = [];
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();
  // an instant's batch waits for every group due then (see BatchAssembler)
  const assembler = new BatchAssembler(1, {
    onBatch: deps.onBatch,
    defer: deps.defer ?? ((fn) => { clock.setTimeout(fn, 0); }),
    wait: (fn, ms) => { clock.setTimeout(fn, ms); },
  });

  const stopSchedulers = async (): Promise<void> => {
    const old = schedulers;
    schedulers = [];
    await Promise.all(old.map((s) => s.stop()));
  };

  const applyNow = async (settings: CollectorSettings): Promise<void> => {
    await stopSchedulers();
    if (stopped) return;
    const groups = groupByInterval(settings);
    const enabled = new Set(groups.flatMap(([, names]) => names));
    for (const [name, collector] of instances) {
      if (enabled.has(name)) continue;
      instances.delete(name);
      collector.release?.();
    }
    const fresh: AnyCollector[] = [];
    for (const name of enabled) {
      if (instances.has(name)) continue;
      const collector = deps.createCollector(name);
      instances.set(name, collector);
      fresh.push(collector);
    }
    // A first, unpublished round gives the rate collectors (cpu, net, disk, top) their baseline,
    // so their first published values are already complete.
    if (fresh.length > 0) await createSampler({ collectors: fresh, log, failing }).sample(0);
    if (stopped) return;
    current = groups;
    assembler.baseIntervalS = groups[0]?.[0] ?? 1;
    /** how many groups tick at instant `t` (the schedulers align to multiples of their interval) */
    const dueAt = (t: number): number => groups.reduce((n, [intervalS]) => n + (t % intervalS === 0 ? 1 : 0), 0);
    for (const [intervalS, names] of groups) {
      const sampler = createSampler({ collectors: names.map((n) => instances.get(n)).filter((c) => c !== undefined), log, failing });
      const scheduler = createScheduler({
        clock, intervalS, log: log.child(`every ${intervalS}s`),
        tick: async (t) => { assembler.add(t, intervalS, await sampler.sample(t), dueAt(t)); },
      });
      schedulers.push(scheduler);
      scheduler.start();
    }
    log.info('collector schedules', {
      groups: Object.fromEntries(groups.map(([intervalS, names]) => [`${intervalS}s`, names])),
      off: COLLECTOR_NAMES.filter((n) => !enabled.has(n)),
    });
  };

  return {
    apply(settings: CollectorSettings): Promise<void> {
      const run = chain.then(() => applyNow(settings));
      chain = run.catch(() => undefined);
      return run;
    },
    async stop(): Promise<void> {
      stopped = true;
      await chain;
      await stopSchedulers();
      for (const collector of instances.values()) collector.release?.();
      instances.clear();
      assembler.flush();
    },
    sampleNow(names: readonly CollectorName[]): Promise<void> {
      const run = chain.then(async () => {
        const collectors = names.map((n) => instances.get(n)).filter((c) => c !== undefined);
        if (stopped || collectors.length === 0) return;
        const t = Math.floor(clock.now() / 1000);
        const round = await createSampler({ collectors, log, failing }).sample(t);
        if (stopped || !round.snapshot) return;
        assembler.add(t, assembler.baseIntervalS, { samples: [], snapshot: round.snapshot });
      });
      chain = run.catch(() => undefined);
      return chain;
    },
    groups: () => current.map(([intervalS, names]) => [intervalS, [...names]]),
    get baseIntervalS(): number | null {
      return current[0]?.[0] ?? null;
    },
  };
}
