// The body of POST / PUT /maintenance (B11), checked field by field: every problem is answered as
// "path: message" (400 RW_ERR_VALIDATION), and every value has its bound (MAINTENANCE_LIMITS,
// docs/bounds.md). Whether the named server or group exists is the calendar's check (it knows them).
import { z } from 'zod';
import { MAINTENANCE_LIMITS as L, type MaintenanceInput } from '../../../contract/maintenance-api.js';
import { problemsOf, type Parsed } from '../../../core/validation-problems.js';
import { idText } from '../../http/route-schemas.js';
import { parseHhMm } from '../policy/local-time.js';
import { cronProblem } from './maintenance-schedule.js';

const hhmm = z.string().max(5).refine((v) => parseHhMm(v) !== null, 'must be HH:MM, 00:00 to 24:00');

const scopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('all') }).strict(),
  z.object({ kind: z.literal('group'), groupId: idText }).strict(),
  z.object({ kind: z.literal('agent'), agentId: idText }).strict(),
], { error: 'must be {"kind":"all"}, {"kind":"group","groupId":…} or {"kind":"agent","agentId":…}' });

const scheduleSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('once'),
    startsAt: z.number().int().nonnegative(),
    endsAt: z.number().int().nonnegative(),
  }).strict(),
  z.object({
    kind: z.literal('weekly'),
    days: z.array(z.number().int().min(0, 'days are 0 (Sunday) … 6 (Saturday)').max(6, 'days are 0 (Sunday) … 6 (Saturday)')).min(1, 'choose at least one day').max(7)
      .refine((d) => new Set(d).size === d.length, 'names a day twice'),
    start: hhmm,
    end: hhmm,
  }).strict().refine((w) => w.start !== w.end, { path: ['end'], message: 'must differ from start' }),
  z.object({
    kind: z.literal('cron'),
    cron: z.string().max(L.cronChars, `at most ${L.cronChars} characters`).superRefine((c, ctx) => {
      const problem = cronProblem(c);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
    }),
    durationMinutes: z.number().int().min(1).max(L.maxDurationMinutes, `at most ${L.maxDurationMinutes} (a week)`),
  }).strict(),
], { error: 'must be a schedule of kind "once", "weekly" or "cron"' });

const inputSchema = z.object({
  scope: scopeSchema,
  schedule: scheduleSchema,
  reason: z.string().trim().min(1, 'say why (it is shown with the alerts it quiets)').max(L.reasonChars, `at most ${L.reasonChars} characters`)
    // eslint-disable-next-line no-control-regex -- the reason lands in the audit log and CSV-free tables, one line
    .refine((r) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(r), 'must not hold control characters or line breaks'),
}).strict();

/** The body checked; a one-off window must end after `nowMs`, last at most a week and start within a year. */
export function parseMaintenanceInput(body: unknown, nowMs: number): Parsed<MaintenanceInput> {
  const parsed = inputSchema.safeParse(body);
  if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
  const input = parsed.data;
  const s = input.schedule;
  const problems: string[] = [];
  if (s.kind === 'once') {
    if (s.endsAt <= s.startsAt) problems.push('schedule.endsAt: must be after startsAt');
    else if (s.endsAt - s.startsAt > L.maxDurationMinutes * 60_000) problems.push(`schedule.endsAt: a window lasts at most ${L.maxDurationMinutes / 1440} days`);
    if (s.endsAt <= nowMs) problems.push('schedule.endsAt: is in the past');
    if (s.startsAt > nowMs + L.maxAheadMs) problems.push('schedule.startsAt: at most a year ahead');
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: input };
}
