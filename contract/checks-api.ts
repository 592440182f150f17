// The service checks' HTTP API (S5, S6, S16; docs/api.md): the definitions an operator creates,
// the state each one is in, its history and its performance data. Agent checks (port, process,
// log, script, quota) run on a server (or on every member of a group, present and future) and
// travel to it in its retained config (contract/check-definitions.ts); probes (probe-tcp,
// probe-http, probe-ping) run on the appliance itself, so a server whose agent is dead is still
// watched. Schemas in zod/mini, shared with the agent's side; the web UI imports the types only.
import * as z from 'zod/mini';
import { CHECK_DEFINITION_LIMITS as L, logCheckSchema, portCheckSchema, processCheckSchema, quotaCheckSchema, scriptCheckSchema } from './check-definitions.js';
import type { CheckState, Perfdatum } from './checks.js';

export const AGENT_CHECK_TYPES = ['port', 'process', 'log', 'script', 'quota'] as const;
export const PROBE_TYPES = ['probe-tcp', 'probe-http', 'probe-ping'] as const;
export const CHECK_TYPES = [...AGENT_CHECK_TYPES, ...PROBE_TYPES] as const;
export type CheckType = (typeof CHECK_TYPES)[number];
export type ProbeType = (typeof PROBE_TYPES)[number];

export const CHECK_API_LIMITS = {
  /** check definitions on one appliance (agent checks and probes together) */
  checks: 20_000,
  /** probes the appliance runs itself */
  probes: 2_000,
  /** a probe's interval (s): probes share the appliance's CPU */
  probeIntervalS: { min: 10, max: 86_400 },
  urlChars: 2048,
  /** history entries returned by one request */
  historyLimit: 5_000,
} as const;

const text = (max: number, what: string) => z.string().check(z.minLength(1, `${what} must not be empty`), z.maxLength(max, `${what}: at most ${max} characters`));
const range = z.optional(z.nullable(z.string().check(z.maxLength(L.rangeChars))));
const agentIdSchema = z.string().check(z.minLength(1), z.maxLength(128));
const groupIdSchema = z.string().check(z.minLength(1), z.maxLength(128));

/** Where an agent check runs: exactly one of agentId and groupId. */
const placement = {
  agentId: z.optional(agentIdSchema),
  groupId: z.optional(groupIdSchema),
};
const timing = {
  name: text(L.nameChars, 'name'),
  /** seconds between runs */
  interval: z.int().check(z.minimum(L.intervalS.min, `interval must be at least ${L.intervalS.min} s`), z.maximum(L.intervalS.max, `interval must be at most ${L.intervalS.max} s`)),
  /** seconds a run may take (default: the type's own, never beyond the interval) */
  timeout: z.optional(z.int().check(z.minimum(L.timeoutS.min), z.maximum(L.timeoutS.max))),
  enabled: z.optional(z.boolean()),
};
/** An agent check's own parameters: its wire schema without the fields the appliance sets (z.omit with this mask). */
const APPLIANCE_SET = { id: true, name: true, intervalS: true, timeoutS: true } as const;

const probeTiming = {
  ...timing,
  interval: z.int().check(z.minimum(CHECK_API_LIMITS.probeIntervalS.min, `a probe's interval must be at least ${CHECK_API_LIMITS.probeIntervalS.min} s`), z.maximum(CHECK_API_LIMITS.probeIntervalS.max)),
  /** the server the probe is about (its panel shows the probe), when it has one */
  agentId: z.optional(agentIdSchema),
};

export const probeTcpSchema = z.strictObject({
  ...probeTiming,
  type: z.literal('probe-tcp'),
  host: text(L.hostChars, 'host'),
  port: z.int().check(z.minimum(1), z.maximum(65_535)),
  send: z.optional(z.string().check(z.maxLength(L.sendChars))),
  expect: z.optional(z.string().check(z.maxLength(L.patternChars))),
  /** threshold ranges on the connect/response time, seconds */
  warn: range,
  crit: range,
});

export const probeHttpSchema = z.strictObject({
  ...probeTiming,
  type: z.literal('probe-http'),
  url: z.string().check(z.regex(/^https?:\/\/[^\s]+$/i, 'url must be http:// or https://'), z.maxLength(CHECK_API_LIMITS.urlChars)),
  /** the status codes that are OK (default 200–399), e.g. "200" or "200-299,301" */
  expectStatus: z.optional(z.string().check(z.regex(/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/, 'expectStatus: codes and ranges such as 200-299,301'), z.maxLength(64))),
  /** a regular expression the body (first 64 KiB) must match */
  bodyPattern: z.optional(z.string().check(z.maxLength(L.patternChars))),
  /** HTTPS: days of certificate validity left below which the probe is WARNING / CRITICAL */
  certWarnDays: z.optional(z.int().check(z.minimum(0), z.maximum(3650))),
  certCritDays: z.optional(z.int().check(z.minimum(0), z.maximum(3650))),
  /** HTTPS: accept a certificate no trusted authority signed (a self-signed device) */
  insecure: z.optional(z.boolean()),
  warn: range,
  crit: range,
});

export const probePingSchema = z.strictObject({
  ...probeTiming,
  type: z.literal('probe-ping'),
  host: text(L.hostChars, 'host'),
  /** echo requests a run sends (default 3) */
  count: z.optional(z.int().check(z.minimum(1), z.maximum(20))),
  /** threshold ranges on the average round trip, milliseconds */
  warn: range,
  crit: range,
  /** threshold ranges on the loss, percent */
  lossWarn: range,
  lossCrit: range,
});

export const checkInputSchema = z.discriminatedUnion('type', [
  z.extend(z.omit(portCheckSchema, APPLIANCE_SET), { ...placement, ...timing }),
  z.extend(z.omit(processCheckSchema, APPLIANCE_SET), { ...placement, ...timing }),
  z.extend(z.omit(logCheckSchema, APPLIANCE_SET), { ...placement, ...timing }),
  z.extend(z.omit(scriptCheckSchema, APPLIANCE_SET), { ...placement, ...timing }),
  z.extend(z.omit(quotaCheckSchema, APPLIANCE_SET), { ...placement, ...timing }),
  probeTcpSchema,
  probeHttpSchema,
  probePingSchema,
]);

/** The body of POST /api/v1/checks and PUT /api/v1/checks/:id (a PUT replaces the definition; its type may not change). */
export type CheckInput = z.infer<typeof checkInputSchema>;

/** A check that has not run yet is 'pending'. */
export type CheckStatusState = CheckState | 'pending';

/** What one run of a check (on one agent, or on the appliance for a probe) found last. */
export interface CheckStatus {
  state: CheckStatusState;
  /** the first line of output ('' before the first run) */
  output: string;
  /** the lines after the first, at most 4 KiB */
  longOutput: string;
  perfdata: Perfdatum[];
  /** unix s the current state began (null before the first run) */
  since: number | null;
  /** unix s of the last run */
  lastRun: number | null;
  durationMs: number | null;
}

/** Where a check runs: each agent of a group check, or the appliance (agentId null) for a probe. */
export interface CheckInstance extends CheckStatus {
  /** the agent that runs it; null for a probe (the appliance) */
  agentId: string | null;
  hostname: string | null;
}

/** GET /api/v1/checks/:id, and each entry of GET /api/v1/checks. The check's own status is its worst instance's. */
export interface CheckView extends CheckStatus {
  id: string;
  definition: CheckInput;
  type: CheckType;
  /** unix s */
  createdAt: number;
  updatedAt: number;
  instances: CheckInstance[];
}

/** GET /api/v1/checks?state=&agentId=&groupId=&type=&q= (state: a CheckStatusState; agentId: checks that run on it or probe it) */
export interface CheckListResponse {
  checks: CheckView[];
  /** checks per state, over the filtered list */
  byState: Record<CheckStatusState, number>;
}

/** One state change. */
export interface CheckHistoryEntry {
  /** unix s */
  t: number;
  agentId: string | null;
  state: CheckState;
  previous: CheckStatusState;
  output: string;
}

/** GET /api/v1/checks/:id/history?agentId=&from=&to=&limit= (newest first) */
export interface CheckHistoryResponse {
  checkId: string;
  entries: CheckHistoryEntry[];
}

/**
 * GET /api/v1/checks/:id/series?agentId=&label=&from=&to=&points=: one perfdata label's stored
 * values (RRD), in the same shape as an agent's series (contract/api.ts SeriesResponse).
 */
export interface CheckSeriesQuery {
  agentId?: string;
  label: string;
  from?: number;
  to?: number;
  points?: number;
}

/** The live stream's `check` event (contract/api.ts StreamEvents): one instance changed state or ran. */
export interface CheckStreamEvent {
  checkId: string;
  name: string;
  type: CheckType;
  instance: CheckInstance;
  /** true when the state differs from the previous run's */
  changed: boolean;
}
