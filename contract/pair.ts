// The standby pair (S13, B4; docs/standby.md): the `pair` part of PUT /api/v1/redundancy, the
// primary's signed heartbeat and the configuration snapshot the standby copies. zod/mini like
// contract/sentinel.ts, whose redundancy schema holds this part.
import * as z from 'zod/mini';

export const PAIR_LIMITS = {
  /** seconds the standby waits without hearing the primary before it sends SMS */
  graceS: { min: 2, max: 3600, default: 60 },
  /** the shared secret, characters */
  secretChars: { min: 16, max: 256 },
  urlChars: 2048,
  /** the heartbeat's nonce and challenge: lower-case hex */
  nonceHex: { min: 16, max: 64 },
  /** a challenge the primary issued is good for this long, once */
  challengeTtlMs: 30_000,
  /** challenges the primary remembers at once (one per poll: the oldest is forgotten first) */
  challengesKept: 64,
  /** the standby polls every graceS / 5, within these */
  pollMs: { min: 1_000, max: 5_000 },
  /** a heartbeat or copy request gives up after this long */
  requestTimeoutMs: 3_000,
} as const;

const L = PAIR_LIMITS;

export const PAIR_ROLES = ['primary', 'standby'] as const;
export type PairRole = (typeof PAIR_ROLES)[number];

/**
 * `sha256//…`: the base64 SHA-256 of a public key (core/public-key-pin.ts's PIN_PATTERN, written
 * out here because the web UI bundles the contract and not core's node:crypto), as `--pin` spells
 * it. The pair's `peerPin` and a sentinel's peer channel's `pin` (contract/sentinel.ts).
 */
export const publicKeyPinSchema = z.string().check(z.regex(/^sha256\/\/[A-Za-z0-9+/]{43}=$/, 'must be sha256// and the base64 SHA-256 of a public key (44 characters)'));

/** The promotion term's bound: far beyond any pair's promotions, and exact in JSON and SQLite. */
const TERM_MAX = 2 ** 31;

export const pairSchema = z.strictObject({
  role: z.enum(PAIR_ROLES),
  /** the other appliance's HTTP(S) origin */
  peer: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).check(z.maxLength(L.urlChars, `at most ${L.urlChars} characters`)),
  /** `sha256//…`: the pair's HTTPS trusts the peer's key alone */
  peerPin: z.optional(publicKeyPinSchema),
  /** the same on both; absent in a PUT: the stored one is kept; never shown back */
  secret: z.optional(z.string().check(
    z.minLength(L.secretChars.min, `at least ${L.secretChars.min} characters`), z.maxLength(L.secretChars.max, `at most ${L.secretChars.max} characters`),
  )),
  /** answered by GET instead of the secret; ignored in a PUT */
  secretSet: z.optional(z.boolean()),
  graceS: z._default(z.int().check(
    z.minimum(L.graceS.min, `must be at least ${L.graceS.min} s`), z.maximum(L.graceS.max, `must be at most ${L.graceS.max} s`),
  ), L.graceS.default),
  /**
   * The promotion term (docs/standby.md "Two primaries"): raised by each promotion above both
   * sides' terms, taken over by a standby from the primary it hears. Kept by the appliance: a
   * PUT's `term` is ignored (the stored one stays); shown back by GET.
   */
  term: z._default(z.int().check(z.nonnegative('must be 0 or more'), z.maximum(TERM_MAX, `must be at most ${TERM_MAX}`)), 0),
});
export type PairConfig = z.infer<typeof pairSchema>;

/** The pair's poll period for a grace period: five polls per grace, 1 to 5 s. */
export function pairPollMs(graceS: number): number {
  return Math.min(L.pollMs.max, Math.max(L.pollMs.min, Math.round(graceS * 1000 / 5)));
}

/** The heartbeat's protocol version: 2 carries the promotion term (a v1 peer is not heard: update both). */
export const PAIR_PROTOCOL = 2;

/** GET /api/v1/pair/heartbeat?nonce=<hex> (public; the MAC is the proof). */
export interface PairHeartbeat {
  v: typeof PAIR_PROTOCOL;
  role: PairRole;
  /** its promotion term: of two primaries, the higher stays primary */
  term: number;
  /** how this appliance names itself (its public address) */
  name: string;
  /** its configuration version (migration 17's counter) */
  configVersion: number;
  /** what a GET /pair/config must prove the secret over (fresh for every heartbeat) */
  challenge: string;
  nonce: string;
  atMs: number;
  /** HMAC-SHA256(secret, pairHeartbeatText(...)), hex */
  mac: string;
}

/** The text the heartbeat's MAC covers: a fixed prefix and each field on its own line. */
export function pairHeartbeatText(h: Omit<PairHeartbeat, 'mac'>): string {
  return ['rackwatch-pair-heartbeat', String(h.v), h.role, String(h.term), h.name, String(h.configVersion), h.challenge, h.nonce, String(h.atMs)].join('\n');
}

/** The text the standby's proof for GET /api/v1/pair/config covers. */
export function pairConfigProofText(challenge: string): string {
  return `rackwatch-pair-config\n${challenge}`;
}

/** The header that carries the proof. */
export const PAIR_PROOF_HEADER = 'x-rackwatch-pair-proof';

/** GET /api/v1/pair/config: the copied tables at one version, each as its column names and rows. */
export interface PairSnapshot {
  v: 1;
  version: number;
  tables: Record<string, { columns: string[]; rows: unknown[][] }>;
}

/** GET /api/v1/pair (admins): what this appliance knows of its pair. */
export interface PairStatus {
  /** null: not in a pair */
  role: PairRole | null;
  peer: string | null;
  graceS: number | null;
  configVersion: number;
  /** the standby: when the primary was last heard (ms since the epoch), null: never since start */
  lastHeardAt: number | null;
  /** the standby holds its SMS (the primary is heard or was within the grace period) */
  holdingSms: boolean;
  /** the last version copied from the primary, and when */
  copiedVersion: number | null;
  copiedAt: number | null;
  /** the last failure to hear or copy from the peer */
  lastError: string | null;
  /** this appliance's promotion term (docs/standby.md "Two primaries") */
  term: number;
  /** what the peer's last signed heartbeat said (either side polls), and when it was heard; null: not heard since start */
  peerRole: PairRole | null;
  peerTerm: number | null;
  peerHeardAt: number | null;
  /** both say primary and neither gives way (equal terms): the self-watch's `self-two-primaries` */
  twoPrimaries: boolean;
  /** when this appliance made itself the standby since start, on hearing a primary of a higher term; null: it did not */
  demotedAt: number | null;
}

/**
 * What an agent's configuration says of the appliance of a pair that published it (`pair` in
 * contract/agent-config-mini.ts): an agent connected to both applies the configuration of the
 * primary with the higher term (agent/pair-config-source.ts).
 */
export const pairTagSchema = z.strictObject({
  role: z.enum(PAIR_ROLES),
  term: z.int().check(z.nonnegative(), z.maximum(TERM_MAX)),
});
export type PairTag = z.infer<typeof pairTagSchema>;
