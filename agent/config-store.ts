// The agent's configuration (S2): the settings it runs on before the appliance sends any, the
// check of a configuration received on `rw/v1/<id>/config` (every problem as "path: message",
// docs/conventions.md 6), and the last good configuration kept in <state-dir>/config.json, so that an agent
// restarted while the appliance is away still runs on it.
//
// Before any configuration arrives (first start, or an appliance that has none saved), every
// collector runs at --interval, except the snapshot collectors, which run at their contract
// defaults (routes 300 s, top processes 15 s, visitors 30 s): a routing table every 5 s would
// only repeat itself, and top processes costs the most of all collectors. Disk health (smart) keeps
// its 300 s too: a drive's health changes over hours, and each reading runs smartctl per drive.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  AGENT_CONFIG_WORDING, agentConfigMiniSchema, DEFAULT_COLLECTOR_SETTINGS, type AgentConfig,
} from '../contract/agent-config-mini.js';
import { COLLECTOR_NAMES, type CollectorName } from '../contract/families.js';
import type { Logger } from '../core/logger.js';
import { problemsOf } from '../core/validation-problems.js';
import { compileLogFormat, LogFormatError } from '../core/weblog/log-format.js';
import type { CollectorSettings } from './collection-plan.js';
import type { QueueBounds } from './disk-queue.js';
import './zod-english.js';

export const CONFIG_FILE = 'config.json';

/** Collectors that keep their contract default interval until a configuration says otherwise. */
export const SNAPSHOT_COLLECTORS: ReadonlySet<CollectorName> = new Set(['routes', 'top', 'visitors']);

/** Collectors that keep their contract default interval, not --interval, until a configuration says otherwise. */
const OWN_INTERVAL_COLLECTORS: ReadonlySet<CollectorName> = new Set([...SNAPSHOT_COLLECTORS, 'smart']);

/** The settings before any configuration: everything on, --interval except the snapshots and disk health. */
export function defaultSettings(intervalS: number): CollectorSettings {
  const settings = {} as CollectorSettings;
  for (const name of COLLECTOR_NAMES) {
    settings[name] = OWN_INTERVAL_COLLECTORS.has(name) ? { ...DEFAULT_COLLECTOR_SETTINGS[name] } : { enabled: true, intervalS };
  }
  return settings;
}

/**
 * A received configuration's settings, complete: the appliance always sends every collector,
 * but one it leaves out (an appliance older than a new collector) keeps its default.
 */
export function settingsOf(config: AgentConfig, intervalS: number): CollectorSettings {
  const settings = defaultSettings(intervalS);
  for (const name of COLLECTOR_NAMES) {
    const setting = config.collectors[name];
    if (setting) settings[name] = { ...setting };
  }
  return settings;
}

export type ConfigCheck = { ok: true; config: AgentConfig } | { ok: false; problems: string[] };

/** Checks a configuration payload: JSON, then the contract schema. */
export function checkAgentConfig(payload: Buffer | string): ConfigCheck {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString());
  } catch {
    return { ok: false, problems: ['(payload): not JSON'] };
  }
  const parsed = agentConfigMiniSchema.safeParse(json);
  if (parsed.success) {
    const problems = weblogFormatProblems(parsed.data);
    return problems.length === 0 ? { ok: true, config: parsed.data } : { ok: false, problems };
  }
  return { ok: false, problems: problemsOf(parsed.error, { ...AGENT_CONFIG_WORDING, root: '(payload)' }) };
}

/**
 * The web logs' formats that do not compile (S11): the appliance compiles each before it accepts
 * a source, so this only refuses a configuration from an appliance that disagrees with this
 * agent's version, as a whole, like any other invalid configuration.
 */
function weblogFormatProblems(config: AgentConfig): string[] {
  const problems: string[] = [];
  for (const [i, source] of (config.weblogs ?? []).entries()) {
    try {
      compileLogFormat(source.format);
    } catch (error) {
      if (!(error instanceof LogFormatError)) throw error;
      problems.push(`weblogs.${i}.format: ${error.message}`);
    }
  }
  return problems;
}

/** Same settings and queue bounds (the revision aside). */
export function sameConfig(a: AgentConfig, b: AgentConfig): boolean {
  return JSON.stringify([a.collectors, a.queue]) === JSON.stringify([b.collectors, b.queue]);
}

export function queueBoundsOf(config: AgentConfig): QueueBounds {
  return { maxBytes: config.queue.maxBytes, maxAgeS: config.queue.maxAgeS };
}

/**
 * The web-log queue's bounds (S11), from the metrics queue's: as old, a quarter of its bytes
 * between 1 and 64 MiB (64 MiB is ~9 days of two sources' 10 s intervals at 3 KiB each; the
 * metrics, which the alerts need, keep the larger share of the disk).
 */
export function weblogQueueBoundsOf(bounds: QueueBounds): QueueBounds {
  return { maxBytes: Math.max(1024 ** 2, Math.min(64 * 1024 ** 2, Math.floor(bounds.maxBytes / 4))), maxAgeS: bounds.maxAgeS };
}

/** The last good configuration on disk. */
export class ConfigStore {
  readonly #file: string;
  readonly #log: Logger;

  constructor(stateDir: string, log: Logger) {
    this.#file = path.join(stateDir, CONFIG_FILE);
    this.#log = log;
  }

  /** The stored configuration, or null (none yet, or a file that is not valid: logged). */
  load(): AgentConfig | null {
    let text: string;
    try {
      text = readFileSync(this.#file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.#log.warn('cannot read the stored configuration; using the defaults', { file: this.#file, error });
      return null;
    }
    const check = checkAgentConfig(text);
    if (check.ok) return check.config;
    this.#log.warn(`the stored configuration is not valid; using the defaults: ${check.problems.join('; ')}`, { file: this.#file });
    return null;
  }

  /** Writes atomically (temporary file, rename), so a power cut leaves the old or the new one. */
  save(config: AgentConfig): void {
    mkdirSync(path.dirname(this.#file), { recursive: true, mode: 0o700 });
    const temporary = `${this.#file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.#file);
  }
}
