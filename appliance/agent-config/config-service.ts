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
import type { AgentConfig } from '../../contract/agent-config.js';
import type { AgentConfigOverrides, AgentConfigResponse, ConfigDefaultsResponse } from '../../contract/fleet-api.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { ConfigRepository, Revisioned } from './config-repository.js';
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
}

export class ConfigService {
  private running = false;

  constructor(private readonly deps: ConfigServiceDeps) {}

  /** Publishes every scheduled agent's configuration (call once the broker is up). */
  async start(): Promise<void> {
    this.running = true;
    const defaults = this.deps.repo.defaults();
    const overrides = this.deps.repo.allOverrides();
    const ids = this.deps.agentIds().filter((id) => defaults !== null || overrides.has(id));
    await Promise.all(ids.map((id) => this.publish(id, this.effective(defaults, overrides.get(id) ?? null))));
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
    // every agent's effective configuration changed revision, even where its overrides hide the change
    await Promise.all(this.deps.agentIds().map((id) => this.publish(id, this.effective(saved, overrides.get(id) ?? null))));
    return { ok: true, value: this.defaults() };
  }

  agentConfig(agentId: string): AgentConfigResponse {
    const defaults = this.deps.repo.defaults();
    const overrides = this.deps.repo.overrides(agentId);
    return {
      agentId,
      overrides: overrides?.value ?? {},
      effective: this.effective(defaults, overrides),
      published: defaults !== null || overrides !== null,
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

  private effective(defaults: Revisioned<ConfigDefaults> | null, overrides: Revisioned<AgentConfigOverrides> | null): AgentConfig {
    // the newer of the two changes is the revision: it grows with every change that reaches this agent
    const revision = Math.max(defaults?.revision ?? 0, overrides?.revision ?? 0);
    return effectiveConfig(defaults?.value ?? BUILT_IN_DEFAULTS, overrides?.value ?? {}, revision);
  }

  /** Never rejects: the configuration is saved, and the next start publishes it again. */
  private async publish(agentId: string, config: AgentConfig): Promise<void> {
    if (!this.running) return;
    try {
      await this.deps.publish(agentId, config);
    } catch (e) {
      this.deps.logger.error('could not publish an agent schedule; it is published again at the next start', { agentId, revision: config.revision, err: e });
    }
  }
}
