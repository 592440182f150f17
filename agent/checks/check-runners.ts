// One runner per check definition (S5, S6, S16, S18): the definition the appliance sent turned
// into the building block that does the work (core/tcp-probe.ts, process-check.ts, log-check.ts,
// script-runner.ts, quota-check.ts), with the check's patterns compiled once. A definition that
// cannot run as sent (a pattern RE2 refuses) still makes a runner: every run then reports UNKNOWN
// with the reason, so the operator sees why on the check itself rather than in the agent's log.
// A check whose patterns need RE2 before its engine is loaded (pattern-engine.ts) gets a runner
// that loads it at its first run and then builds the real one.
import type { AgentCheck } from '../../contract/check-definitions.js';
import { CHECK_LIMITS, stateOfValue } from '../../contract/checks.js';
import type { LinearPattern } from '../../core/linear-pattern.js';
import { probeTcp } from '../../core/tcp-probe.js';
import type { LogPosition } from './log-follower.js';
import { LogCheck } from './log-check.js';
import { compilePattern, literalPattern, loadPatternEngine, patternEngineLoaded } from './pattern-engine.js';
import { cutToBytes } from './plugin-output.js';
import { ProcessCheck } from './process-check.js';
import type { ProcessTable } from './process-table.js';
import { QuotaCheck } from './quota-check.js';
import type { ScriptRunner } from './script-runner.js';

import type { CheckOutcome } from './check-outcome.js';

export type { CheckOutcome };

export interface CheckRunner {
  /** `signal` aborts when the agent stops (a script is then killed with its process group) */
  run(signal?: AbortSignal): Promise<CheckOutcome>;
  /** Releases what the runner holds (an open log file). */
  close(): void;
}

/** Where log checks keep their read positions (persisted by the caller: log-positions.ts). */
export interface LogPositions {
  get(checkId: string, path: string): LogPosition | null;
  set(checkId: string, path: string, position: LogPosition | null): void;
}

export interface CheckRunnerContext {
  scripts: ScriptRunner;
  logPositions: LogPositions;
  /** one reading of /proc for the process checks of a round */
  processes: ProcessTable;
}

/** Timeout when a definition gives none: the monitoring-plugins' own default, never beyond the interval. */
export const DEFAULT_TIMEOUT_S = 10;

export function timeoutMsOf(check: AgentCheck): number {
  return Math.min(check.timeoutS ?? DEFAULT_TIMEOUT_S, check.intervalS) * 1000;
}

function unknownOutcome(output: string, longOutput = ''): CheckOutcome {
  return { state: 'unknown', output: clip(output), longOutput, perfdata: [], durationMs: 0 };
}

/** The first line's bound (characters, not bytes: the contract counts characters). */
function clip(output: string): string {
  return output.length > CHECK_LIMITS.outputChars ? [...output].slice(0, CHECK_LIMITS.outputChars).join('') : output;
}

/**
 * Compiled patterns by source, shared between the runners: a compiled RE2 program is immutable
 * (each test takes its own matcher) and costs ~16 KiB of heap, and checks often repeat one (fifty
 * port checks expecting `^220` held fifty copies, ~0.8 MB of the agent's 55 MB). At most this
 * many sources; beyond, the cache starts over (the patterns in use stay with their runners).
 */
const SHARED_PATTERNS_MAX = 1024;
const sharedPatterns = new Map<string, ReturnType<typeof compilePattern>>();

function compile(source: string, what: string): LinearPattern | string {
  let compiled = sharedPatterns.get(source);
  if (compiled === undefined) {
    compiled = compilePattern(source);
    if (sharedPatterns.size >= SHARED_PATTERNS_MAX) sharedPatterns.clear();
    sharedPatterns.set(source, compiled);
  }
  return 'error' in compiled ? `${what}: ${compiled.error}` : compiled;
}

/** A runner that reports the same UNKNOWN at every run. */
function refusedRunner(why: string): CheckRunner {
  return { run: () => Promise.resolve(unknownOutcome(why)), close: () => undefined };
}

/** Times a synchronous check: in-process checks (process, log, quota) read files and return. */
function timed(work: () => Omit<CheckOutcome, 'durationMs'>): Promise<CheckOutcome> {
  const started = performance.now();
  try {
    return Promise.resolve({ ...work(), durationMs: performance.now() - started });
  } catch (error) {
    return Promise.resolve({ ...unknownOutcome(`check failed: ${(error as Error).message}`), durationMs: performance.now() - started });
  }
}

/** The patterns a check's runner compiles. */
function patternsOf(check: AgentCheck): string[] {
  switch (check.type) {
    case 'port': return check.expect ? [check.expect] : [];
    case 'process': return check.commandLine ? [check.commandLine] : [];
    case 'log': return check.patterns.map((p) => p.pattern);
    case 'script':
    case 'quota': return [];
  }
}

export function createCheckRunner(check: AgentCheck, ctx: CheckRunnerContext): CheckRunner {
  if (patternEngineLoaded() || patternsOf(check).every((p) => literalPattern(p) !== null)) return createLoadedRunner(check, ctx);
  let runner: CheckRunner | null = null;
  let closed = false;
  return {
    run: async (signal) => {
      if (!runner) {
        await loadPatternEngine();
        // closed while the engine loaded: this run's result is dropped by the scheduler
        if (closed) return unknownOutcome('the check was removed');
        runner = createLoadedRunner(check, ctx);
      }
      return runner.run(signal);
    },
    close: () => {
      closed = true;
      runner?.close();
    },
  };
}

function createLoadedRunner(check: AgentCheck, ctx: CheckRunnerContext): CheckRunner {
  switch (check.type) {
    case 'port': {
      let expect: LinearPattern | undefined;
      if (check.expect !== undefined && check.expect !== '') {
        const compiled = compile(check.expect, 'expect');
        if (typeof compiled === 'string') return refusedRunner(compiled);
        expect = compiled;
      }
      const timeoutMs = timeoutMsOf(check);
      return {
        run: async () => {
          const r = await probeTcp({
            host: check.host, port: check.port, timeoutMs, stateOfTime: stateOfValue,
            ...(check.send !== undefined ? { send: check.send } : {}),
            ...(expect ? { expect: (reply: string) => expect.test(reply) } : {}),
            warn: check.warn ?? null, crit: check.crit ?? null,
          });
          return { state: r.state, output: clip(r.output), longOutput: '', perfdata: r.perfdata, durationMs: r.durationMs };
        },
        close: () => undefined,
      };
    }
    case 'process': {
      let commandLine: LinearPattern | undefined;
      if (check.commandLine !== undefined && check.commandLine !== '') {
        const compiled = compile(check.commandLine, 'commandLine');
        if (typeof compiled === 'string') return refusedRunner(compiled);
        commandLine = compiled;
      }
      const processes = new ProcessCheck({
        ...(check.process !== undefined && check.process !== '' ? { name: check.process } : {}),
        ...(commandLine ? { commandLine: (text: string) => commandLine.test(text) } : {}),
        ...(check.user !== undefined && check.user !== '' ? { user: check.user } : {}),
        ...(check.min !== undefined ? { min: check.min } : {}),
        ...(check.max !== undefined ? { max: check.max } : {}),
      }, { table: ctx.processes });
      return {
        run: () => timed(() => {
          const r = processes.run();
          const shown = r.pids.slice(0, 50).join(' ');
          const longOutput = r.pids.length === 0 ? '' : `pids: ${shown}${r.pids.length > 50 ? ` … (${r.pids.length})` : ''}`;
          return { state: r.state, output: clip(r.output), longOutput, perfdata: r.perfdata };
        }),
        close: () => undefined,
      };
    }
    case 'log': {
      const patterns = [];
      for (const p of check.patterns) {
        const compiled = compile(p.pattern, `pattern ${p.pattern}`);
        if (typeof compiled === 'string') return refusedRunner(compiled);
        patterns.push({ pattern: compiled, severity: p.severity });
      }
      const log = new LogCheck({
        path: check.path, patterns, fromStart: check.fromStart === true,
        position: ctx.logPositions.get(check.id, check.path),
        savePosition: (position) => ctx.logPositions.set(check.id, check.path, position),
      });
      return { run: () => timed(() => log.run()), close: () => log.close() };
    }
    case 'script': {
      const timeoutMs = timeoutMsOf(check);
      return {
        run: async (signal) => {
          const r = await ctx.scripts.run({ command: check.command, args: check.args ?? [], timeoutMs, ...(signal ? { signal } : {}) });
          // why the result is not the program's own is said after its long output (bounded like it)
          const notes = r.problems.filter((p) => p !== r.output);
          const longOutput = notes.length === 0 ? r.longOutput : cutToBytes([r.longOutput, ...notes.map((p) => `(agent: ${p})`)].filter(Boolean).join('\n'), CHECK_LIMITS.longOutputBytes);
          return { state: r.state, output: clip(r.output), longOutput, perfdata: r.perfdata, durationMs: r.durationMs };
        },
        close: () => undefined,
      };
    }
    case 'quota': {
      const quota = new QuotaCheck({
        paths: check.paths ?? [], recommendedBytes: check.recommendedBytes, warningBytes: check.warningBytes,
        accounts: check.accounts ?? {}, timeoutMs: timeoutMsOf(check),
      });
      return { run: () => quota.run(), close: () => quota.close() };
    }
  }
}
