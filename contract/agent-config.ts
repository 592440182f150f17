// The agent configuration (S2) the appliance publishes retained on `rw/v1/<agentId>/config`:
// every collector's interval and on/off switch, and the bounds of the agent's disk queue. The
// agent validates it with the same schema and keeps its last good configuration when a new one
// is refused. Defaults for all agents and per-agent overrides are merged by the appliance, so
// what an agent receives is always complete.
import { z } from 'zod';
import { COLLECTOR_NAMES, type CollectorName } from './families.js';
import { METRICS_LIMITS } from './metrics.js';

export const collectorSettingSchema = z.object({
  enabled: z.boolean(),
  intervalS: z.number().int()
    .min(METRICS_LIMITS.minIntervalS, `interval must be at least ${METRICS_LIMITS.minIntervalS} s`)
    .max(METRICS_LIMITS.maxIntervalS, `interval must be at most ${METRICS_LIMITS.maxIntervalS} s`),
}).strict();

export const agentConfigSchema = z.object({
  v: z.literal(1),
  /** increases with every change, so an agent can tell a new config from a re-delivered one */
  revision: z.number().int().nonnegative(),
  collectors: z.partialRecord(z.enum(COLLECTOR_NAMES), collectorSettingSchema),
  queue: z.object({
    /** bytes of unsent batches kept on disk before the oldest are dropped */
    maxBytes: z.number().int().min(1024 * 1024).max(10 * 1024 ** 3),
    /** seconds a batch may wait; older ones are dropped (never beyond what the appliance accepts) */
    maxAgeS: z.number().int().min(60).max(METRICS_LIMITS.maxAgeS),
  }).strict(),
}).strict();

export type CollectorSetting = z.infer<typeof collectorSettingSchema>;
export type AgentConfig = z.infer<typeof agentConfigSchema>;

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
};

export const DEFAULT_QUEUE = { maxBytes: 256 * 1024 * 1024, maxAgeS: 3 * 24 * 3600 } as const;
