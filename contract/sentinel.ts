// Sentinel servers (S13, B4; docs/api.md "Redundancy", docs/agent.md "Sentinel"): agents marked as
// sentinels watch the appliance and raise the alarm through their own channels when it dies.
// The appliance keeps the redundancy settings (GET/PUT /api/v1/redundancy) and sends each sentinel
// its part in its retained config (`sentinel`, agent-config-mini.ts). Written in zod/mini: the
// agent validates its part with it, the appliance the whole body (one schema, so the two agree).
//
// The channels carry contacts' addresses (e-mail, webhook credentials in headers): they travel
// only in sentinels' configs, never to other agents, and over MQTT with TLS where it is on.
import * as z from 'zod/mini';
import { pairSchema, publicKeyPinSchema } from './pair.js';

export const SENTINEL_LIMITS = {
  /** agents marked as sentinels */
  sentinels: 16,
  /** seconds both the MQTT session and the signed heartbeat must have failed before the alarm */
  graceS: { min: 2, max: 3600, default: 60 },
  /** channels one alarm goes through */
  channels: 8,
  urlChars: 2048,
  headers: 16,
  headerNameChars: 64,
  headerValueChars: 1024,
  bodyTemplateChars: 4096,
  hostChars: 253,
  addressChars: 254,
  recipients: 16,
  applianceNameChars: 64,
  devicePathChars: 255,
  /** what a sentinel saw, as a peer accepts it */
  seenChars: 1024,
  /** a channel's error in a test report */
  testErrorChars: 300,
  /** the heartbeat's challenge: hex, 16 to 64 characters (8 to 32 random bytes) */
  nonceHex: { min: 16, max: 64 },
} as const;

const L = SENTINEL_LIMITS;

const hostSchema = z.string().check(
  z.minLength(1, 'must not be empty'), z.maxLength(L.hostChars, `at most ${L.hostChars} characters`),
  z.regex(/^[A-Za-z0-9.:_-]+$/, 'a host name or an IP address'),
);
const emailSchema = z.string().check(
  z.maxLength(L.addressChars, `at most ${L.addressChars} characters`),
  // no CR, LF, <, > or spaces: the address goes into SMTP commands and headers as it is
  z.regex(/^[^\s<>@,;"]+@[^\s<>@,;"]+$/, 'an e-mail address (name@host)'),
);

export const webhookChannelSchema = z.strictObject({
  type: z.literal('webhook'),
  url: z.string().check(
    z.maxLength(L.urlChars, `at most ${L.urlChars} characters`),
    z.regex(/^https?:\/\/[^\s]+$/, 'an http:// or https:// URL'),
  ),
  /** default POST */
  method: z.optional(z.enum(['POST', 'PUT', 'GET'])),
  headers: z.optional(z.record(
    z.string().check(z.regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name: letters, digits and -')),
    z.string().check(z.maxLength(L.headerValueChars, `at most ${L.headerValueChars} characters`), z.regex(/^[^\r\n]*$/, 'one line')),
  ).check(z.refine((h) => Object.keys(h).length <= L.headers, `at most ${L.headers} headers`))),
  /**
   * the body, with {{appliance}} {{event}} {{since}} {{seen}} {{message}} replaced (JSON-escaped
   * when the content-type header says JSON); default: a JSON object of those fields
   */
  body: z.optional(z.string().check(z.maxLength(L.bodyTemplateChars, `at most ${L.bodyTemplateChars} characters`))),
});

export const smtpChannelSchema = z.strictObject({
  type: z.literal('smtp'),
  /** an SMTP relay on the sentinel's network that accepts mail from it without a login */
  host: hostSchema,
  /** default 25 */
  port: z.optional(z.int().check(z.minimum(1), z.maximum(65535))),
  from: emailSchema,
  to: z.array(emailSchema).check(z.minLength(1, 'at least one recipient'), z.maxLength(L.recipients, `at most ${L.recipients} recipients`)),
});

/** SMS through a GSM modem on the sentinel's own serial port, with the appliance's AT engine and codec (gsm/). */
export const modemChannelSchema = z.strictObject({
  type: z.literal('modem'),
  /** the serial device on the sentinel (a /dev/serial/by-id/… link is re-resolved on every open) */
  device: z.string().check(
    z.maxLength(L.devicePathChars, `at most ${L.devicePathChars} characters`),
    z.regex(/^\/[A-Za-z0-9._/:+-]+$/, 'an absolute device path such as /dev/ttyUSB2'),
  ),
  /** the SIM's PIN, sent at most once */
  pin: z.optional(z.string().check(z.regex(/^\d{4,8}$/, 'must be 4 to 8 digits'))),
  /** E.164 numbers */
  to: z.array(z.string().check(z.regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +821012345678'))).check(
    z.minLength(1, 'at least one recipient'), z.maxLength(L.recipients, `at most ${L.recipients} recipients`),
  ),
});

/**
 * A peer appliance: the alarm is POSTed to its `POST /api/v1/sentinel/alarm` with one of its API
 * tokens (role operator or admin), and it texts its own contacts through its own outbox. The peer
 * is also where several sentinels agree (docs/agent.md "Sentinel"): it answers whether this
 * sentinel is the first to report the outage, and only the first sends through the other channels.
 */
export const peerChannelSchema = z.strictObject({
  type: z.literal('peer'),
  /** the peer's base URL, e.g. https://10.0.0.2 */
  url: z.string().check(
    z.maxLength(L.urlChars, `at most ${L.urlChars} characters`),
    z.regex(/^https?:\/\/[^\s/]+\/?$/, 'an http:// or https:// base URL (no path)'),
  ),
  token: z.string().check(z.regex(/^[A-Za-z0-9_.-]{8,256}$/, 'an API token of the peer')),
  /** `sha256//…` of the peer's key: an https:// peer with its self-signed certificate is trusted by this key alone, before the token is sent */
  pin: z.optional(publicKeyPinSchema),
}).check(z.refine((c) => c.pin === undefined || c.url.startsWith('https://'), { message: 'a pin needs an https:// URL (a pin is a TLS key)', path: ['pin'] }));

export const sentinelChannelSchema = z.discriminatedUnion('type', [webhookChannelSchema, smtpChannelSchema, modemChannelSchema, peerChannelSchema]);
export type SentinelChannel = z.infer<typeof sentinelChannelSchema>;
export type WebhookChannel = z.infer<typeof webhookChannelSchema>;
export type SmtpChannel = z.infer<typeof smtpChannelSchema>;
export type ModemChannel = z.infer<typeof modemChannelSchema>;
export type PeerChannel = z.infer<typeof peerChannelSchema>;

/** POST /api/v1/sentinel/alarm on a peer appliance (permission 'sentinel:report'). */
export const peerAlarmSchema = z.strictObject({
  /** 'test': the channel's test (POST /api/v1/redundancy/test): answered, nothing raised */
  event: z.enum(['alarm', 'recovery', 'test']),
  /** the watched appliance's name: the key the peer de-duplicates by */
  appliance: z.string().check(z.minLength(1), z.maxLength(L.applianceNameChars)),
  /** the reporting sentinel's host name */
  sentinel: z.string().check(z.minLength(1), z.maxLength(L.hostChars)),
  /** ISO 8601: last seen alive */
  since: z.string().check(z.maxLength(40)),
  seen: z.string().check(z.maxLength(L.seenChars)),
});
export type PeerAlarm = z.infer<typeof peerAlarmSchema>;

/** What the peer answers: `first` is true for the one sentinel whose report opened the alarm. */
export interface PeerAlarmResponse {
  first: boolean;
  /** the sentinel that reported the open alarm first (null: not known, e.g. after the peer restarted) */
  firstBy: string | null;
}

/**
 * What the sentinel checks before it alarms: its own network. `host:port` is a TCP connect that
 * must succeed; a bare host is one ping; null is one ping to the default gateway.
 */
const ownNetworkCheckSchema = z.nullable(z.string().check(
  z.maxLength(L.hostChars + 6, `at most ${L.hostChars + 6} characters`),
  z.regex(/^[A-Za-z0-9._-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/, 'a host, host:port or [IPv6]:port'),
));

const channelsSchema = z.array(sentinelChannelSchema).check(z.maxLength(L.channels, `at most ${L.channels} channels`));
const graceSchema = z.int().check(
  z.minimum(L.graceS.min, `must be at least ${L.graceS.min} s`), z.maximum(L.graceS.max, `must be at most ${L.graceS.max} s`),
);

const testIdSchema = z.string().check(z.regex(/^[0-9a-f]{16,64}$/, 'a test id (hex)'));

/** A sentinel's part of its agent config (`sentinel`): absent on every other agent. */
export const agentSentinelSchema = z.strictObject({
  /** how the alarm names the appliance */
  appliance: z.string().check(z.minLength(1), z.maxLength(L.applianceNameChars)),
  graceS: graceSchema,
  ownNetworkCheck: ownNetworkCheckSchema,
  channels: channelsSchema,
  /**
   * the last "send a test alarm through every channel" (POST /api/v1/redundancy/test): a sentinel
   * that has not yet run this id sends a test message through each channel and reports the results
   */
  test: z.optional(z.nullable(z.strictObject({ id: testIdSchema, requestedAtMs: z.number() }))),
});
export type AgentSentinel = z.infer<typeof agentSentinelSchema>;

/** The body of PUT /api/v1/redundancy (and what GET answers, with `updatedAt`/`updatedBy`). */
export const redundancySchema = z.strictObject({
  /** agent ids */
  sentinels: z.array(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'an agent id'))).check(
    z.maxLength(L.sentinels, `at most ${L.sentinels} sentinels`),
    z.refine((ids) => new Set(ids).size === ids.length, 'each agent once'),
  ),
  graceS: z._default(graceSchema, L.graceS.default),
  ownNetworkCheck: z._default(ownNetworkCheckSchema, null),
  channels: z._default(channelsSchema, []),
  /** how the alarm names this appliance; default: its public address */
  name: z.optional(z.string().check(z.minLength(1, 'must not be empty'), z.maxLength(L.applianceNameChars, `at most ${L.applianceNameChars} characters`))),
  /** the standby pair (contract/pair.ts, docs/standby.md); null: a lone appliance */
  pair: z._default(z.nullable(pairSchema), null),
});
export type RedundancyConfig = z.infer<typeof redundancySchema>;

export interface SavedRedundancy extends RedundancyConfig {
  /** ms since the epoch; null: never saved (the defaults) */
  updatedAt: number | null;
  updatedBy: string | null;
}

/**
 * A channel as GET /redundancy shows it: a peer's API token is write-only (like the forwarding
 * settings' secrets); `tokenSet` says one is kept. A PUT that leaves a peer's token out keeps the
 * one saved for the same URL.
 */
export type ShownSentinelChannel = Exclude<SentinelChannel, PeerChannel> | (Omit<PeerChannel, 'token'> & { tokenSet: true });

export interface RedundancyResponse extends Omit<SavedRedundancy, 'channels'> {
  channels: ShownSentinelChannel[];
  /** what the appliance has seen of its sentinels since it started (kept in memory) */
  status: RedundancyStatus;
}

export interface RedundancyStatus {
  /** each sentinel's last signed heartbeat (null: none since the appliance started) */
  heartbeats: { agentId: string; atMs: number | null }[];
  /** the last test (null: none since the appliance started) */
  lastTest: {
    id: string;
    requestedAtMs: number;
    requestedBy: string;
    /** one entry per sentinel that reported */
    reports: SentinelTestReport[];
  } | null;
}

/** One channel's result in a sentinel's test report. */
export interface ChannelTestResult {
  /** the channel's index in `channels` */
  index: number;
  type: SentinelChannel['type'];
  ok: boolean;
  error: string | null;
}

export interface SentinelTestReport {
  agentId: string;
  /** when the appliance received the report */
  atMs: number;
  channels: ChannelTestResult[];
}

/**
 * POST /api/v1/sentinel/test-result (public; the MAC is the proof, keyed as the heartbeat is):
 * a sentinel's results of a test. `mac` is HMAC-SHA256 over testReportText().
 */
export const testReportSchema = z.strictObject({
  agentId: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'an agent id')),
  testId: testIdSchema,
  channels: z.array(z.strictObject({
    index: z.int().check(z.minimum(0), z.maximum(L.channels - 1)),
    type: z.enum(['webhook', 'smtp', 'modem', 'peer']),
    ok: z.boolean(),
    error: z.nullable(z.string().check(z.maxLength(L.testErrorChars))),
  })).check(z.maxLength(L.channels)),
  mac: z.string().check(z.regex(/^[A-Za-z0-9_-]{20,100}$/, 'base64url')),
});
export type TestReportBody = z.infer<typeof testReportSchema>;

export function testReportText(r: Omit<TestReportBody, 'mac'>): string {
  return ['rackwatch-test-report-v1', r.agentId, r.testId, JSON.stringify(r.channels)].join('\n');
}

/**
 * GET /api/v1/sentinel/heartbeat?agent=<id>&nonce=<hex> (public): the signed heartbeat. `mac` is
 * HMAC-SHA256 over heartbeatText(), keyed with the scrypt hash of the agent's secret (`kdf`
 * names its parameters and salt; the appliance keeps exactly that hash, the agent derives it).
 */
export interface SentinelHeartbeat {
  v: 1;
  agentId: string;
  nonce: string;
  /** the appliance's clock, ms since the epoch */
  atMs: number;
  status: string;
  /** an announced planned restart: no alarm until it ends (signed, so no one else can announce one) */
  plannedRestartUntilMs: number | null;
  /** `scrypt$N$r$p$salt` */
  kdf: string;
  /** base64url */
  mac: string;
}

/** The signed text: every field the sentinel acts on, with a fixed prefix so the MAC means nothing elsewhere. */
export function heartbeatText(h: Omit<SentinelHeartbeat, 'mac' | 'kdf' | 'v'>): string {
  return ['rackwatch-heartbeat-v1', h.agentId, h.nonce, String(h.atMs), h.status, String(h.plannedRestartUntilMs ?? '')].join('\n');
}
