// The metrics payload (D3): its schema and the checks an appliance applies before storing it.
import { z } from 'zod';
import { firstProblem } from '../core/validation-problems.js';
import { APPLIANCE_FAMILIES, FAMILIES, FAMILY_NAMES, METRICS_LIMITS, type Family } from './families.js';
import { isCertainlyValidBatch } from './metrics-quick-check.js';

export * from './families.js';

const familyEnum = z.enum(FAMILY_NAMES as [Family, ...Family[]]);

export const sampleSchema = z
  .object({
    /** Unix time in whole seconds. */
    t: z.number().int().positive(),
    f: familyEnum,
    /** Key of a keyed family (mount point, interface name). */
    k: z.string().min(1).max(METRICS_LIMITS.maxKeyLength).optional(),
    /** Field → value; null = unknown (stored as UNKNOWN). */
    v: z.record(z.string(), z.number().finite().nullable()),
    /** This sample's collector interval in seconds when it differs from the batch's `i` (S2). */
    i: z.number().int().min(METRICS_LIMITS.minIntervalS).max(METRICS_LIMITS.maxIntervalS).optional(),
  })
  .strict();

const processSchema = z.object({
  pid: z.number().int().nonnegative(),
  name: z.string().max(256),
  user: z.string().max(64),
  /** % of one CPU, % of memory, or disk bytes/s, by list */
  value: z.number().finite(),
}).strict();

/** Snapshots that are not time series (S1 routing table, top processes, S15 visitors). */
export const snapshotSchema = z.object({
  t: z.number().int().positive(),
  routes: z.array(z.object({
    destination: z.string().max(64), gateway: z.string().max(64), iface: z.string().max(64),
    metric: z.number().int(), family: z.enum(['inet', 'inet6']),
  }).strict()).max(METRICS_LIMITS.maxSnapshotEntries).optional(),
  top: z.object({
    cpu: z.array(processSchema).max(20),
    memory: z.array(processSchema).max(20),
    io: z.array(processSchema).max(20),
    /**
     * S18: the accounts whose processes use the most CPU (% of one CPU, summed) and memory
     * (resident bytes, summed); optional: agents before it send none
     */
    users: z.array(z.object({
      user: z.string().max(64),
      cpu: z.number().finite().nonnegative(),
      memory: z.number().finite().nonnegative(),
    }).strict()).max(20).optional(),
  }).strict().optional(),
  /** current client connections to this server's listening ports */
  visitors: z.array(z.object({
    remote: z.string().max(64),
    remotePort: z.number().int().min(0).max(65535),
    localPort: z.number().int().min(0).max(65535),
  }).strict()).max(METRICS_LIMITS.maxSnapshotEntries).optional(),
}).strict();
export type Snapshot = z.infer<typeof snapshotSchema>;

export const metricsBatchSchema = z
  .object({
    v: z.literal(1),
    /** Collector interval in seconds; it is the RRD step. */
    i: z.number().int().min(METRICS_LIMITS.minIntervalS).max(METRICS_LIMITS.maxIntervalS),
    s: z.array(sampleSchema).max(METRICS_LIMITS.maxSamplesPerBatch),
    /** snapshots taken with this batch */
    x: snapshotSchema.optional(),
  })
  .strict()
  .refine((b) => b.s.length > 0 || b.x !== undefined, { message: 'a batch needs samples or a snapshot', path: ['s'] });

export type Sample = z.infer<typeof sampleSchema>;
export type MetricsBatch = z.infer<typeof metricsBatchSchema>;

/** `json`: the payload's text, when it is what was checked (the live stream relays it) */
export type PayloadCheck<T> = { ok: true; value: T; json?: string } | { ok: false; reason: string };

/** Validates one metrics payload (raw MQTT bytes) against the contract and the time window. */
export function parseMetricsPayload(payload: Buffer | Uint8Array, nowS: number): PayloadCheck<MetricsBatch> {
  if (payload.byteLength > METRICS_LIMITS.maxPayloadBytes) {
    return { ok: false, reason: `payload of ${payload.byteLength} bytes exceeds ${METRICS_LIMITS.maxPayloadBytes}` };
  }
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  // the quick check accepts only what the schema would (test/contract/metrics-quick-check.test.ts)
  if (isCertainlyValidBatch(json, nowS)) return { ok: true, value: json as MetricsBatch, json: text };
  const checked = checkMetricsBatch(json, nowS);
  return checked.ok ? { ...checked, json: text } : checked;
}

/** The full check of a parsed payload: the schema, then what it cannot say (time window, keys, fields). */
export function checkMetricsBatch(json: unknown, nowS: number): PayloadCheck<MetricsBatch> {
  const parsed = metricsBatchSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, reason: firstProblem(parsed.error, { root: '(root)' }) };
  }
  const batch = parsed.data;
  for (const [n, s] of batch.s.entries()) {
    if (s.t > nowS + METRICS_LIMITS.maxFutureSkewS) return { ok: false, reason: `s.${n}.t: ${s.t} is in the future` };
    if (s.t < nowS - METRICS_LIMITS.maxAgeS) return { ok: false, reason: `s.${n}.t: ${s.t} is older than ${METRICS_LIMITS.maxAgeS} s` };
    if (APPLIANCE_FAMILIES.has(s.f)) return { ok: false, reason: `s.${n}.f: family ${s.f} is written by the appliance, not sent by agents` };
    const def = FAMILIES[s.f];
    if (def.keyed !== (s.k !== undefined)) {
      return { ok: false, reason: `s.${n}.k: family ${s.f} ${def.keyed ? 'needs' : 'takes no'} key` };
    }
    for (const field of Object.keys(s.v)) {
      if (!Object.hasOwn(def.fields, field)) return { ok: false, reason: `s.${n}.v.${field}: unknown field of family ${s.f}` };
    }
  }
  return { ok: true, value: batch };
}
