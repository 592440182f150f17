// Forwarding beyond the box (S19, B8; docs/api.md "Federation"): the appliance's samples to a
// Prometheus remote-write 1.0 endpoint (Prometheus, VictoriaMetrics, Mimir, Thanos receive), and
// its alert changes to an Alertmanager. GET/PUT /api/v1/federation (admins, federation:manage).
import { z } from 'zod';
import { FAMILY_NAMES } from './families.js';

export const FEDERATION_LIMITS = {
  maxUrlChars: 2048,
  maxLabelChars: 128,
  maxSecretChars: 4096,
  /** a CA bundle in PEM: a few certificates */
  maxCaChars: 64 * 1024,
  /** a CA file's path; the file itself is bounded by maxCaChars bytes */
  maxPathChars: 4096,
  maxDownsampleS: 3600,
  minQueueBytes: 1 << 20,
  maxQueueBytes: 16 * 1024 ** 3,
  defaultQueueBytes: 256 << 20,
  /** remote-write requests in flight at once while a backlog drains (remote-writer.ts: never two with one series) */
  maxParallelRequests: 8,
  defaultParallelRequests: 4,
} as const;

const urlSchema = z.string().max(FEDERATION_LIMITS.maxUrlChars)
  .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'must be an http:// or https:// URL');

/** Basic auth or a bearer token, sent with every request; null: none. */
export const forwardAuthSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('basic'), username: z.string().min(1).max(FEDERATION_LIMITS.maxLabelChars), password: z.string().max(FEDERATION_LIMITS.maxSecretChars) }),
  z.strictObject({ kind: z.literal('bearer'), token: z.string().min(1).max(FEDERATION_LIMITS.maxSecretChars) }),
]).nullable();
export type ForwardAuth = z.infer<typeof forwardAuthSchema>;

/**
 * What a PUT says of the auth: secrets are write-only (GET says only that one is set), so a PUT
 * may leave one out to keep the stored one: `auth` left out keeps the stored auth as it is; a basic
 * `password` left out keeps the stored password (null or '': none); a bearer `token` left out keeps
 * the stored token (there must be one). `auth: null` clears it.
 */
export const forwardAuthUpdateSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('basic'), username: z.string().min(1).max(FEDERATION_LIMITS.maxLabelChars), password: z.string().max(FEDERATION_LIMITS.maxSecretChars).nullable().optional() }),
  z.strictObject({ kind: z.literal('bearer'), token: z.string().min(1).max(FEDERATION_LIMITS.maxSecretChars).optional() }),
]).nullable();
export type ForwardAuthUpdate = z.infer<typeof forwardAuthUpdateSchema>;

const caSchema = z.string().max(FEDERATION_LIMITS.maxCaChars)
  .refine((s) => s.includes('-----BEGIN CERTIFICATE-----'), 'must be PEM certificates (-----BEGIN CERTIFICATE-----)')
  .nullable();

/** An absolute path to a PEM CA file on the appliance, read when the settings are saved and at start. */
const caFileSchema = z.string().max(FEDERATION_LIMITS.maxPathChars).regex(/^\/[^\0]*$/, 'must be an absolute path').nullable();

const remoteWriteShape = {
  /** e.g. http://prometheus:9090/api/v1/write, http://vminsert:8480/insert/0/prometheus/api/v1/write */
  url: urlSchema,
  /** 0: every stored sample; n: one average per series every n seconds */
  downsampleS: z.int().min(0).max(FEDERATION_LIMITS.maxDownsampleS).default(0),
  /** the families sent; null: all of them */
  families: z.array(z.enum(FAMILY_NAMES)).max(FAMILY_NAMES.length).nullable().default(null),
  auth: forwardAuthSchema.default(null),
  /** PEM CA certificates an https endpoint's certificate must chain to; null: the system's */
  caCertificates: caSchema.default(null),
  /** a PEM CA file instead (the "TLS with a CA file"); not both */
  caFile: caFileSchema.default(null),
  /** the on-disk queue's bound: beyond it the oldest samples are dropped and counted */
  queueMaxBytes: z.int().min(FEDERATION_LIMITS.minQueueBytes).max(FEDERATION_LIMITS.maxQueueBytes).default(FEDERATION_LIMITS.defaultQueueBytes),
  /** requests sent side by side while a backlog drains (1: one at a time) */
  parallelRequests: z.int().min(1).max(FEDERATION_LIMITS.maxParallelRequests).default(FEDERATION_LIMITS.defaultParallelRequests),
};
const notBoth = { message: 'give caFile or caCertificates, not both', path: ['caFile'] };
export const remoteWriteSettingsSchema = z.strictObject(remoteWriteShape).refine((r) => r.caFile === null || r.caCertificates === null, notBoth);
export type RemoteWriteSettings = z.infer<typeof remoteWriteSettingsSchema>;

const alertmanagerShape = {
  /** the Alertmanager's base URL, e.g. http://alertmanager:9093 (…/api/v2/alerts is added) */
  url: urlSchema,
  auth: forwardAuthSchema.default(null),
  caCertificates: caSchema.default(null),
  caFile: caFileSchema.default(null),
};
export const alertmanagerSettingsSchema = z.strictObject(alertmanagerShape).refine((a) => a.caFile === null || a.caCertificates === null, notBoth);
export type AlertmanagerSettings = z.infer<typeof alertmanagerSettingsSchema>;

const applianceLabelSchema = z.string().min(1).max(FEDERATION_LIMITS.maxLabelChars).regex(/^[\x20-\x7e]+$/, 'must be printable ASCII');

/** The settings as stored (SQLite `settings`, key 'federation'), secrets in full. */
export const federationSettingsSchema = z.strictObject({
  /** the `appliance` label on everything sent; default: the appliance's host name */
  appliance: applianceLabelSchema.optional(),
  remoteWrite: remoteWriteSettingsSchema.nullable().default(null),
  alertmanager: alertmanagerSettingsSchema.nullable().default(null),
});
export type FederationSettings = z.infer<typeof federationSettingsSchema>;

/** PUT /api/v1/federation: the body; the same as stored, except that secrets may be left out to keep them (forwardAuthUpdateSchema). */
export const federationUpdateSchema = z.strictObject({
  appliance: applianceLabelSchema.optional(),
  remoteWrite: z.strictObject({ ...remoteWriteShape, auth: forwardAuthUpdateSchema.optional() })
    .refine((r) => r.caFile === null || r.caCertificates === null, notBoth).nullable().default(null),
  alertmanager: z.strictObject({ ...alertmanagerShape, auth: forwardAuthUpdateSchema.optional() })
    .refine((a) => a.caFile === null || a.caCertificates === null, notBoth).nullable().default(null),
});
export type FederationUpdate = z.infer<typeof federationUpdateSchema>;

/** What GET shows of a secret: whether one is set, never the secret itself. */
export type ForwardAuthView = { kind: 'basic'; username: string; passwordSet: boolean } | { kind: 'bearer'; tokenSet: true } | null;

export interface FederationStatus {
  /** samples the endpoint accepted since start */
  samplesSent: number;
  /** dropped: the queue's bound reached (oldest first) or refused with a 4xx other than 429 */
  samplesDropped: number;
  requestsFailed: number;
  bytesSent: number;
  queuedSamples: number;
  queuedBytes: number;
  /** the time (ms since the epoch) of the oldest sample waiting in the queue, null when none: how far behind the endpoint is */
  oldestQueuedAt: number | null;
  /** the last failure, or null */
  lastError: { message: string; at: number } | null;
  alertsPosted: number;
  alertPostsFailed: number;
}

/** GET and PUT /api/v1/federation: the answer. */
export interface FederationResponse {
  appliance: string;
  remoteWrite: (Omit<RemoteWriteSettings, 'auth'> & { auth: ForwardAuthView }) | null;
  alertmanager: (Omit<AlertmanagerSettings, 'auth'> & { auth: ForwardAuthView }) | null;
  status: FederationStatus;
}
