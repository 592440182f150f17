// The standby pair (S13, B4; docs/standby.md). On either appliance: answers the signed heartbeat
// and, to a proof of the shared secret, the configuration snapshot; refuses edits while standby;
// polls the peer's heartbeat every pairPollMs(graceS).
// On the standby: copies the configuration when its version moved, and holds the SMS outbox
// while the primary was heard within the grace period; past it, tells the on-call contacts once
// and lets the outbox send.
// On the primary: a peer that also says primary is two primaries (docs/standby.md "Two
// primaries"): the one with the lower promotion term makes itself the standby; at equal terms
// both stay primary (both send: duplicates, never none) and the self-watch alerts.
// Promotion makes this appliance the primary under a term above both sides'.
import { PAIR_LIMITS, PAIR_PROOF_HEADER, PAIR_PROTOCOL, pairPollMs, type PairConfig, type PairRole, type PairHeartbeat, type PairSnapshot, type PairStatus } from '../../contract/pair.js';
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
  /** saves this appliance's role and term (RedundancyService.setPairRole; it calls configure() back) */
  setRole: (role: PairRole, by: string, term: number) => void;
  /** saves this appliance's term alone (RedundancyService.setPairTerm): a standby takes the primary's */
  setTerm: (term: number) => void;
  /** this appliance made itself the standby: a primary of a higher term answered (audit, log) */
  onDemoted?: (peer: string, ownTerm: number, peerTerm: number) => void;
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
  /** the peer's last signed heartbeat: its role and term, and when it was heard */
  private peer: { role: PairRole; term: number; heardAt: number } | null = null;
  private demotedAt: number | null = null;
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
    this.peer = null;
    this.updateHold();
    if (this.running && pair?.secret) this.schedule(0);
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
    return signHeartbeat(pair.secret, { v: PAIR_PROTOCOL, role: pair.role, term: pair.term, name: this.deps.name, configVersion: configVersion(this.deps.db), challenge, nonce, atMs: now });
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

  /**
   * One action makes the standby the primary (docs/standby.md "Promotion"), under a term above
   * its own and the peer's last heard: the old primary, when it hears this one, gives way. On one
   * of two primaries of equal terms, the same: this one stays, the other gives way.
   */
  promote(by: string): PairStatus {
    const pair = this.deps.pair();
    if (!pair) throw new RwError('RW_ERR_CONFLICT', 'this appliance is in no pair: set `pair` with PUT /api/v1/redundancy first');
    if (pair.role !== 'primary' || this.twoPrimaries()) {
      const term = Math.max(pair.term, this.peer?.term ?? 0) + 1;
      this.deps.setRole('primary', by, term);
      this.deps.logger.warn('promoted to primary: this appliance sends the SMS and takes the edits; the old primary makes itself the standby when it hears this one', { by, oldPrimary: pair.peer, term });
    }
    return this.status();
  }

  /** Both say primary: the peer said so in a signed heartbeat within the grace period (the self-watch's `self-two-primaries`). */
  twoPrimaries(): boolean {
    const pair = this.deps.pair();
    const peer = this.peer;
    return pair?.role === 'primary' && peer?.role === 'primary' && this.deps.clock.now() - peer.heardAt < pair.graceS * 1000;
  }

  /** The self-watch's finding while there are two primaries; null otherwise. */
  twoPrimariesFinding(): { problem: string; detail: string } | null {
    const pair = this.deps.pair();
    const peer = this.peer;
    if (!pair || !peer || !this.twoPrimaries()) return null;
    const why = peer.term === pair.term
      ? `both at promotion term ${pair.term}, so neither gives way: promote the one that should stay (POST /api/v1/pair/promote) or set the other's role to standby`
      : `this appliance's term ${pair.term} is above the peer's ${peer.term}: the peer should make itself the standby when it hears this one (is it unable to reach this appliance, or older?)`;
    return {
      problem: `two primaries in the pair: ${pair.peer}`,
      detail: `this appliance and its peer ${pair.peer} both say they are the primary; both send SMS (contacts get duplicates) and take edits, which are not copied between them; ${why}`,
    };
  }

  status(): PairStatus {
    const pair = this.deps.pair();
    return {
      role: pair?.role ?? null, peer: pair?.peer ?? null, graceS: pair?.graceS ?? null, configVersion: configVersion(this.deps.db),
      lastHeardAt: this.heardAt, holdingSms: this.smsHold() !== null, copiedVersion: this.copiedVersion, copiedAt: this.copiedAt, lastError: this.lastError,
      term: pair?.term ?? 0, peerRole: this.peer?.role ?? null, peerTerm: this.peer?.term ?? null, peerHeardAt: this.peer?.heardAt ?? null,
      twoPrimaries: this.twoPrimaries(), demotedAt: this.demotedAt,
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
        if (pair?.secret && this.timer === null) this.schedule(pairPollMs(pair.graceS));
      });
    }, ms);
  }

  private async poll(): Promise<void> {
    const pair = this.deps.pair();
    if (!pair?.secret) return;
    try {
      const h = await this.heartbeatOf(pair, pair.secret);
      // the settings changed while the request was out (a promotion, a PUT): configure() polls anew for them
      if (this.deps.pair() !== pair) return;
      this.peer = { role: h.role, term: h.term, heardAt: this.deps.clock.now() };
      if (pair.role === 'primary') this.heardAsPrimary(pair, h);
      else await this.heardAsStandby(pair, pair.secret, h);
      this.lastError = null;
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (this.lastError !== message) this.deps.logger.warn(`cannot hear or copy from the ${pair.role === 'standby' ? 'primary' : 'peer'}`, { peer: pair.peer, error: message });
      this.lastError = message;
    }
  }

  /**
   * This primary heard its peer. A primary promoted more recently (a higher term) is the pair's
   * primary: this one makes itself the standby, holds its SMS from now (it hears that primary) and
   * copies that primary's configuration at its next poll. The other side never does the same at
   * once: its term is the higher, so at most one of two primaries gives way and the one that stays
   * never holds (docs/standby.md "Two primaries").
   */
  private heardAsPrimary(pair: PairConfig, h: PairHeartbeat): void {
    if (h.role !== 'primary' || h.term <= pair.term) return;
    this.deps.logger.warn('the peer is a primary promoted after this one: this appliance makes itself the standby and copies its configuration', { peer: pair.peer, term: pair.term, peerTerm: h.term });
    const heard = this.peer;
    this.deps.setRole('standby', 'pair', h.term);
    // configure() forgot the peer with the old settings: it is the same peer, just heard
    this.peer = heard;
    this.demotedAt = this.deps.clock.now();
    this.deps.onDemoted?.(pair.peer, pair.term, h.term);
  }

  private async heardAsStandby(pair: PairConfig, secret: string, h: PairHeartbeat): Promise<void> {
    if (h.role !== 'primary') throw new Error(`the peer ${pair.peer} says it is ${h.role}, not the primary`);
    const now = this.deps.clock.now();
    this.lastHeardAt = now;
    this.heardAt = now;
    this.updateHold();
    // the primary's term is the pair's: a promotion of this standby goes above it, even after a restart
    if (h.term > pair.term) this.deps.setTerm(h.term);
    if (h.configVersion !== this.copiedVersion) await this.copy(pair, secret, h.challenge);
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
    const v: unknown = h.v; // what the peer sent, whatever its version
    if (v !== PAIR_PROTOCOL) throw new Error(`the peer ${pair.peer} speaks the pair's protocol ${String(v)}, this appliance ${PAIR_PROTOCOL}: update both to the same version`);
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
