// Runs the service checks of the agent's configuration (S5, S6, S16, S18) on their schedules.
//
// - `apply` takes the complete list of each accepted configuration and compares by id: a check
//   whose definition is unchanged keeps running untouched (its CPU baseline, its open log file),
//   a changed one is replaced, a removed one stops (a run in progress finishes, its result is
//   dropped).
// - Schedule: a check runs at the whole seconds t with (t − phase) a multiple of its interval,
//   where the phase is a hash of its id (jitter that stays put across restarts and spreads a
//   thousand checks over their interval instead of stacking them on one second); every run is
//   half a second into its second, clear of the collectors' ticks on the second. Checks due in
//   the same second form a round: one timer, one message of results. Process and port checks
//   are stacked instead (phaseOfCheck): process checks at phase 0 to share one reading of /proc,
//   port checks in as few rounds as their concurrency allows (phase 0 up to 128 of one
//   interval), so that a round's fixed cost (the wake-up, the MQTT message and its
//   acknowledgement) is paid once an interval rather than every second. A result's `t` is its slot (the run began
//   then, or later only while waiting for its turn). A new check's first run comes within
//   min(interval, 10) seconds, not a whole interval later.
// - A check never overlaps itself: its next run is planned when a run ends, at the first slot
//   after that, so a run that overruns skips slots instead of queueing them.
// - Bounded concurrency, by what a check costs: port checks wait on the network (many at once),
//   scripts are processes (a few at once), process/log/quota checks are this process's own CPU
//   (one or two at a time, yielding to the event loop between them, so MQTT keeps flowing).
// - Every run has a deadline (its timeout plus a margin) after which it is reported UNKNOWN, so a
//   run that never settles cannot silence its check (one timer for all runs: run-deadlines.ts);
//   scripts are killed with their process group at their timeout (script-runner.ts) and when the
//   agent stops.
// - Results go to `onResults` once per round: when every check of the round has reported, or one
//   second after its first result, whichever comes first (a 30 s script does not hold back the
//   port checks that ran with it).
import type { AgentCheck, CheckResult } from '../../contract/check-definitions.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { createCheckRunner, timeoutMsOf, type CheckOutcome, type CheckRunner, type CheckRunnerContext } from './check-runners.js';
import { RunDeadlines } from './run-deadlines.js';

export type CheckKind = 'network' | 'process' | 'local';

/** checks of each kind running at once at most */
export const CHECK_CONCURRENCY: Record<CheckKind, number> = { network: 128, process: 8, local: 2 };

/** ms into the second at which a round runs */
export const ROUND_OFFSET_MS = 500;
/** a round's results are sent at the latest this long after its first one */
const ROUND_FLUSH_MS = 1000;
/** a run not settled this long after its timeout is reported UNKNOWN */
const DEADLINE_MARGIN_MS = 5000;
/** a new check's first run comes within this many seconds (or its interval, if shorter) */
const FIRST_RUN_SPREAD_S = 10;

export interface CheckSchedulerDeps {
  clock: Clock;
  log: Logger;
  context: CheckRunnerContext;
  /** one round's results */
  onResults: (results: CheckResult[]) => void;
  /** after each round (the caller persists log positions then) */
  onRoundEnd?: () => void;
  createRunner?: (check: AgentCheck, ctx: CheckRunnerContext) => CheckRunner;
  concurrency?: Partial<Record<CheckKind, number>>;
}

export interface CheckSchedulerStats {
  checks: number;
  runs: number;
  running: number;
  waiting: number;
  /** the longest a run started after its slot (waiting for its turn), ms */
  lateMs: number;
}

export interface CheckScheduler {
  /** Switches to this list of checks (the configuration's complete list). */
  apply(checks: readonly AgentCheck[]): void;
  /** Stops planning runs, waits (bounded) for those in progress, releases every runner. */
  stop(): Promise<void>;
  stats(): CheckSchedulerStats;
}

interface Entry {
  check: AgentCheck;
  key: string;
  kind: CheckKind;
  runner: CheckRunner;
  phaseS: number;
  active: boolean;
  /** queued or running */
  busy: boolean;
  /** the slot it is planned for, null when none */
  slotS: number | null;
}

interface Round {
  /** the slot (unix s) its checks were planned for: their results' `t` */
  slotS: number;
  expected: number;
  results: CheckResult[];
  flushTimer: unknown;
}

export function kindOf(check: AgentCheck): CheckKind {
  return check.type === 'port' ? 'network' : check.type === 'script' ? 'process' : 'local';
}

/**
 * A stable spread of a check over its interval: 0 … intervalS − 1 seconds, from its id (FNV-1a:
 * node:crypto would cost the agent ~1.4 MB of RSS for this alone).
 */
export function phaseOf(id: string, intervalS: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % intervalS;
}

/**
 * A check's phase. Process checks all take phase 0 instead of their own: one reading of /proc
 * (process-table.ts) serves every process check of a round, so spreading them would read /proc in
 * every second of their interval (ten readings per 10 s for 50 checks, a whole top-processes pass
 * each), where stacking them costs one; and at phase 0 their rounds fall half a second after the
 * collectors' ticks on multiples of the interval, where the top-processes collector's own
 * reading, when it runs then, is reused.
 *
 * Port checks are stacked in rounds of up to CHECK_CONCURRENCY.network (as many as run at once,
 * so stacking them makes none wait): `portChecksOfInterval` (the configuration's port checks of
 * this interval) over that many is the number of rounds, evenly spaced over the interval, and
 * the id's hash picks one. Up to 128 they all take phase 0, the process checks' round: 50 port
 * and 50 process checks every 10 s then make one round and one message per 10 s instead of ten,
 * each with its MQTT write, its acknowledgement and its wake-up (docs/benchmarks.md, "Checks
 * stacked in rounds").
 */
export function phaseOfCheck(check: Pick<AgentCheck, 'id' | 'type' | 'intervalS'>, portChecksOfInterval = 1): number {
  if (check.type === 'process') return 0;
  if (check.type === 'port') {
    const rounds = Math.min(check.intervalS, Math.ceil(portChecksOfInterval / CHECK_CONCURRENCY.network));
    return Math.floor((phaseOf(check.id, rounds) * check.intervalS) / rounds);
  }
  return phaseOf(check.id, check.intervalS);
}

/** Port checks per interval in a list of checks: what their phases are spread by (phaseOfCheck). */
function portChecksByInterval(checks: readonly AgentCheck[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const c of checks) if (c.type === 'port') counts.set(c.intervalS, (counts.get(c.intervalS) ?? 0) + 1);
  return counts;
}

/** The first slot (unix s) strictly after `afterS` for a check of this interval and phase. */
export function nextSlot(afterS: number, intervalS: number, phaseS: number): number {
  const k = Math.floor((afterS - phaseS) / intervalS) + 1;
  return k * intervalS + phaseS;
}

export function createCheckScheduler(deps: CheckSchedulerDeps): CheckScheduler {
  const { clock, log } = deps;
  const makeRunner = deps.createRunner ?? createCheckRunner;
  const limits: Record<CheckKind, number> = { ...CHECK_CONCURRENCY, ...deps.concurrency };
  const entries = new Map<string, Entry>();
  /** slot (unix s) → the checks planned for it; `slots` holds its keys, sorted */
  const planned = new Map<number, Entry[]>();
  const slots: number[] = [];
  let timer: unknown = null;
  let timerSlot: number | null = null;
  let stopped = false;
  const running: Record<CheckKind, number> = { network: 0, process: 0, local: 0 };
  const waiting: Record<CheckKind, { entry: Entry; round: Round }[]> = { network: [], process: [], local: [] };
  /** called when the last run in progress has ended (stop() waits for it) */
  let onIdle: (() => void) | null = null;
  const deadlines = new RunDeadlines(clock);
  /** aborted when the agent stops: scripts in progress are killed with their process group */
  const stopping = new AbortController();
  let runs = 0;
  let lateMs = 0;

  const nowS = (): number => Math.floor(clock.now() / 1000);

  const plan = (entry: Entry, slotS: number): void => {
    entry.slotS = slotS;
    const list = planned.get(slotS);
    if (list) {
      list.push(entry);
    } else {
      planned.set(slotS, [entry]);
      // binary insertion: a few thousand slots at most
      let lo = 0;
      let hi = slots.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((slots[mid] as number) < slotS) lo = mid + 1;
        else hi = mid;
      }
      slots.splice(lo, 0, slotS);
    }
    arm();
  };

  /** One timer, for the earliest planned slot. */
  const arm = (): void => {
    if (stopped) return;
    const first = slots[0];
    if (first === undefined || first === timerSlot) return;
    if (timer !== null) clock.clearTimeout(timer);
    timerSlot = first;
    timer = clock.setTimeout(() => fire(first), Math.max(0, first * 1000 + ROUND_OFFSET_MS - clock.now()));
  };

  const fire = (slotS: number): void => {
    timer = null;
    timerSlot = null;
    if (stopped) return;
    // a timer may fire a moment early
    if (clock.now() < slotS * 1000 + ROUND_OFFSET_MS) {
      arm();
      return;
    }
    const due: Entry[] = [];
    while (slots.length > 0 && (slots[0] as number) <= slotS) {
      const s = slots.shift() as number;
      for (const e of planned.get(s) ?? []) if (e.active && e.slotS === s) due.push(e);
      planned.delete(s);
    }
    startRound(slotS, due);
    arm();
  };

  const startRound = (slotS: number, due: Entry[]): void => {
    const round: Round = { slotS, expected: 0, results: [], flushTimer: null };
    for (const entry of due) {
      entry.slotS = null;
      // planned only once its last run ended, so never busy here; kept as the guard of "never overlaps"
      if (entry.busy) continue;
      entry.busy = true;
      round.expected++;
      waiting[entry.kind].push({ entry, round });
    }
    if (round.expected === 0) return;
    for (const kind of ['network', 'process', 'local'] as const) pump(kind);
  };

  const pump = (kind: CheckKind): void => {
    while (running[kind] < limits[kind] && waiting[kind].length > 0 && !stopped) {
      const next = waiting[kind].shift() as { entry: Entry; round: Round };
      running[kind]++;
      // this process's own CPU work goes one macrotask at a time: MQTT and the collectors' timers
      // run between two checks
      if (kind === 'local') setImmediate(start, next.entry, next.round);
      else start(next.entry, next.round);
    }
  };

  /**
   * Runs a check once and settles it once: by its outcome, its failure, or its deadline, whichever
   * comes first (callbacks rather than an async function and a promise around each run: the
   * scheduler's own allocations per run, which a round of a hundred checks promotes; run-deadlines.ts).
   */
  const start = (entry: Entry, round: Round): void => {
    // how long it waited for its turn (the benchmark and the log show whether the limits keep up)
    lateMs = Math.max(lateMs, clock.now() - (round.slotS * 1000 + ROUND_OFFSET_MS));
    const deadlineMs = timeoutMsOf(entry.check) + DEADLINE_MARGIN_MS;
    let settled = false;
    const settle = (outcome: CheckOutcome): void => {
      if (settled) return;
      settled = true;
      deadlines.release(deadline);
      end(entry, round, outcome);
    };
    const failed = (error: unknown): void => {
      settle({ state: 'unknown', output: `check failed: ${(error as Error).message}`.slice(0, 1024), longOutput: '', perfdata: [], durationMs: 0 });
    };
    const deadline = deadlines.add(deadlineMs, () => settle({
      state: 'unknown', output: `the check did not finish within ${(deadlineMs / 1000).toFixed(0)} s`, longOutput: '', perfdata: [], durationMs: deadlineMs,
    }));
    try {
      entry.runner.run(stopping.signal).then(settle, failed);
    } catch (error) {
      failed(error);
    }
  };

  const end = (entry: Entry, round: Round, outcome: CheckOutcome): void => {
    runs++;
    entry.busy = false;
    if (entry.active) {
      const result: CheckResult = {
        id: entry.check.id, t: round.slotS, state: outcome.state, output: outcome.output,
        ...(outcome.longOutput !== '' ? { longOutput: outcome.longOutput } : {}),
        ...(outcome.perfdata.length > 0 ? { perfdata: outcome.perfdata } : {}),
        durationMs: Math.round(outcome.durationMs * 1000) / 1000,
      };
      round.results.push(result);
      // never sooner than one interval after this run's slot: the first run (brought forward)
      // is not followed by another a second later
      if (!stopped) plan(entry, nextSlot(Math.max(nowS(), round.slotS + entry.check.intervalS - 1), entry.check.intervalS, entry.phaseS));
    } else {
      entry.runner.close();
    }
    round.expected--;
    if (round.expected === 0) flush(round);
    else if (round.flushTimer === null && round.results.length > 0) round.flushTimer = clock.setTimeout(() => flush(round), ROUND_FLUSH_MS);
    running[entry.kind]--;
    if (onIdle && running.network + running.process + running.local === 0) onIdle();
    pump(entry.kind);
  };

  const flush = (round: Round): void => {
    if (round.flushTimer !== null) clock.clearTimeout(round.flushTimer);
    round.flushTimer = null;
    const results = round.results;
    round.results = [];
    if (results.length > 0) {
      try {
        deps.onResults(results);
      } catch (error) {
        log.error('handing over check results failed', { error });
      }
    }
    try {
      deps.onRoundEnd?.();
    } catch (error) {
      log.error('after a round of checks', { error });
    }
  };

  const retire = (entry: Entry): void => {
    entry.active = false;
    // one waiting for its turn is dropped; one running closes its runner when it ends
    for (const kind of ['network', 'process', 'local'] as const) {
      const i = waiting[kind].findIndex((w) => w.entry === entry);
      if (i >= 0) {
        const [w] = waiting[kind].splice(i, 1);
        entry.busy = false;
        if (w) {
          w.round.expected--;
          if (w.round.expected === 0) flush(w.round);
        }
      }
    }
    if (!entry.busy) entry.runner.close();
  };

  return {
    apply(checks: readonly AgentCheck[]): void {
      if (stopped) return;
      const next = new Map(checks.map((c) => [c.id, c]));
      const before = entries.size;
      let changed = 0;
      let removed = 0;
      for (const [id, entry] of entries) {
        const check = next.get(id);
        if (check && JSON.stringify(check) === entry.key) continue;
        retire(entry);
        entries.delete(id);
        if (check) changed++;
        else removed++;
      }
      const now = nowS();
      const ports = portChecksByInterval(checks);
      for (const check of checks) {
        const phaseS = phaseOfCheck(check, ports.get(check.intervalS));
        const kept = entries.get(check.id);
        if (kept) {
          // more or fewer port checks may move it to another round: from its next run on (its
          // next slot is then planned at least one interval after the last)
          kept.phaseS = phaseS;
          continue;
        }
        const entry: Entry = {
          check, key: JSON.stringify(check), kind: kindOf(check),
          runner: makeRunner(check, deps.context), phaseS,
          active: true, busy: false, slotS: null,
        };
        entries.set(check.id, entry);
        // the first run soon, spread like the later ones
        plan(entry, now + 1 + (entry.phaseS % Math.min(check.intervalS, FIRST_RUN_SPREAD_S)));
      }
      const added = entries.size - (before - removed);
      if (added > 0 || changed > 0 || removed > 0) log.info('checks applied', { checks: entries.size, added, changed, removed });
    },

    async stop(): Promise<void> {
      stopped = true;
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      for (const kind of ['network', 'process', 'local'] as const) waiting[kind].length = 0;
      stopping.abort();
      if (running.network + running.process + running.local > 0) {
        let bound: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          onIdle = resolve;
          bound = setTimeout(resolve, 3000);
        });
        clearTimeout(bound);
        onIdle = null;
      }
      deadlines.close();
      for (const entry of entries.values()) {
        entry.active = false;
        entry.runner.close();
      }
      entries.clear();
    },

    stats(): CheckSchedulerStats {
      return {
        checks: entries.size, runs, lateMs,
        running: running.network + running.process + running.local,
        waiting: waiting.network.length + waiting.process.length + waiting.local.length,
      };
    },
  };
}
