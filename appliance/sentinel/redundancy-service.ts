// The redundancy settings (S13, B4): which agents are sentinels, their grace period, their own
// network check and the alarm's channels. A change is saved, then every agent that is or was a
// sentinel gets its config published again (through ConfigService, like checks and web logs), so
// the sentinel part, with its contacts' addresses, reaches sentinels only and leaves an agent that
// is one no longer.
import type { PairConfig, PairRole } from '../../contract/pair.js';
import { redundancySchema, type AgentSentinel, type RedundancyResponse } from '../../contract/sentinel.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { problemsOf, type Parsed } from '../../core/validation-problems.js';
import type { RedundancyStore } from './redundancy-store.js';

export interface RedundancyServiceDeps {
  store: RedundancyStore;
  agentExists: (id: string) => boolean;
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
  private current: RedundancyResponse;

  constructor(private readonly deps: RedundancyServiceDeps) {
    this.current = deps.store.load();
  }

  /** The settings as GET answers them: the pair's secret is never shown back (`secretSet`). */
  get(): RedundancyResponse {
    const pair = this.current.pair;
    if (!pair) return this.current;
    const { secret, ...shown } = pair;
    return { ...this.current, pair: { ...shown, secretSet: secret !== undefined } };
  }

  /** The standby pair's settings with the secret (docs/standby.md); null: a lone appliance. */
  pairConfig(): PairConfig | null {
    return this.current.pair;
  }

  /** Promotion (docs/standby.md): this appliance's role in its pair, kept with the settings. */
  setPairRole(role: PairRole, by: string): PairConfig | null {
    const pair = this.current.pair;
    if (!pair) return null;
    const now = this.deps.clock.now();
    const next = { ...this.current, pair: { ...pair, role }, updatedAt: now, updatedBy: by };
    const { updatedAt: _a, updatedBy: _b, ...config } = next;
    this.deps.store.save(config, now, by);
    this.current = next;
    this.deps.pairChanged?.(next.pair);
    return next.pair;
  }

  isSentinel(agentId: string): boolean {
    return this.current.sentinels.includes(agentId);
  }

  /** A sentinel's part of its agent config; null for every other agent. */
  sentinelOf(agentId: string): AgentSentinel | null {
    const c = this.current;
    if (!c.sentinels.includes(agentId)) return null;
    return { appliance: c.name ?? this.deps.defaultName, graceS: c.graceS, ownNetworkCheck: c.ownNetworkCheck, channels: c.channels };
  }

  /** Replaces the settings: 400 problems naming the field, or an unknown sentinel named. */
  async set(body: unknown, by: string): Promise<Parsed<RedundancyResponse>> {
    const parsed = redundancySchema.safeParse(body);
    if (!parsed.success) return { ok: false, problems: problemsOf(parsed.error) };
    const unknown = parsed.data.sentinels.map((id, i) => [id, i] as const).filter(([id]) => !this.deps.agentExists(id));
    if (unknown.length > 0) return { ok: false, problems: unknown.map(([id, i]) => `sentinels.${i}: no agent ${id}`) };
    // the pair's secret is sent once; a PUT without it (GET's answer sent back) keeps the stored one
    let pair: PairConfig | null = null;
    if (parsed.data.pair) {
      const { secretSet: _shown, ...given } = parsed.data.pair;
      const secret = given.secret ?? this.current.pair?.secret;
      if (secret === undefined) return { ok: false, problems: ['pair.secret: required (the same on both appliances of the pair)'] };
      pair = { ...given, secret };
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

  /** A removed agent is no sentinel any more (its config went with it). */
  onAgentRemoved(agentId: string): void {
    if (!this.isSentinel(agentId)) return;
    const next = { ...this.current, sentinels: this.current.sentinels.filter((id) => id !== agentId) };
    const { updatedAt: _a, updatedBy: _b, ...config } = next;
    this.deps.store.save(config, this.deps.clock.now(), 'server removed');
    this.current = { ...next, updatedAt: this.deps.clock.now(), updatedBy: 'server removed' };
  }
}
