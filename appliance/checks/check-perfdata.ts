// Service checks' performance data in RRD (S5, S18: a watched process's CPU and memory, a port's
// connect time, graphable in the server panel): one file per (check, agent or appliance, label),
// as the `check` family (contract/families.ts) keyed "<checkId>/<label>", in the agent's RRD
// directory, so it counts against the agent's series quota (docs/bounds.md); the appliance's
// own probes write under APPLIANCE_SERIES_DIR, a name no agent id can take (ids are hex).
// The step is the check's interval, within what an RRD step may be (at most an hour: a check
// that runs less often leaves gaps between its values).
import { METRICS_LIMITS, type Sample } from '../../contract/metrics.js';
import type { Logger } from '../../core/logger.js';
import { RateLimitedLog } from '../../core/rate-limited-log.js';
import type { CheckRun } from './check-runs.js';
import type { StoredCheck } from './check-repository.js';
import type { PerfdataWriter } from './check-results.js';

export const APPLIANCE_SERIES_DIR = '_appliance';

/** The series key of one perfdata label of one check. */
export function perfdataKey(checkId: string, label: string): string {
  return `${checkId}/${label}`;
}

/** The RRD directory of a run's perfdata: its agent's, or the appliance's for a probe. */
export function perfdataDir(agentId: string | null): string {
  return agentId ?? APPLIANCE_SERIES_DIR;
}

export function perfdataStep(intervalS: number): number {
  return Math.min(METRICS_LIMITS.maxIntervalS, Math.max(METRICS_LIMITS.minIntervalS, Math.round(intervalS)));
}

/** The samples of one run: its perfdata with a value (a `U` value is left out: a gap). */
export function perfdataSamples(run: CheckRun): Sample[] {
  const t = run.result.t;
  return (run.result.perfdata ?? []).filter((p) => p.value !== null).map((p) => ({ t, f: 'check', k: perfdataKey(run.checkId, p.label), v: { value: p.value as number } }));
}

/**
 * A PerfdataWriter over the RRD store's write. Not awaited by the results' path: the state is
 * what must arrive within a second; a value rrdcached refuses (not newer than the file's last, a
 * label too long for a file name, beyond the quota) is counted by the store.
 */
export function perfdataWriter(write: (dir: string, stepS: number, samples: Sample[]) => Promise<unknown>, logger: Logger): PerfdataWriter {
  const failures = new RateLimitedLog(60_000);
  return (check: StoredCheck, run: CheckRun) => {
    const samples = perfdataSamples(run);
    if (samples.length === 0) return;
    write(perfdataDir(run.agentId), perfdataStep(check.definition.interval), samples).catch((e: unknown) => {
      failures.maybe(() => logger.warn('could not store a check\'s perfdata (further failures are not logged for a minute)', { checkId: check.id, agentId: run.agentId, err: e }));
    });
  };
}

/** Removes a check's perfdata files where it no longer runs (deleted, or moved away); never throws. */
export type PerfdataRemover = (checkId: string, agentIds: readonly (string | null)[]) => void;

export function perfdataRemover(removeSeries: (dir: string, family: 'check', keyPrefix: string) => Promise<number>, logger: Logger): PerfdataRemover {
  return (checkId, agentIds) => {
    for (const agentId of new Set(agentIds)) {
      removeSeries(perfdataDir(agentId), 'check', perfdataKey(checkId, '')).then((n) => {
        if (n > 0) logger.info('removed a check\'s perfdata files', { checkId, agentId, files: n });
      }, (e: unknown) => logger.warn('could not remove a check\'s perfdata files', { checkId, agentId, err: e }));
    }
  };
}
