// The log check (S5): the new lines of a file (followed like `tail -F`, log-follower.ts) tested
// against the check's patterns, each with a severity; the state of a run is the worst severity
// that matched in it, the first matching lines are its long output, and the counts its perfdata.
// The read position is saved after every run, so a restart of the agent neither re-reads nor
// skips lines.
import type { CheckState, Perfdatum } from '../../contract/checks.js';
import { CHECK_LIMITS } from '../../contract/checks.js';
import type { LinearPattern } from '../../core/linear-pattern.js';
import { LogFollower, type LogPosition } from './log-follower.js';
import { cutToBytes } from './plugin-output.js';

export interface LogCheckPattern {
  pattern: LinearPattern;
  severity: 'warning' | 'critical';
}

export interface LogCheckOptions {
  path: string;
  patterns: readonly LogCheckPattern[];
  fromStart?: boolean;
  /** where the last run stopped (persisted by the caller), and where to keep this run's */
  position: LogPosition | null;
  savePosition(position: LogPosition | null): void;
  /** bytes read at most per run (default 4 MiB): a burst is spread over runs */
  maxBytesPerRun?: number;
}

export interface LogCheckResult {
  state: CheckState;
  output: string;
  longOutput: string;
  perfdata: Perfdatum[];
}

const DEFAULT_MAX_BYTES_PER_RUN = 4 * 1024 * 1024;
/** matching lines kept for the long output */
const SHOWN_LINES = 10;

export class LogCheck {
  private readonly follower: LogFollower;

  constructor(private readonly opts: LogCheckOptions) {
    this.follower = new LogFollower({
      path: opts.path, position: opts.position, fromStart: opts.fromStart === true, maxBytesPerPoll: opts.maxBytesPerRun ?? DEFAULT_MAX_BYTES_PER_RUN,
    });
  }

  run(): LogCheckResult {
    const poll = this.follower.poll();
    let lines = 0;
    let warnings = 0;
    let criticals = 0;
    const shown: string[] = [];
    for (const line of poll.lines) {
      lines++;
      // the worst severity whose pattern matches decides the line
      let severity: 'warning' | 'critical' | null = null;
      for (const p of this.opts.patterns) {
        if (!p.pattern.test(line)) continue;
        severity = p.severity;
        if (severity === 'critical') break;
      }
      if (severity === null) continue;
      if (severity === 'critical') criticals++;
      else warnings++;
      if (shown.length < SHOWN_LINES) shown.push(line);
    }
    this.opts.savePosition(poll.position);
    const state: CheckState = criticals > 0 ? 'critical' : warnings > 0 ? 'warning' : poll.position === null && lines === 0 ? 'unknown' : 'ok';
    const counts = `${criticals} critical, ${warnings} warning in ${lines} new line${lines === 1 ? '' : 's'}`;
    const more = poll.more ? ' (more to read next run)' : '';
    const output = state === 'unknown'
      ? `LOG UNKNOWN - ${this.opts.path} does not exist (waiting for it)`
      : `LOG ${state.toUpperCase()} - ${counts}${more}${shown[0] !== undefined ? `: ${shown[0]}` : ''}`;
    const perf = (label: string, value: number): Perfdatum => ({ label, value, unit: 'c', warn: null, crit: null, min: 0, max: null });
    return {
      state,
      output: [...output].slice(0, CHECK_LIMITS.outputChars).join(''),
      longOutput: cutToBytes(shown.join('\n'), CHECK_LIMITS.longOutputBytes),
      perfdata: [perf('lines', lines), perf('warning', warnings), perf('critical', criticals)],
    };
  }

  close(): void {
    this.follower.close();
  }
}
