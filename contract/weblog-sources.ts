// A web access-log source (S11, B6) as the appliance sends it to the agent that follows it, in the
// agent's retained config (`weblogs`), next to its checks. Written in zod/mini like the rest of the
// agent's side of its config (agent-config-mini.ts). The appliance compiles `format` before it
// accepts a source (400 naming the bad token, core/weblog/log-format.ts), so an agent only ever
// receives formats that compile; it still refuses the whole config if one does not.
import * as z from 'zod/mini';
import { MAX_FORMAT_LENGTH } from '../core/weblog/log-format.js';

export const WEBLOG_SOURCE_LIMITS = {
  /** access logs one agent follows */
  sourcesPerAgent: 32,
  idChars: 64,
  pathChars: 4096,
  formatChars: MAX_FORMAT_LENGTH,
  /** the aggregation interval: one WeblogInterval per source and interval on the `weblog` topic */
  intervalS: { min: 5, max: 300, default: 10 },
} as const;

const L = WEBLOG_SOURCE_LIMITS;

export const agentWeblogSourceSchema = z.strictObject({
  /** the appliance's id of the source (lower-case letters, digits, '-') */
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]*$/, 'id: lower-case letters, digits and -'), z.maxLength(L.idChars)),
  /** an absolute path on the agent's server */
  path: z.string().check(z.regex(/^\//, 'path must be absolute'), z.maxLength(L.pathChars, `path: at most ${L.pathChars} characters`)),
  /** a preset name (common, combined, vcombined, nginx, json, w3c) or an Apache LogFormat / nginx log_format string */
  format: z.string().check(z.minLength(1, 'format must not be empty'), z.maxLength(L.formatChars, `format: at most ${L.formatChars} characters`)),
  intervalS: z.int().check(z.minimum(L.intervalS.min, `interval must be at least ${L.intervalS.min} s`), z.maximum(L.intervalS.max, `interval must be at most ${L.intervalS.max} s`)),
  /** keep URLs' query strings in the top tables (default: stripped) */
  keepQuery: z.optional(z.boolean()),
  /** read a file already there from its start (default: from its end) */
  fromStart: z.optional(z.boolean()),
});
export type AgentWeblogSource = z.infer<typeof agentWeblogSourceSchema>;

/** Every log an agent follows, with unique ids and unique paths, at most sourcesPerAgent. */
export function agentWeblogSourcesSchema() {
  const max = L.sourcesPerAgent;
  return z.array(agentWeblogSourceSchema).check(
    z.maxLength(max, `at most ${max} web logs on one agent`),
    z.refine((sources) => new Set(sources.map((s) => s.id)).size === sources.length, 'web log ids must be unique'),
    z.refine((sources) => new Set(sources.map((s) => s.path)).size === sources.length, 'one web log per path'),
  );
}
