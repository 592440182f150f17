// The agent configuration (S2) for the agent's side: the same payload as contract/agent-config.ts,
// its bounds and defaults, with the schema written in zod/mini. The agent validates what arrives
// on `rw/v1/<agentId>/config` with `agentConfigMiniSchema`; full zod would cost it ~5 MB of RSS
// (the agent stays under 55 MB; docs/benchmarks.md). The appliance uses the full-zod schemas in
// agent-config.ts, which take their bounds and defaults from here; test/agent/config-schema.test.ts
// checks that the two schemas accept and refuse the same payloads.
import * as z from 'zod/mini';
import type { ProblemWording } from '../core/validation-problems.js';
import { agentCheckSchema, CHECK_DEFINITION_LIMITS } from './check-definitions.js';
import { agentFileJobsSchema } from './file-jobs.js';
import { pairTagSchema } from './pair.js';
import { agentSentinelSchema } from './sentinel.js';
import { COLLECTOR_NAMES, METRICS_LIMITS, type CollectorName } from './families.js';
import { agentWeblogSourcesSchema } from './weblog-sources.js';

export const AGENT_CONFIG_BOUNDS = {
  intervalS: { min: METRICS_LIMITS.minIntervalS, max: METRICS_LIMITS.maxIntervalS },
  /** bytes of unsent batches an agent keeps on disk */
  queueMaxBytes: { min: 1024 * 1024, max: 10 * 1024 ** 3 },
  /** seconds an unsent batch may wait (never beyond what the appliance accepts) */
  queueMaxAgeS: { min: 60, max: METRICS_LIMITS.maxAgeS },
} as const;

const { intervalS, queueMaxBytes, queueMaxAgeS } = AGENT_CONFIG_BOUNDS;

export const collectorSettingMiniSchema = z.strictObject({
  enabled: z.boolean(),
  intervalS: z.int().check(
    z.minimum(intervalS.min, `interval must be at least ${intervalS.min} s`),
    z.maximum(intervalS.max, `interval must be at most ${intervalS.max} s`),
  ),
});

/** Every check an agent runs, with unique ids, at most CHECK_DEFINITION_LIMITS.checksPerAgent. */
export function agentChecksSchema() {
  const max = CHECK_DEFINITION_LIMITS.checksPerAgent;
  return z.array(agentCheckSchema).check(
    z.maxLength(max, `at most ${max} checks on one agent`),
    z.refine((checks) => new Set(checks.map((c) => c.id)).size === checks.length, 'check ids must be unique'),
  );
}

export const agentConfigMiniSchema = z.strictObject({
  v: z.literal(1),
  revision: z.int().check(z.nonnegative()),
  collectors: z.partialRecord(z.enum(COLLECTOR_NAMES), collectorSettingMiniSchema),
  queue: z.strictObject({
    maxBytes: z.int().check(z.minimum(queueMaxBytes.min), z.maximum(queueMaxBytes.max)),
    maxAgeS: z.int().check(z.minimum(queueMaxAgeS.min), z.maximum(queueMaxAgeS.max)),
  }),
  /** the service checks this agent runs (S5, S6, S16): its own and its groups', expanded by the appliance; absent = none */
  checks: z.optional(agentChecksSchema()),
  /** the access logs this agent follows and aggregates (S11); absent = none */
  weblogs: z.optional(agentWeblogSourcesSchema()),
  /** this agent is a sentinel (S13, B4): how it watches the appliance and whom it alarms; absent = not one */
  sentinel: z.optional(agentSentinelSchema),
  /** fleet file jobs (S17) for this agent, each run once (contract/file-jobs.ts); absent = none */
  fileJobs: z.optional(agentFileJobsSchema()),
  /** the publishing appliance's role and promotion term in its pair (S13, B4); absent = a lone appliance */
  pair: z.optional(pairTagSchema),
});

export type CollectorSetting = z.infer<typeof collectorSettingMiniSchema>;
export type AgentConfig = z.infer<typeof agentConfigMiniSchema>;

export const DEFAULT_COLLECTOR_SETTINGS: Record<CollectorName, CollectorSetting> = {
  cpu: { enabled: true, intervalS: 5 },
  load: { enabled: true, intervalS: 5 },
  memory: { enabled: true, intervalS: 5 },
  fs: { enabled: true, intervalS: 60 },
  net: { enabled: true, intervalS: 5 },
  disk: { enabled: true, intervalS: 5 },
  tcp: { enabled: true, intervalS: 30 },
  routes: { enabled: true, intervalS: 300 },
  top: { enabled: true, intervalS: 15 },
  visitors: { enabled: true, intervalS: 30 },
  // a drive's health changes over hours; smartctl costs a child process per drive
  smart: { enabled: true, intervalS: 300 },
};

export const DEFAULT_QUEUE = { maxBytes: 256 * 1024 * 1024, maxAgeS: 3 * 24 * 3600 } as const;

/** How a refused configuration names an unknown key: a collector's list names the known ones. */
export const AGENT_CONFIG_WORDING: ProblemWording = {
  unknownKey: (at) => (at === 'collectors' ? `unknown collector (known: ${COLLECTOR_NAMES.join(', ')})` : 'unknown setting'),
};
