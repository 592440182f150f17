// The redundancy settings (S13, B4): which agents are sentinels, their grace period, their own
// network check and the alarm's channels. A change is saved, then every agent that is or was a
// sentinel gets its config published again (through ConfigService, like checks and web logs), so
// the sentinel part, with its contacts' addresses, reaches sentinels only and leaves an agent that
// is one no longer.
//
// It also keeps what the Redundancy screen shows of the sentinels (in memory, since this start):
// each one's last signed heartbeat, and the last "send a test alarm through every channel": the
// request travels in the sentinels' configs (`test`), each sentinel sends a test message through
// every channel and reports the results with a MAC keyed as the heartbeat is.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { PairConfig, PairRole } from '../../contract/pair.js';
import { redundancySchema, testReportSchema, testReportText, type AgentSentinel, type RedundancyResponse, type RedundancyStatus, type SavedRedundancy, type ShownSentinelChannel } from '../../contract/sentinel.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { problemsOf, type Parsed } from '../../core/validation-problems.js';
import { macWithAgentKey } from './heartbeat.js';
import type { RedundancyStore } from './redundancy-store.js';

export interface RedundancyServiceDeps {
  store: RedundancyStore;
  agentExists: (id: string) => boolean;
  /** the stored scrypt hash of an agent's secret (the test report's key, as the heartbeat's) */
  secretHashOf: (id: string) => string | null;
  /** how an alarm names this appliance when the settings give no name */
  defaultName: string;
  /** publishes again the configs of these agents (ConfigService.checksChanged) */
  configsChanged: (agentIds: readonly string[]) => Promise<void>;
  clock: Clock;
  logger: Logger;
  /** the standby pair's part changed (appliance/pair/pair-service.ts) */
  pairChanged?: (pair: PairConfig | null) => void;
}

export class RedundancyService {
  private current: SavedRedundancy;
  private readonly heartbeats = new Map<string, number>();
  private lastTest: RedundancyStatus['lastTest'] = null;

  constructor(private readonly deps: RedundancyServiceDeps) {
    this.current = deps.store.load();
  }

  /** The settings as GET answers them: the pair's secret is never shown back (`secretSet`). */
  get(): RedundancyResponse {
    const pair = this.current.pair;
    let shownPair: RedundancyResponse['pair'] = null;
    if (pair) {
      const { secret, ...shown } = pair;
      shownPair = { ...shown, secretSet: secret !== undefined };
    }
    return {
      ...this.current,
      pair: shownPair,
      channels: this.current.channels.map((c): ShownSentinelChannel => {
        if (c.type !== 'peer') return c;
        const { token: _secret, ...shown } = c;
        return { ...shown, tokenSet: true };
      }),
      status: {
        heartbeats: this.current.sentinels.map((agentId) => ({ agentId, atMs: this.heartbeats.get(agentId) ?? null })),
        lastTest: this.lastTest,
      },
    };
  }

  /** The standby pair's settings with the secret (docs/standby.md); null: a lone appliance. */
  pairConfig(): PairConfig | null {
    return this.current.pair;
  }

  /**
   * Promotion, or the demotion of the older of two primaries (docs/standby.md "Two primaries"):
   * this appliance's role and promotion term in its pair, kept with the settings.
   */
  setPairRole(role: PairRole, by: string, term: number): PairConfig | null {
    const next = this.savePair({ role, term }, by);
    if (next) this.deps.pairChanged?.(next);
    return next;
  }

  /** A standby takes over the term of the primary it hears; nothing else changes (no pairChanged). */
  setPairTerm(term: number): void {
    this.savePair({ term }, 'pair');
  }

  private savePair(change: Partial<Pick<PairConfig, 'role' | 'term'>>, by: string): PairConfig | null {
    const pair = this.current.pair;
    if (!pair) return null;
    const now = this.deps.clock.now();
    const next = { ...this.current, pair: { ...pair, ...change }, updatedAt: now, updatedBy: by };
    const { updatedAt: _a, updatedBy: _b, ...config } = next;
    this.deps.store.save(config, now, by);
    this.current = next;
    return next.pair;
  }

  isSentinel(agentId: string): boolean {
    return this.current.sentinels.includes(agentId);
  }

  /** A sentinel's part of its agent config; null for every other agent. */
  sentinelOf(agentId: string): AgentSentinel | null {
    const c = this.current;
    if (!c.sentinels.includes(agentId)) return null;
    const test = this.lastTest ? { test: { id: this.lastTest.id, requestedAtMs: this.lastTest.requestedAtMs } } : {};
    return { appliance: c.name ?? this.deps.defaultName, graceS: c.graceS, ownNetworkCheck: c.ownNetworkCheck, channels: c.channels, ...test };
  }

  /** A signed heartbeat went to this sentinel. */
  noteHeartbeat(agentId: string, atMs: number): void {
    this.heartbeats.set(agentId, atMs);
  }

  /** Replaces the settings: 400 problems naming the field, or an unknown sentinel named. */
  async set(body: unknown, by: string): Promise<Parsed<RedundancyResponse>> {
    const parsed = redundancySchema.safeParse(this.withSavedTokens(body));
    if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
    const unknown = parsed.data.sentinels.map((id, i) => [id, i] as const).filter(([id]) => !this.deps.agentExists(id));
    if (unknown.length > 0) return { ok: false, problems: unknown.map(([id, i]) => `sentinels.${i}: no agent ${id}`) };
    // the pair's secret is sent once; a PUT without it (GET's answer sent back) keeps the stored one
    let pair: PairConfig | null = null;
    if (parsed.data.pair) {
      const { secretSet: _shown, ...given } = parsed.data.pair;
      const secret = given.secret ?? this.current.pair?.secret;
      if (secret === undefined) return { ok: false, problems: ['pair.secret: required (the same on both appliances of the pair)'] };
      // the promotion term is the appliance's own (docs/standby.md "Two primaries"), never the PUT's
      pair = { ...given, secret, term: this.current.pair?.term ?? 0 };
    }
    const data = { ...parsed.data, pair };
    const before = this.current.sentinels;
    const now = this.deps.clock.now();
    this.deps.store.save(data, now, by);
    this.current = { ...data, updatedAt: now, updatedBy: by };
    this.deps.pairChanged?.(pair);
    this.deps.logger.info('redundancy settings changed', { sentinels: parsed.data.sentinels.length, channels: parsed.data.channels.length, by });
    await this.deps.configsChanged([...before, ...parsed.data.sentinels]);
    return { ok: true, value: this.get() };
  }

  /** A peer channel given without its token (GET never shows it) gets the token saved for the same URL. */
  private withSavedTokens(body: unknown): unknown {
    if (body === null || typeof body !== 'object' || !Array.isArray((body as { channels?: unknown }).channels)) return body;
    const saved = new Map(this.current.channels.flatMap((c) => (c.type === 'peer' ? [[c.url, c.token] as const] : [])));
    const channels = ((body as { channels: unknown[] }).channels).map((c) => {
      if (c === null || typeof c !== 'object') return c;
      const ch = c as { type?: unknown; url?: unknown; token?: unknown; tokenSet?: unknown };
      if (ch.type !== 'peer' || (ch.token !== undefined && ch.token !== '')) return c;
      const { tokenSet: _shown, token: _empty, ...rest } = ch;
      const token = typeof ch.url === 'string' ? saved.get(ch.url) : undefined;
      return token === undefined ? rest : { ...rest, token };
    });
    return { ...(body), channels };
  }

  /** "Send a test alarm through every channel": every sentinel is asked through its config. */
  async requestTest(by: string): Promise<{ id: string; sentinels: number }> {
    const id = randomBytes(12).toString('hex');
    this.lastTest = { id, requestedAtMs: this.deps.clock.now(), requestedBy: by, reports: [] };
    this.deps.logger.info('test alarm requested', { sentinels: this.current.sentinels.length, by });
    await this.deps.configsChanged(this.current.sentinels);
    return { id, sentinels: this.current.sentinels.length };
  }

  /** A sentinel's test results: 400 problems, or refused (null) when the MAC, the sentinel or the test do not match. */
  acceptReport(body: unknown): Parsed<{ accepted: boolean }> {
    const parsed = testReportSchema.safeParse(body);
    if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
    const r = parsed.data;
    const test = this.lastTest;
    if (!test || test.id !== r.testId || !this.isSentinel(r.agentId)) return { ok: true, value: { accepted: false } };
    const { mac: given, ...unsigned } = r;
    const expected = macWithAgentKey(this.deps.secretHashOf(r.agentId), testReportText(unsigned))?.mac;
    const a = Buffer.from(given, 'base64url');
    const b = Buffer.from(expected ?? '', 'base64url');
    if (expected === undefined || a.length !== b.length || !timingSafeEqual(a, b)) return { ok: true, value: { accepted: false } };
    const report = { agentId: r.agentId, atMs: this.deps.clock.now(), channels: r.channels };
    test.reports = [...test.reports.filter((x) => x.agentId !== r.agentId), report];
    this.deps.logger.info('a sentinel reported its test', { agentId: r.agentId, failed: r.channels.filter((c) => !c.ok).length });
    return { ok: true, value: { accepted: true } };
  }

  /** A removed agent is no sentinel any more (its config went with it). */
  onAgentRemoved(agentId: string): void {
    if (!this.isSentinel(agentId)) return;
    const next = { ...this.current, sentinels: this.current.sentinels.filter((id) => id !== agentId) };
    const { updatedAt: _a, updatedBy: _b, ...config } = next;
    this.deps.store.save(config, this.deps.clock.now(), 'server removed');
    this.current = { ...next, updatedAt: this.deps.clock.now(), updatedBy: 'server removed' };
  }
}
