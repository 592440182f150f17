// Metric families and the metrics payload (S1, D3). Each family lists its fields once; the agent
// fills them, the appliance validates and stores them (one RRD data source per field, in this
// order), and the web UI labels them. Adding a field to a family changes the RRD layout: see the
// README ("Storage") before doing it.
import { z } from 'zod';

export type Unit = '%' | 'B' | 'B/s' | '/s' | '' ;

export interface FamilyDef {
  /** true when the family has one series per key (filesystem mount point, interface name). */
  keyed: boolean;
  /** Field name → unit. Field names are RRD data-source names: [a-z0-9_], at most 19 chars. */
  fields: Record<string, Unit>;
}

export const FAMILIES = {
  cpu: { keyed: false, fields: { user: '%', system: '%', iowait: '%', steal: '%', idle: '%' } },
  load: { keyed: false, fields: { load1: '', load5: '', load15: '' } },
  memory: {
    keyed: false,
    fields: { total: 'B', used: 'B', available: 'B', cached: 'B', swap_total: 'B', swap_used: 'B' },
  },
  fs: {
    keyed: true,
    fields: { size: 'B', used: 'B', avail: 'B', inodes: '', inodes_used: '' },
  },
  net: {
    keyed: true,
    fields: {
      rx_bytes: 'B/s', tx_bytes: 'B/s', rx_packets: '/s', tx_packets: '/s',
      rx_errs: '/s', tx_errs: '/s', rx_drop: '/s', tx_drop: '/s', colls: '/s',
    },
  },
} as const satisfies Record<string, FamilyDef>;

export type Family = keyof typeof FAMILIES;
export const FAMILY_NAMES = Object.keys(FAMILIES) as Family[];
export type FieldOf<F extends Family> = keyof (typeof FAMILIES)[F]['fields'] & string;

export function familyFields(family: Family): string[] {
  return Object.keys(FAMILIES[family].fields);
}

/** Limits of the metrics payload; a payload outside them is dropped and counted. */
export const METRICS_LIMITS = {
  /** bytes of one MQTT payload (a full sample of a big server is ~3 KB). */
  maxPayloadBytes: 256 * 1024,
  maxSamplesPerBatch: 2000,
  maxKeyLength: 200,
  /** seconds a timestamp may be ahead of the appliance's clock (clock skew). */
  maxFutureSkewS: 300,
  /** seconds a sample may be old: the agent's disk queue keeps at most this much (issue 3). */
  maxAgeS: 7 * 24 * 3600,
  minIntervalS: 1,
  maxIntervalS: 3600,
} as const;

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
  })
  .strict();

export const metricsBatchSchema = z
  .object({
    v: z.literal(1),
    /** Collector interval in seconds; it is the RRD step. */
    i: z.number().int().min(METRICS_LIMITS.minIntervalS).max(METRICS_LIMITS.maxIntervalS),
    s: z.array(sampleSchema).min(1).max(METRICS_LIMITS.maxSamplesPerBatch),
  })
  .strict();

export type Sample = z.infer<typeof sampleSchema>;
export type MetricsBatch = z.infer<typeof metricsBatchSchema>;

export type PayloadCheck<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Validates one metrics payload (raw MQTT bytes) against the contract and the time window. */
export function parseMetricsPayload(payload: Buffer | Uint8Array, nowS: number): PayloadCheck<MetricsBatch> {
  if (payload.byteLength > METRICS_LIMITS.maxPayloadBytes) {
    return { ok: false, reason: `payload of ${payload.byteLength} bytes exceeds ${METRICS_LIMITS.maxPayloadBytes}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch {
    return { ok: false, reason: 'payload is not JSON' };
  }
  const parsed = metricsBatchSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, reason: first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid payload' };
  }
  const batch = parsed.data;
  for (const [n, s] of batch.s.entries()) {
    if (s.t > nowS + METRICS_LIMITS.maxFutureSkewS) return { ok: false, reason: `s.${n}.t: ${s.t} is in the future` };
    if (s.t < nowS - METRICS_LIMITS.maxAgeS) return { ok: false, reason: `s.${n}.t: ${s.t} is older than ${METRICS_LIMITS.maxAgeS} s` };
    const def = FAMILIES[s.f];
    if (def.keyed !== (s.k !== undefined)) {
      return { ok: false, reason: `s.${n}.k: family ${s.f} ${def.keyed ? 'needs' : 'takes no'} key` };
    }
    for (const field of Object.keys(s.v)) {
      if (!(field in def.fields)) return { ok: false, reason: `s.${n}.v.${field}: unknown field of family ${s.f}` };
    }
  }
  return { ok: true, value: batch };
}
