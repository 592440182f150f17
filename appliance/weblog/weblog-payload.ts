// What an agent publishes on `rw/v1/<agentId>/weblog` (S11): `{"v":1,"intervals":[WeblogInterval,…]}`,
// one interval per source it follows, checked here against every bound of contract/weblog.ts
// before anything is counted or stored. A payload that fails is dropped whole (and counted by
// ingest); which sources the intervals name is judged by the sink (weblog-traffic.ts).
import { z } from 'zod';
import { METRICS_LIMITS } from '../../contract/metrics.js';
import { WEBLOG_DIMENSIONS, WEBLOG_LIMITS, type WeblogInterval } from '../../contract/weblog.js';
import { WEBLOG_SOURCE_LIMITS } from '../../contract/weblog-sources.js';
import { firstProblem } from '../../core/validation-problems.js';

const L = WEBLOG_LIMITS;

/** bytes of one payload: what the broker lets an agent publish at most */
export const WEBLOG_PAYLOAD_MAX_BYTES = METRICS_LIMITS.maxPayloadBytes;
/** characters of an interval's `problem` */
export const WEBLOG_PROBLEM_CHARS = 500;

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const entry = z.object({ key: z.string().max(L.keyChars), count, error: count }).strict()
  .refine((e) => e.error <= e.count, { message: 'error must not exceed count', path: ['error'] });
const counts = (keyPattern: RegExp, what: string) => z.record(z.string().regex(keyPattern, `${what}`), count)
  .refine((r) => Object.keys(r).length <= L.codes, { message: `at most ${L.codes} entries` });
const ms = z.number().nonnegative().max(86_400_000);

const topSchema = z.object(Object.fromEntries(WEBLOG_DIMENSIONS.map((d) => [d, z.array(entry).max(L.topK)])) as Record<(typeof WEBLOG_DIMENSIONS)[number], z.ZodArray<typeof entry>>).strict();

export const weblogIntervalSchema = z.object({
  source: z.string().min(1).max(WEBLOG_SOURCE_LIMITS.idChars),
  t: z.number().int().nonnegative(),
  i: z.number().int().min(WEBLOG_SOURCE_LIMITS.intervalS.min).max(WEBLOG_SOURCE_LIMITS.intervalS.max),
  requests: count,
  bytes: count,
  classes: z.tuple([count, count, count, count, count]),
  codes: counts(/^[1-5][0-9][0-9]$/, 'a status code is three digits 100…599'),
  methods: counts(/^[A-Z]{1,16}$/, 'a method is 1…16 capital letters'),
  latency: z.object({ p50: ms, p95: ms, p99: ms, max: ms }).strict().nullable(),
  visitors: count,
  top: topSchema,
  malformed: count,
  cut: count,
  samples: z.array(z.string().max(L.sampleChars)).max(L.samples),
  problem: z.string().max(WEBLOG_PROBLEM_CHARS).nullable(),
}).strict();

export const weblogPayloadSchema = z.object({
  v: z.literal(1),
  intervals: z.array(weblogIntervalSchema).max(WEBLOG_SOURCE_LIMITS.sourcesPerAgent),
}).strict();

export type WeblogPayloadCheck = { ok: true; intervals: WeblogInterval[] } | { ok: false; reason: string };

/**
 * Checks one payload (raw MQTT bytes): its size, JSON, the schema, and each interval's time
 * (within what ingest accepts of metrics: not older than maxAgeS, not ahead by more than the skew).
 */
export function parseWeblogPayload(payload: Buffer, nowS: number): WeblogPayloadCheck {
  if (payload.byteLength > WEBLOG_PAYLOAD_MAX_BYTES) return { ok: false, reason: `payload of ${payload.byteLength} bytes exceeds ${WEBLOG_PAYLOAD_MAX_BYTES}` };
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  const parsed = weblogPayloadSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: firstProblem(parsed.error, { root: '(payload)' }) };
  for (const [n, interval] of parsed.data.intervals.entries()) {
    if (interval.t + interval.i > nowS + METRICS_LIMITS.maxFutureSkewS) return { ok: false, reason: `intervals.${n}.t: ahead of the appliance's clock` };
    if (interval.t < nowS - METRICS_LIMITS.maxAgeS) return { ok: false, reason: `intervals.${n}.t: older than ${METRICS_LIMITS.maxAgeS} s` };
  }
  return { ok: true, intervals: parsed.data.intervals };
}
