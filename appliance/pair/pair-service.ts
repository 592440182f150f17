// The standby pair (S13, B4; docs/standby.md). On either appliance: answers the signed heartbeat
// and, to a proof of the shared secret, the configuration snapshot; refuses edits while standby.
// On the standby: polls the primary's heartbeat every pairPollMs(graceS), copies the
// configuration when its version moved, and holds the SMS outbox while the primary was heard
// within the grace period; past it, tells the on-call contacts once and lets the outbox send.
// Promotion makes this appliance the primary.
import { PAIR_LIMITS, PAIR_PROOF_HEADER, pairPollMs, type PairConfig, type PairHeartbeat, type PairSnapshot, type PairStatus } from '../../contract/pair.js';
import { RwError } from '../../contract/errors.js';
import { API_PREFIX } from '../../contract/api.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { pinnedFetch, type FetchLike } from '../../core/pinned-fetch.js';
import type { Db } from '../db/database.js';
import type { SmsHold } from '../alerting/outbox/sms-outbox.js';
import { applySnapshot, configVersion, readSnapshot } from './config-snapshot.js';
import { configProof, freshHex, sameHex, signHeartbeat, verifyHeartbeat } from './pair-signature.js';

export interface PairServiceDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  /** how this appliance names itself in its heartbeat (its public address) */
  name: string;
  /** the pair's settings, with the secret (RedundancyService.pairConfig) */
  pair: () => PairConfig | null;
  /** makes this appliance the primary (RedundancyService.setPairRole) */
  promote: (by: string) => void;
  /** a copy was applied: the features read their configuration again */
  onCopied: () => Promise<void>;
  /** the standby has not heard the primary for the grace period (once per outage) */
  onTakeOver: (primary: string) => void;
  /** the hold started or ended: the outbox looks again */
  onHoldChanged: () => void;
  /** requests to the peer; by default fetch, or pinned to `peerPin` over HTTPS */
  fetch?: FetchLike;
}

/** Where a change refused on the standby goes (docs/standby.md): the copied things' routes. */
const COPIED_ROUTES = /^\/(servers|groups|rules|contacts|checks|maintenance|users|config|enroll|enrollment)(\/|$)|^\/agents\/[^/]+\/config$/;
/** changes that change nothing copied: a rule's SMS preview */
const NOT_A_CHANGE = /^\/rules\/preview$/;
const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class PairService {
  private timer: unknown = null;
  private running = false;
  /** the start of the current hold: the standby's start, or its last hearing of the primary */
  private lastHeardAt = 0;
  /** a real hearing since start (null: none; then nothing is retired as the primary's) */
  private heardAt: number | null = null;
  private holding = false;
  private copiedVersion: number | null = null;
  private copiedAt: number | null = null;
  private lastError: string | null = null;
  /** challenges this appliance issued in its heartbeats → when; each good once, for challengeTtlMs */
  private readonly challenges = new Map<string, number>();

  constructor(private readonly deps: PairServiceDeps) {}

  start(): void {
    this.running = true;
    this.configure();
  }

  stop(): void {
    this.running = false;
    this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** The settings changed (a PUT /redundancy, a promotion): the hold and the polls start again from them. */
  configure(): void {
    this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
    const pair = this.deps.pair();
    const now = this.deps.clock.now();
    this.lastHeardAt = now;
    this.heardAt = null;
    this.copiedVersion = null;
    this.lastError = null;
    this.updateHold();
    if (this.running && pair?.role === 'standby') this.schedule(0);
  }

  // --- either side ---------------------------------------------------------------------------

  /** The signed heartbeat for a nonce; null when this appliance is in no pair. */
  heartbeat(nonce: string): PairHeartbeat | null {
    const pair = this.deps.pair();
    if (!pair?.secret) return null;
    const now = this.deps.clock.now();
    const challenge = freshHex();
    this.challenges.set(challenge, now);
    while (this.challenges.size > PAIR_LIMITS.challengesKept) {
      const oldest = this.challenges.keys().next().value;
      if (oldest === undefined) break;
      this.challenges.delete(oldest);
    }
    return signHeartbeat(pair.secret, { v: 1, role: pair.role, name: this.deps.name, configVersion: configVersion(this.deps.db), challenge, nonce, atMs: now });
  }

  /** The configuration for a proof over a challenge this appliance issued (once, within its TTL). */
  snapshot(challenge: string, proof: string): PairSnapshot {
    const pair = this.deps.pair();
    const issuedAt = this.challenges.get(challenge);
    this.challenges.delete(challenge);
    const fresh = issuedAt !== undefined && this.deps.clock.now() - issuedAt <= PAIR_LIMITS.challengeTtlMs;
    if (!pair?.secret || !fresh || !sameHex(proof, configProof(pair.secret, challenge))) throw new RwError('RW_ERR_PAIR_PROOF');
    return readSnapshot(this.deps.db);
  }

  /** 409 RW_ERR_PAIR_STANDBY for a change to the copied configuration while standby; else null. */
  refusal(method: string, url: string): RwError | null {
    const pair = this.deps.pair();
    if (pair?.role !== 'standby' || !CHANGES.has(method) || !url.startsWith(API_PREFIX)) return null;
    const path = url.slice(API_PREFIX.length).split('?')[0] ?? '';
    if (!COPIED_ROUTES.test(path) || NOT_A_CHANGE.test(path)) return null;
    const version = this.copiedVersion ?? configVersion(this.deps.db);
    return new RwError('RW_ERR_PAIR_STANDBY', `this appliance is the standby of a pair: edit the configuration on the primary, ${pair.peer} (the configuration here is a copy of its version ${version})`);
  }

  /** One action makes the standby the primary (docs/standby.md "Promotion"). */
  promote(by: string): PairStatus {
    const pair = this.deps.pair();
    if (!pair) throw new RwError('RW_ERR_CONFLICT', 'this appliance is in no pair: set `pair` with PUT /api/v1/redundancy first');
    if (pair.role !== 'primary') {
      this.deps.promote(by);
      this.deps.logger.warn('promoted to primary: this appliance sends the SMS and takes the edits; set the old primary to standby when it returns', { by, oldPrimary: pair.peer });
    }
    return this.status();
  }

  status(): PairStatus {
    const pair = this.deps.pair();
    return {
      role: pair?.role ?? null, peer: pair?.peer ?? null, graceS: pair?.graceS ?? null, configVersion: configVersion(this.deps.db),
      lastHeardAt: this.heardAt, holdingSms: this.smsHold() !== null, copiedVersion: this.copiedVersion, copiedAt: this.copiedAt, lastError: this.lastError,
    };
  }

  // --- the standby ----------------------------------------------------------------------------

  /** The outbox's hold (SmsOutboxDeps.hold): non-null while the standby heard the primary within the grace period. */
  smsHold(): SmsHold | null {
    const pair = this.deps.pair();
    if (pair?.role !== 'standby') return null;
    const graceMs = pair.graceS * 1000;
    if (this.deps.clock.now() - this.lastHeardAt >= graceMs) return null;
    // a message the primary outlived by a whole grace period was sent by the primary
    return { retireCreatedBefore: this.heardAt === null ? 0 : this.heardAt - graceMs, primary: pair.peer };
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = null;
      this.poll().catch((e: unknown) => this.deps.logger.error('the pair poll failed', { err: e })).finally(() => {
        const pair = this.deps.pair();
        this.updateHold();
        if (pair?.role === 'standby' && this.timer === null) this.schedule(pairPollMs(pair.graceS));
      });
    }, ms);
  }

  private async poll(): Promise<void> {
    const pair = this.deps.pair();
    if (pair?.role !== 'standby' || !pair.secret) return;
    try {
      const h = await this.heartbeatOf(pair, pair.secret);
      if (h.role !== 'primary') throw new Error(`the peer ${pair.peer} says it is ${h.role}, not the primary`);
      const now = this.deps.clock.now();
      this.lastHeardAt = now;
      this.heardAt = now;
      this.updateHold();
      if (h.configVersion !== this.copiedVersion) await this.copy(pair, pair.secret, h.challenge);
      this.lastError = null;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (this.lastError !== message) this.deps.logger.warn('cannot hear or copy from the primary', { peer: pair.peer, error: message });
      this.lastError = message;
    }
  }

  private request(pair: PairConfig, path: string, headers: Record<string, string> = {}): Promise<Response> {
    const url = new URL(`${API_PREFIX}${path}`, pair.peer).toString();
    const fetchLike: FetchLike = this.deps.fetch
      ?? (pair.peerPin && url.startsWith('https:') ? pinnedFetch(pair.peerPin) : (u, init) => fetch(u, init));
    return fetchLike(url, { method: 'GET', headers, signal: AbortSignal.timeout(PAIR_LIMITS.requestTimeoutMs) });
  }

  private async heartbeatOf(pair: PairConfig, secret: string): Promise<PairHeartbeat> {
    const nonce = freshHex();
    const res = await this.request(pair, `/pair/heartbeat?nonce=${nonce}`);
    if (!res.ok) throw new Error(`the peer ${pair.peer} answered the heartbeat with HTTP ${res.status}`);
    const h = await res.json() as PairHeartbeat;
    if (!verifyHeartbeat(secret, h, nonce)) throw new Error(`the peer ${pair.peer} answered without the shared secret's signature (is the secret the same on both?)`);
    return h;
  }

  private async copy(pair: PairConfig, secret: string, challenge: string): Promise<void> {
    const res = await this.request(pair, `/pair/config?challenge=${challenge}`, { [PAIR_PROOF_HEADER]: configProof(secret, challenge) });
    if (!res.ok) throw new Error(`the primary ${pair.peer} refused the configuration copy: HTTP ${res.status} ${await res.text()}`);
    const snapshot = await res.json() as PairSnapshot;
    const applied = applySnapshot(this.deps.db, snapshot);
    this.copiedVersion = snapshot.version;
    this.copiedAt = this.deps.clock.now();
    this.deps.logger.info('configuration copied from the primary', { peer: pair.peer, version: snapshot.version, ...applied });
    await this.deps.onCopied();
  }

  private updateHold(): void {
    const holding = this.smsHold() !== null;
    if (holding === this.holding) return;
    this.holding = holding;
    const pair = this.deps.pair();
    if (!holding && pair?.role === 'standby') {
      this.deps.logger.warn('the primary has not been heard for the grace period: the standby sends the SMS', { primary: pair.peer, graceS: pair.graceS });
      this.deps.onTakeOver(pair.peer);
    } else if (holding) {
      this.deps.logger.info('the standby holds its SMS while the primary is heard (or was within the grace period)', { primary: pair?.peer });
    }
    this.deps.onHoldChanged();
  }
}
