// Collector schedules (S2), pure: the shape of what an operator sends (defaults for all agents,
// overrides for one), every problem of it as "path: message" (docs/conventions.md 6), and the merge of
// defaults and overrides into the complete AgentConfig an agent receives. No I/O.
import { z } from 'zod';
import {
  agentConfigSchema, collectorSettingSchema, DEFAULT_COLLECTOR_SETTINGS, DEFAULT_QUEUE,
  type AgentConfig, type CollectorSetting,
} from '../../contract/agent-config.js';
import { AGENT_CONFIG_WORDING } from '../../contract/agent-config-mini.js';
import { COLLECTOR_NAMES, type CollectorName } from '../../contract/families.js';
import type { AgentConfigOverrides } from '../../contract/fleet-api.js';
import { problemsOf, type Parsed } from '../../core/validation-problems.js';

/** Settings every agent gets unless its own overrides say otherwise. Always complete. */
export interface ConfigDefaults {
  collectors: Record<CollectorName, CollectorSetting>;
  queue: AgentConfig['queue'];
}

export const BUILT_IN_DEFAULTS: ConfigDefaults = {
  collectors: { ...DEFAULT_COLLECTOR_SETTINGS },
  queue: { ...DEFAULT_QUEUE },
};

const queueSchema = agentConfigSchema.shape.queue;

/** Overrides (and the body of PUT …/config/defaults): any subset of the settings, nothing else. */
export const overridesSchema = z.object({
  collectors: z.partialRecord(z.enum(COLLECTOR_NAMES), collectorSettingSchema.partial().strict()).optional(),
  queue: queueSchema.partial().strict().optional(),
}).strict();

/** Checks untrusted JSON as overrides (or as a defaults body). */
export function parseOverrides(body: unknown): Parsed<AgentConfigOverrides> {
  const r = overridesSchema.safeParse(body);
  if (!r.success) {
    return { ok: false, problems: problemsOf(r.error, AGENT_CONFIG_WORDING) };
  }
  // drop empty parts so that what is stored is what matters
  const value: AgentConfigOverrides = {};
  const collectors = Object.entries(r.data.collectors ?? {}).filter(([, v]) => v && Object.keys(v).length > 0);
  if (collectors.length > 0) value.collectors = Object.fromEntries(collectors);
  if (r.data.queue && Object.keys(r.data.queue).length > 0) value.queue = r.data.queue;
  return { ok: true, value };
}

/** `base` with `overrides` applied: complete, whatever `overrides` leaves out. */
export function applyOverrides(base: ConfigDefaults, overrides: AgentConfigOverrides): ConfigDefaults {
  const collectors = {} as Record<CollectorName, CollectorSetting>;
  for (const name of COLLECTOR_NAMES) collectors[name] = { ...base.collectors[name], ...overrides.collectors?.[name] };
  return { collectors, queue: { ...base.queue, ...overrides.queue } };
}

/**
 * The configuration one agent receives. Both inputs were validated, so the result is valid;
 * it is checked against the contract's schema anyway, because an agent refuses an invalid one.
 */
export function effectiveConfig(defaults: ConfigDefaults, overrides: AgentConfigOverrides, revision: number): AgentConfig {
  const merged = applyOverrides(defaults, overrides);
  return agentConfigSchema.parse({ v: 1, revision, collectors: merged.collectors, queue: merged.queue });
}
