// What a service check is (S5, S6, S16) as the appliance sends it to an agent (in its retained
// config) and as results come back on `rw/v1/<agentId>/checks`. Written in zod/mini, like the
// agent's side of its config (agent-config-mini.ts: full zod would cost the agent ~5 MB), and
// used by both sides. Every string and list has a bound (docs/bounds.md).
import * as z from 'zod/mini';
import { CHECK_LIMITS, CHECK_STATES } from './checks.js';

export const CHECK_DEFINITION_LIMITS = {
  /** checks one agent runs */
  checksPerAgent: 1000,
  idChars: 64,
  nameChars: 100,
  intervalS: { min: 5, max: 86_400 },
  timeoutS: { min: 1, max: 300 },
  /** regular expressions: their source (they run on bounded text, docs/bounds.md) */
  patternChars: 256,
  hostChars: 253,
  sendChars: 1024,
  pathChars: 4096,
  logPatterns: 16,
  scriptArgs: 32,
  scriptArgChars: 1024,
  rangeChars: 32,
  quotaPaths: 16,
  /** results in one message on the checks topic */
  resultsPerMessage: 1000,
} as const;

const L = CHECK_DEFINITION_LIMITS;

const text = (max: number, what: string) => z.string().check(z.minLength(1, `${what} must not be empty`), z.maxLength(max, `${what}: at most ${max} characters`));
const optionalText = (max: number, what: string) => z.optional(z.string().check(z.maxLength(max, `${what}: at most ${max} characters`)));
const range = z.optional(z.nullable(z.string().check(z.maxLength(L.rangeChars))));

const common = {
  /** the appliance's id of the check (lower-case letters, digits, '-') */
  id: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]*$/, 'id: lower-case letters, digits and -'), z.maxLength(L.idChars)),
  name: text(L.nameChars, 'name'),
  intervalS: z.int().check(z.minimum(L.intervalS.min, `interval must be at least ${L.intervalS.min} s`), z.maximum(L.intervalS.max)),
  timeoutS: z.optional(z.int().check(z.minimum(L.timeoutS.min), z.maximum(L.timeoutS.max))),
};

export const portCheckSchema = z.strictObject({
  ...common,
  type: z.literal('port'),
  host: text(L.hostChars, 'host'),
  port: z.int().check(z.minimum(1), z.maximum(65_535)),
  /** written once connected (an HTTP request line, an SMTP EHLO) */
  send: optionalText(L.sendChars, 'send'),
  /** a regular expression the reply must match */
  expect: optionalText(L.patternChars, 'expect'),
  /** threshold ranges on the connect/response time, seconds */
  warn: range,
  crit: range,
});

export const processCheckSchema = z.strictObject({
  ...common,
  type: z.literal('process'),
  /** the process name or its executable's file name */
  process: optionalText(64, 'process'),
  /** a regular expression the command line must match */
  commandLine: optionalText(L.patternChars, 'commandLine'),
  user: optionalText(32, 'user'),
  min: z.optional(z.int().check(z.minimum(0), z.maximum(100_000))),
  max: z.optional(z.int().check(z.minimum(0), z.maximum(100_000))),
});

export const logCheckSchema = z.strictObject({
  ...common,
  type: z.literal('log'),
  path: z.string().check(z.regex(/^\//, 'path must be absolute'), z.maxLength(L.pathChars)),
  patterns: z.array(z.strictObject({
    pattern: text(L.patternChars, 'pattern'),
    severity: z.enum(['warning', 'critical']),
  })).check(z.minLength(1, 'at least one pattern'), z.maxLength(L.logPatterns, `at most ${L.logPatterns} patterns`)),
  /** read a file that is already there from its start (default: its end) */
  fromStart: z.optional(z.boolean()),
});

export const scriptCheckSchema = z.strictObject({
  ...common,
  type: z.literal('script'),
  /** a program in one of the agent's allowed directories (set on the server, never from here) */
  command: text(255, 'command'),
  args: z.optional(z.array(z.string().check(z.maxLength(L.scriptArgChars))).check(z.maxLength(L.scriptArgs, `at most ${L.scriptArgs} arguments`))),
});

/** Per-account disk usage (S16): Linux quotas where enabled, else each account's files summed under `paths`. */
export const quotaCheckSchema = z.strictObject({
  ...common,
  type: z.literal('quota'),
  /** directories whose files are summed per owner when the filesystem has no quotas (absolute paths) */
  paths: z.optional(z.array(z.string().check(z.regex(/^\//, 'paths must be absolute'), z.maxLength(L.pathChars))).check(z.maxLength(L.quotaPaths, `at most ${L.quotaPaths} paths`))),
  /** bytes an account is recommended to stay under (WARNING above it) */
  recommendedBytes: z.int().check(z.minimum(0)),
  /** bytes above which the account is CRITICAL */
  warningBytes: z.int().check(z.minimum(0)),
  /** per-account levels that replace the two above, by user name */
  accounts: z.optional(z.record(z.string().check(z.maxLength(32)), z.strictObject({
    recommendedBytes: z.int().check(z.minimum(0)),
    warningBytes: z.int().check(z.minimum(0)),
  }))),
});

export const agentCheckSchema = z.discriminatedUnion('type', [portCheckSchema, processCheckSchema, logCheckSchema, scriptCheckSchema, quotaCheckSchema]);
export type AgentCheck = z.infer<typeof agentCheckSchema>;
export type AgentCheckType = AgentCheck['type'];

const perfdatumSchema = z.strictObject({
  label: z.string().check(z.minLength(1), z.maxLength(CHECK_LIMITS.labelChars)),
  value: z.nullable(z.number().check(z.refine(Number.isFinite, 'must be finite'))),
  unit: z.string().check(z.maxLength(8)),
  warn: z.nullable(z.string().check(z.maxLength(L.rangeChars))),
  crit: z.nullable(z.string().check(z.maxLength(L.rangeChars))),
  min: z.nullable(z.number()),
  max: z.nullable(z.number()),
});

/** One check's result as an agent publishes it. */
export const checkResultSchema = z.strictObject({
  /** the check's id */
  id: z.string().check(z.maxLength(L.idChars)),
  /** unix s when it ran */
  t: z.int().check(z.nonnegative()),
  state: z.enum(CHECK_STATES),
  output: z.string().check(z.maxLength(CHECK_LIMITS.outputChars)),
  longOutput: z.optional(z.string().check(z.maxLength(CHECK_LIMITS.longOutputBytes))),
  perfdata: z.optional(z.array(perfdatumSchema).check(z.maxLength(CHECK_LIMITS.perfdata))),
  durationMs: z.number().check(z.nonnegative()),
});

/** The payload on `rw/v1/<agentId>/checks`: the results of one round (those that ran since the last message). */
export const checkResultsPayloadSchema = z.strictObject({
  v: z.literal(1),
  results: z.array(checkResultSchema).check(z.maxLength(L.resultsPerMessage)),
});

export type CheckResult = z.infer<typeof checkResultSchema>;
export type CheckResultsPayload = z.infer<typeof checkResultsPayloadSchema>;
