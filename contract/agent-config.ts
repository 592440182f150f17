// The agent configuration (S2) the appliance publishes retained on `rw/v1/<agentId>/config`:
// every collector's interval and on/off switch, and the bounds of the agent's disk queue. The
// agent validates it with the same schema and keeps its last good configuration when a new one
// is refused. Defaults for all agents and per-agent overrides are merged by the appliance, so
// what an agent receives is always complete.
//
// The agent itself validates with the zod/mini twin in agent-config-mini.ts (the bounds and the
// defaults live there, once; test/agent/config-schema.test.ts keeps the two schemas in step).
import { z } from 'zod';
import { AGENT_CONFIG_BOUNDS, agentChecksSchema } from './agent-config-mini.js';
import { COLLECTOR_NAMES } from './families.js';
import { agentFileJobsSchema } from './file-jobs.js';
import { pairTagSchema } from './pair.js';
import { agentSentinelSchema } from './sentinel.js';
import { agentWeblogSourcesSchema } from './weblog-sources.js';

export { AGENT_CONFIG_BOUNDS, DEFAULT_COLLECTOR_SETTINGS, DEFAULT_QUEUE } from './agent-config-mini.js';
const { intervalS: INTERVAL, queueMaxBytes: QUEUE_BYTES, queueMaxAgeS: QUEUE_AGE } = AGENT_CONFIG_BOUNDS;

export const collectorSettingSchema = z.object({
  enabled: z.boolean(),
  intervalS: z.number().int()
    .min(INTERVAL.min, `interval must be at least ${INTERVAL.min} s`)
    .max(INTERVAL.max, `interval must be at most ${INTERVAL.max} s`),
}).strict();

export const agentConfigSchema = z.object({
  v: z.literal(1),
  /** increases with every change, so an agent can tell a new config from a re-delivered one */
  revision: z.number().int().nonnegative(),
  collectors: z.partialRecord(z.enum(COLLECTOR_NAMES), collectorSettingSchema),
  queue: z.object({
    /** bytes of unsent batches kept on disk before the oldest are dropped */
    maxBytes: z.number().int().min(QUEUE_BYTES.min).max(QUEUE_BYTES.max),
    /** seconds a batch may wait; older ones are dropped (never beyond what the appliance accepts) */
    maxAgeS: z.number().int().min(QUEUE_AGE.min).max(QUEUE_AGE.max),
  }).strict(),
  /** the service checks the agent runs (S5, S6, S16); the same zod/mini schema the agent uses (contract/check-definitions.ts) */
  checks: z.optional(agentChecksSchema()),
  /** the access logs the agent follows (S11); the same zod/mini schema the agent uses (contract/weblog-sources.ts) */
  weblogs: z.optional(agentWeblogSourcesSchema()),
  /** a sentinel's watch of the appliance and its channels (S13, B4); the zod/mini schema the agent uses (contract/sentinel.ts) */
  sentinel: z.optional(agentSentinelSchema),
  /** fleet file jobs (S17); the zod/mini schema the agent uses (contract/file-jobs.ts) */
  fileJobs: z.optional(agentFileJobsSchema()),
  /** the publishing appliance's role and term in its pair (S13, B4; contract/pair.ts); absent = a lone appliance */
  pair: z.optional(pairTagSchema),
}).strict();

export type CollectorSetting = z.infer<typeof collectorSettingSchema>;
export type AgentConfig = z.infer<typeof agentConfigSchema>;
