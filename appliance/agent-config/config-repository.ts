// Collector schedules in SQLite (S2): the defaults and the revision counter in `settings`, each
// agent's overrides in `agent_config` (removed with the agent: ON DELETE CASCADE). Values are
// stored as they were validated; the revision only ever grows, across restarts too.
import type { Db } from '../db/database.js';
import type { AgentConfigOverrides } from '../../contract/fleet-api.js';
import type { ConfigDefaults } from './config-schema.js';

const DEFAULTS_KEY = 'agent_config.defaults';
const REVISION_KEY = 'agent_config.revision';

export interface Revisioned<T> {
  value: T;
  revision: number;
}

/** What an agent's service checks looked like when they last changed (a hash of their list), and that change's revision. */
export interface ChecksRevision {
  fingerprint: string;
  revision: number;
}

interface OverrideRow {
  agent_id: string;
  overrides: string;
  revision: number;
}

export class ConfigRepository {
  private readonly getSetting;
  private readonly putSetting;
  private readonly getOverrideStmt;
  private readonly allOverridesStmt;
  private readonly putOverrideStmt;

  constructor(private readonly db: Db) {
    this.getSetting = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
    this.putSetting = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.getOverrideStmt = db.prepare<[string], OverrideRow>('SELECT agent_id, overrides, revision FROM agent_config WHERE agent_id = ?');
    this.allOverridesStmt = db.prepare<[], OverrideRow>('SELECT agent_id, overrides, revision FROM agent_config');
    this.putOverrideStmt = db.prepare(
      'INSERT INTO agent_config (agent_id, overrides, revision, updated_at) VALUES (?, ?, ?, ?) '
      + 'ON CONFLICT(agent_id) DO UPDATE SET overrides = excluded.overrides, revision = excluded.revision, updated_at = excluded.updated_at',
    );
  }

  /** The saved defaults, or null while an operator has never saved any. */
  defaults(): Revisioned<ConfigDefaults> | null {
    const row = this.getSetting.get(DEFAULTS_KEY);
    return row ? (JSON.parse(row.value) as Revisioned<ConfigDefaults>) : null;
  }

  overrides(agentId: string): Revisioned<AgentConfigOverrides> | null {
    const row = this.getOverrideStmt.get(agentId);
    return row ? { value: JSON.parse(row.overrides) as AgentConfigOverrides, revision: row.revision } : null;
  }

  allOverrides(): Map<string, Revisioned<AgentConfigOverrides>> {
    return new Map(this.allOverridesStmt.all().map((r) => [r.agent_id, { value: JSON.parse(r.overrides) as AgentConfigOverrides, revision: r.revision }]));
  }

  /** Saves new defaults under the next revision, in one transaction; returns the revision. */
  saveDefaults(defaults: ConfigDefaults): number {
    return this.db.transaction(() => {
      const revision = this.nextRevision();
      this.putSetting.run(DEFAULTS_KEY, JSON.stringify({ value: defaults, revision } satisfies Revisioned<ConfigDefaults>));
      return revision;
    })();
  }

  /** Replaces an agent's overrides ({} keeps a row: the agent stays under the appliance's schedule). */
  saveOverrides(agentId: string, overrides: AgentConfigOverrides, at: number): number {
    return this.db.transaction(() => {
      const revision = this.nextRevision();
      this.putOverrideStmt.run(agentId, JSON.stringify(overrides), revision, at);
      return revision;
    })();
  }

  /** The fingerprint of the checks last sent to each agent and the revision they were sent under (S5). */
  allChecksRevisions(): Map<string, ChecksRevision> {
    return new Map(this.db.prepare<[], { agent_id: string; fingerprint: string; revision: number }>('SELECT agent_id, fingerprint, revision FROM agent_checks_config').all()
      .map((r) => [r.agent_id, { fingerprint: r.fingerprint, revision: r.revision }]));
  }

  checksRevision(agentId: string): ChecksRevision | null {
    const r = this.db.prepare<[string], { fingerprint: string; revision: number }>('SELECT fingerprint, revision FROM agent_checks_config WHERE agent_id = ?').get(agentId);
    return r ?? null;
  }

  /** Records that an agent's checks changed to `fingerprint`, under the next revision; returns it. */
  saveChecksFingerprint(agentId: string, fingerprint: string): number {
    return this.db.transaction(() => {
      const revision = this.nextRevision();
      this.db.prepare('INSERT INTO agent_checks_config (agent_id, fingerprint, revision) VALUES (?, ?, ?) '
        + 'ON CONFLICT(agent_id) DO UPDATE SET fingerprint = excluded.fingerprint, revision = excluded.revision').run(agentId, fingerprint, revision);
      return revision;
    })();
  }

  private nextRevision(): number {
    const current = Number(this.getSetting.get(REVISION_KEY)?.value ?? '0');
    const next = current + 1;
    this.putSetting.run(REVISION_KEY, String(next));
    return next;
  }
}
