// Collector schedules (S2): owns the defaults and the per-agent overrides, and publishes each
// agent's complete configuration RETAINED on rw/v1/<id>/config: on every change, for a newly
// enrolled agent, and at start for every agent under a schedule (Aedes keeps retained messages
// in memory only, so a restarted appliance publishes them again). An agent subscribes to its
// topic and applies what it receives within seconds (agent side).
//
// An agent is "under a schedule" once an operator saved defaults, or saved that agent's own
// settings. Before that nothing is published and the agent runs on its command-line flags
// (`--interval`); afterwards the appliance owns the schedule, and clearing an agent's overrides
// puts it back on the defaults, not on its flags.
//
// Service checks (S5, S6, S16) travel in the same config: an agent's own checks and its groups'
// (checks/check-service.ts). When an agent's list changes (its hash differs from the one last
// sent) the config gets a new revision and is published; an agent that has had checks is
// published to from then on, and one not under a schedule gets no collector settings in it
// (`collectors: {}`: the agent keeps its flags' settings for every collector left out).
//
// Web log sources (S11) travel the same way (`weblogs`, weblog/weblog-sources.ts): the hash that
// tells a changed list covers an agent's checks and its logs together (its checks alone while it
// follows no log, so that hashes saved before web logs existed still match).
//
// Fleet file jobs (S17; `fileJobs`, files/file-jobs-service.ts) too: an agent's open jobs, their
// download links signed anew at each publish; the hash covers them while there are any.
//
// A sentinel's watch of the appliance (S13, B4; `sentinel`, sentinel/redundancy-service.ts) too:
// the hash covers it only on a sentinel, so that marking or unmarking one publishes its config,
// and the channels' contacts reach no other agent.
//
// In a standby pair (S13, B4) every config carries this appliance's role and promotion term
// (`pair`): an agent connected to both applies the primary's (docs/standby.md "Agents after a
// promotion"); when the role or term changes, every published config goes out again.
import { createHash } from 'node:crypto';
import type { AgentConfig } from '../../contract/agent-config.js';
import type { AgentConfigOverrides, AgentConfigResponse, ConfigDefaultsResponse } from '../../contract/fleet-api.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { AgentCheck } from '../../contract/check-definitions.js';
import type { AgentSentinel } from '../../contract/sentinel.js';
import type { PairTag } from '../../contract/pair.js';
import type { AgentFileJob } from '../../contract/file-jobs.js';
import type { AgentWeblogSource } from '../../contract/weblog-sources.js';
import { agentConfigSchema, DEFAULT_QUEUE } from '../../contract/agent-config.js';
import type { ChecksRevision, ConfigRepository, Revisioned } from './config-repository.js';
import type { Parsed } from '../../core/validation-problems.js';
import { applyOverrides, BUILT_IN_DEFAULTS, effectiveConfig, parseOverrides, type ConfigDefaults } from './config-schema.js';

export interface ConfigServiceDeps {
  repo: ConfigRepository;
  /** ids of every known server (pre-registered ones too: their agent finds its schedule waiting) */
  agentIds: () => string[];
  /** MqttBroker.publishConfig: QoS 1, retained */
  publish: (agentId: string, config: AgentConfig) => Promise<void>;
  clock: Clock;
  logger: Logger;
  /** the service checks an agent runs (S5); none: no checks in any config */
  checksOf?: (agentId: string) => AgentCheck[];
  /** the access logs an agent follows (S11); none: no `weblogs` in any config */
  weblogsOf?: (agentId: string) => AgentWeblogSource[];
  /** a sentinel's part of its config (S13, B4); null for every other agent */
  sentinelOf?: (agentId: string) => AgentSentinel | null;
  /** the fleet file jobs an agent has still to run (S17), their links freshly signed; none: no `fileJobs` */
  fileJobsOf?: (agentId: string) => AgentFileJob[];
  /** what the agent reported it runs (its inventory's `collectors`); null: not known */
  runningOf?: (agentId: string) => AgentConfigResponse['running'];
  /** this appliance's role and term in its pair (S13, B4); null or none: a lone appliance, no `pair` in the configs */
  pairTag?: () => PairTag | null;
}

export class ConfigService {
  private running = false;

  constructor(private readonly deps: ConfigServiceDeps) {}

  /** Publishes every scheduled agent's configuration (call once the broker is up). */
  async start(): Promise<void> {
    this.running = true;
    await this.republish();
  }

  /** Publishes again every configuration there is to publish: at start, and when the pair's role or term changed (S13, B4). */
  async republish(): Promise<void> {
    const defaults = this.deps.repo.defaults();
    const overrides = this.deps.repo.allOverrides();
    const checks = this.deps.repo.allChecksRevisions();
    const ids = this.deps.agentIds().filter((id) => defaults !== null || overrides.has(id) || checks.has(id));
    await Promise.all(ids.map((id) => this.publish(id, this.effective(id, defaults, overrides.get(id) ?? null, checks.get(id) ?? null))));
    if (ids.length > 0) this.deps.logger.info('published agent schedules', { agents: ids.length });
  }

  stop(): void {
    this.running = false;
  }

  defaults(): ConfigDefaultsResponse {
    const saved = this.deps.repo.defaults();
    const d = saved?.value ?? BUILT_IN_DEFAULTS;
    return { configured: saved !== null, revision: saved?.revision ?? 0, collectors: d.collectors, queue: d.queue };
  }

  /** Replaces the defaults (settings left out take the built-in ones) and publishes every agent's new configuration. */
  async setDefaults(body: unknown): Promise<Parsed<ConfigDefaultsResponse>> {
    const parsed = parseOverrides(body);
    if (!parsed.ok) return parsed;
    const defaults: ConfigDefaults = applyOverrides(BUILT_IN_DEFAULTS, parsed.value);
    const revision = this.deps.repo.saveDefaults(defaults);
    this.deps.logger.info('agent schedule defaults changed', { revision });
    const saved: Revisioned<ConfigDefaults> = { value: defaults, revision };
    const overrides = this.deps.repo.allOverrides();
    const checks = this.deps.repo.allChecksRevisions();
    // every agent's effective configuration changed revision, even where its overrides hide the change
    await Promise.all(this.deps.agentIds().map((id) => this.publish(id, this.effective(id, saved, overrides.get(id) ?? null, checks.get(id) ?? null))));
    return { ok: true, value: this.defaults() };
  }

  agentConfig(agentId: string): AgentConfigResponse {
    const defaults = this.deps.repo.defaults();
    const overrides = this.deps.repo.overrides(agentId);
    const checks = this.deps.repo.checksRevision(agentId);
    return {
      agentId,
      overrides: overrides?.value ?? {},
      effective: this.effective(agentId, defaults, overrides, checks),
      published: defaults !== null || overrides !== null || checks !== null,
      running: this.deps.runningOf?.(agentId) ?? null,
    };
  }

  /** Replaces one agent's overrides ({} clears them) and publishes its new configuration. The caller checked that the agent exists. */
  async setAgentConfig(agentId: string, body: unknown): Promise<Parsed<AgentConfigResponse>> {
    const parsed = parseOverrides(body);
    if (!parsed.ok) return parsed;
    const revision = this.deps.repo.saveOverrides(agentId, parsed.value, this.deps.clock.now());
    this.deps.logger.info('agent schedule changed', { agentId, revision });
    const response = this.agentConfig(agentId);
    await this.publish(agentId, response.effective);
    return { ok: true, value: response };
  }

  /** A new server (enrolled or pre-registered): its configuration, if it is under a schedule, is waiting when its agent subscribes. */
  onAgentAdded(agentId: string): void {
    const response = this.agentConfig(agentId);
    if (response.published) void this.publish(agentId, response.effective);
  }

  /**
   * The agents' lists of checks or web logs may have changed: each one whose lists differ from
   * the ones last sent gets a new revision and its config published. Agents that never had any
   * and have none are left alone.
   */
  async checksChanged(agentIds: readonly string[]): Promise<void> {
    const changed: string[] = [];
    for (const agentId of new Set(agentIds)) {
      try {
        const checks = this.deps.checksOf?.(agentId) ?? [];
        const weblogs = this.deps.weblogsOf?.(agentId) ?? [];
        const sentinel = this.deps.sentinelOf?.(agentId) ?? null;
        const fileJobs = this.deps.fileJobsOf?.(agentId) ?? [];
        const last = this.deps.repo.checksRevision(agentId);
        if (last === null && checks.length === 0 && weblogs.length === 0 && sentinel === null && fileJobs.length === 0) continue;
        const listed = sentinel !== null ? { checks, weblogs, sentinel } : weblogs.length === 0 ? checks : { checks, weblogs };
        // file jobs count only while there are some: hashes saved before they existed still match
        const assigned = fileJobs.length === 0 ? listed : { listed, fileJobs };
        const fingerprint = createHash('sha256').update(JSON.stringify(assigned)).digest('base64url');
        if (last?.fingerprint === fingerprint) continue;
        this.deps.repo.saveChecksFingerprint(agentId, fingerprint);
        changed.push(agentId);
      } catch (e) {
        // one agent (removed meanwhile, a full disk) must not keep the others from theirs
        this.deps.logger.error('could not save an agent\'s checks revision', { agentId, err: e });
      }
    }
    if (changed.length > 0) this.deps.logger.info('agents\' checks changed', { agents: changed.length });
    await Promise.all(changed.map((id) => this.publish(id, this.agentConfig(id).effective)));
  }

  private scheduled(agentId: string): boolean {
    return this.deps.repo.defaults() !== null || this.deps.repo.overrides(agentId) !== null;
  }

  private effective(
    agentId: string, defaults: Revisioned<ConfigDefaults> | null, overrides: Revisioned<AgentConfigOverrides> | null, checks: ChecksRevision | null,
  ): AgentConfig {
    // the newest of the changes is the revision: it grows with every change that reaches this agent
    const revision = Math.max(defaults?.revision ?? 0, overrides?.revision ?? 0, checks?.revision ?? 0);
    const config = effectiveConfig(defaults?.value ?? BUILT_IN_DEFAULTS, overrides?.value ?? {}, revision);
    if (checks === null) return config;
    const weblogs = this.deps.weblogsOf?.(agentId) ?? [];
    const sentinel = this.deps.sentinelOf?.(agentId) ?? null;
    const fileJobs = this.deps.fileJobsOf?.(agentId) ?? [];
    return agentConfigSchema.parse({
      ...config, checks: this.deps.checksOf?.(agentId) ?? [], ...(weblogs.length > 0 ? { weblogs } : {}), ...(sentinel ? { sentinel } : {}),
      ...(fileJobs.length > 0 ? { fileJobs } : {}),
    });
  }

  /**
   * Never rejects: the configuration is saved, and the next start publishes it again. An agent
   * not under a schedule (it has checks only) is sent no collector settings: it keeps its flags'.
   */
  private async publish(agentId: string, config: AgentConfig): Promise<void> {
    if (!this.running) return;
    const pair = this.deps.pairTag?.() ?? null;
    const scheduled: AgentConfig = this.scheduled(agentId) ? config : { ...config, collectors: {}, queue: { ...DEFAULT_QUEUE } };
    const sent: AgentConfig = pair ? { ...scheduled, pair } : scheduled;
    try {
      await this.deps.publish(agentId, sent);
    } catch (e) {
      this.deps.logger.error('could not publish an agent schedule; it is published again at the next start', { agentId, revision: config.revision, err: e });
    }
  }
}
