// Input checks for what the admin screens send (S4): a rule, a contact, a group, as untrusted
// JSON. The shape is checked with zod, then the meaning with validateRule / validateContact;
// every problem comes back as "path: message" (docs/conventions.md 6). Kept apart from rule-types.ts so
// the web UI can import the types without bundling zod.
import { z } from 'zod';
import { problemsOf, type Parsed } from '../../core/validation-problems.js';
import { FAMILY_NAMES, type Family } from '../../contract/families.js';
import { validateContact } from './policy/notification-policy.js';
import { type Contact } from '../../contract/alerting.js';
import { validateRule } from './rules/rule-types.js';
import { BASELINE_LIMITS, BASELINE_METRIC_NAMES, COMPARISONS, DERIVED_METRIC_NAMES, SEVERITIES, type BaselineMetricName, type Comparison, type DerivedMetricName, type Rule } from '../../contract/alerting.js';
import { LANGUAGES, type Language } from '../../contract/alerting.js';
import type { Group } from '../../contract/alerting.js';
import { CHECK_DEFINITION_LIMITS } from '../../contract/check-definitions.js';
import { CHECK_LIMITS } from '../../contract/checks.js';

const id = z.string().trim().min(1).max(100);
/** a check's id (contract/check-definitions.ts) or '*' for every check */
const checkId = z.string().min(1, "a check's id, or * for every check").max(CHECK_DEFINITION_LIMITS.idChars);
const severity = z.enum(SEVERITIES);
const levels = z.object({ info: z.number().finite(), warning: z.number().finite(), critical: z.number().finite(), disaster: z.number().finite() }).partial().strict();

const metricSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('field'), family: z.enum(FAMILY_NAMES as [Family, ...Family[]]), field: z.string().min(1).max(19), key: z.string().min(1).max(200).optional() }).strict(),
  z.object({ kind: z.literal('derived'), name: z.enum(DERIVED_METRIC_NAMES as [DerivedMetricName, ...DerivedMetricName[]]), key: z.string().min(1).max(200).optional() }).strict(),
  z.object({ kind: z.literal('agent_silent'), missedIntervals: z.number().int().min(1).max(1000) }).strict(),
  z.object({
    kind: z.literal('check_state'),
    checkId: checkId,
    severities: z.object({ warning: severity, critical: severity, unknown: severity }).partial().strict().optional(),
  }).strict(),
  z.object({ kind: z.literal('check_perf'), checkId: checkId, label: z.string().min(1, 'a perfdata label of the check (e.g. time)').max(CHECK_LIMITS.labelChars) }).strict(),
  // B9: at least one season of learning (rrdtool forecasts nothing before), at most a month (docs/bounds.md)
  z.object({
    kind: z.literal('baseline'),
    name: z.enum(BASELINE_METRIC_NAMES as [BaselineMetricName, ...BaselineMetricName[]]),
    learningS: z.number().int().min(BASELINE_LIMITS.minLearningS).max(BASELINE_LIMITS.maxLearningS).optional(),
  }).strict(),
]);

const scopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }).strict(),
  z.object({ kind: z.literal('agent'), agentId: id }).strict(),
  z.object({ kind: z.literal('group'), groupId: id }).strict(),
]);

export const ruleSchema = z
  .object({
    id,
    name: z.string().trim().min(1).max(200),
    metric: metricSchema,
    comparison: z.enum(COMPARISONS as [Comparison, ...Comparison[]]),
    levels,
    recovery: z.object({ delta: z.number().finite().min(0).optional(), levels: levels.optional() }).strict().optional(),
    forS: z.number().finite().min(0).max(7 * 24 * 3600),
    scope: scopeSchema,
    enabled: z.boolean(),
    builtin: z.boolean().optional(),
  })
  .strict();

export const contactSchema = z
  .object({
    id,
    name: z.string().trim().min(1).max(200),
    phone: z.string().min(1).max(32),
    language: z.enum(LANGUAGES as [Language, ...Language[]]),
    severities: z.array(severity).min(1).max(SEVERITIES.length),
    schedule: z.array(z.object({ days: z.array(z.number().int()).max(7), start: z.string(), end: z.string() }).strict()).max(50),
    escalationLevel: z.number().int().min(0).max(100),
    enabled: z.boolean(),
  })
  .strict();

export const groupSchema = z
  .object({ id, name: z.string().trim().min(1).max(200), memberIds: z.array(id).max(10_000) })
  .strict();

export type { Parsed };

const shapeProblems = (error: z.ZodError): string[] => problemsOf(error, { root: '(root)', unknownKey: () => 'unknown field' });

export function parseRule(json: unknown): Parsed<Rule> {
  const shaped = ruleSchema.safeParse(json);
  if (!shaped.success) return { ok: false, problems: shapeProblems(shaped.error) };
  const problems = validateRule(shaped.data);
  return problems.length ? { ok: false, problems } : { ok: true, value: shaped.data };
}

export function parseContact(json: unknown): Parsed<Contact> {
  const shaped = contactSchema.safeParse(json);
  if (!shaped.success) return { ok: false, problems: shapeProblems(shaped.error) };
  const problems = validateContact(shaped.data);
  return problems.length ? { ok: false, problems } : { ok: true, value: shaped.data };
}

export function parseGroup(json: unknown): Parsed<Group> {
  const shaped = groupSchema.safeParse(json);
  return shaped.success ? { ok: true, value: shaped.data } : { ok: false, problems: shapeProblems(shaped.error) };
}
