// The alerting core (engine, admin, SMS commands; built by createAlertingCore as the appliance
// builds it, minus the modem) in virtual time, with a real SQLite file, the real repository, live
// hub and outbox (its worker not started: the queued SMS are the output). Shared by the engine,
// admin and SMS command tests.
import path from 'node:path';
import type { Test } from 'tap';
import type { AgentDetail, AgentSummary } from '../../../../contract/api.js';
import type { AgentStatus } from '../../../../contract/agent-status.js';
import type { Contact, Rule } from '../../../../contract/alerting.js';
import type { MetricsBatch } from '../../../../contract/metrics.js';
import { silentLogger } from '../../../../core/logger.js';
import type { AlertAdmin } from '../../../../appliance/alerting/alert-admin.js';
import type { AgentDirectory, AlertEngine } from '../../../../appliance/alerting/alert-engine.js';
import { AlertRepository } from '../../../../appliance/alerting/alert-repository.js';
import { createAlertingCore } from '../../../../appliance/alerting/alerting-feature.js';
import { MuteStore } from '../../../../appliance/alerting/mute-store.js';
import { SmsOutbox } from '../../../../appliance/alerting/outbox/sms-outbox.js';
import type { SmsCommandHandler } from '../../../../appliance/alerting/sms-command-handler.js';
import { openDatabase, type Db } from '../../../../appliance/db/database.js';
import { LiveHub, type HubEvent } from '../../../../appliance/live/live-hub.js';
import { VirtualClock } from '../../../helpers/virtual-clock.js';
import { MaintenanceCalendar } from '../../../../appliance/alerting/maintenance/maintenance-calendar.js';
import { DependencyStore } from '../../../../appliance/alerting/dependencies/dependency-store.js';

export const T0 = Date.UTC(2025, 2, 3, 5, 0, 0);
/** T0 in seconds: sample times */
export const S = T0 / 1000;
export const ESCALATE_MS = 5 * 60_000;

export class Agents implements AgentDirectory {
  readonly rows = new Map<string, AgentSummary>();
  readonly talking = new Set<string>();
  add(id: string, hostname: string, status: AgentStatus, lastSeen: number | null): void {
    this.rows.set(id, { id, hostname, status, lastSeen, interval: 5 });
  }
  list(): AgentSummary[] {
    return [...this.rows.values()];
  }
  detail(id: string): AgentDetail | null {
    const s = this.rows.get(id);
    return s ? { ...s, createdAt: T0, inventory: null, latest: [] } : null;
  }
  isTalking(id: string): boolean {
    return this.talking.has(id);
  }
}

export interface Rig {
  db: Db;
  clock: VirtualClock;
  agents: Agents;
  hub: LiveHub;
  outbox: SmsOutbox;
  engine: AlertEngine;
  admin: AlertAdmin;
  commands: SmsCommandHandler;
  events: HubEvent[];
  /** B11: windows over the rig's agents */
  maintenance: MaintenanceCalendar;
  /** B10: the rig's dependencies; checks as parents are named in `checkServers` */
  dependencies: DependencyStore;
  checkServers: Map<string, string[]>;
}

export function rig(t: Test, options: { file?: string; clock?: VirtualClock; agents?: Agents; graceMs?: number; smsPerWindow?: number; timeZone?: string } = {}): Rig {
  const db = openDatabase(options.file ?? path.join(t.testdir(), 'rackwatch.sqlite'));
  const clock = options.clock ?? new VirtualClock(T0);
  const agents = options.agents ?? new Agents();
  const hub = new LiveHub({ ringSize: 100, bootTimeMs: T0 });
  const events: HubEvent[] = [];
  hub.subscribe((e) => events.push(e));
  // a modem that never gets ready: what would be sent stays queued for the test to read
  const outbox = new SmsOutbox({ db, clock, logger: silentLogger, transport: { isReady: () => false, send: () => Promise.reject(new Error('unused')) } });
  const repo = new AlertRepository(db);
  const zone = { iana: options.timeZone ?? 'UTC' };
  const maintenance = new MaintenanceCalendar({ db, zone, agentExists: (id) => agents.rows.has(id), groupExists: (id) => repo.getGroup(id) !== null });
  const checkServers = new Map<string, string[]>();
  const dependencies = new DependencyStore({
    db, agentExists: (id) => agents.rows.has(id), groupExists: (id) => repo.getGroup(id) !== null,
    checkServers: (id) => checkServers.get(id) ?? null, groupsOf: () => repo.groupsByAgent(),
  });
  const { engine, admin, commands } = createAlertingCore({
    repo, agents, hub, outbox, mutes: new MuteStore(db), clock, logger: silentLogger, maintenance, dependencies,
    checkName: (id) => (checkServers.has(id) ? `check ${id}` : null),
    policy: { timeZone: zone, escalateAfterMs: ESCALATE_MS, rateLimit: { maxMessages: options.smsPerWindow ?? 100, windowMs: 15 * 60_000 } },
    options: { silenceGraceMs: options.graceMs ?? 30_000 },
  });
  engine.start();
  // the shipped CPU rule (info above 80 % for 5 min) would open pending alerts of its own here
  admin.deleteRule('default-cpu-busy');
  t.teardown(() => {
    engine.stop();
    db.close();
  });
  return { db, clock, agents, hub, outbox, engine, admin, commands, events, maintenance, dependencies, checkServers };
}

export const contact = (id: string, phone: string, level = 0, language: 'en' | 'ko' = 'en'): Contact => ({
  id, name: id, phone, language, severities: ['warning', 'critical', 'disaster'], schedule: [], escalationLevel: level, enabled: true,
});

export const rule = (forS: number): Rule => ({
  id: 'cpu-test', name: 'CPU test', metric: { kind: 'derived', name: 'cpu_busy_pct' }, comparison: '>', levels: { critical: 90 },
  recovery: { delta: 5 }, forS, scope: { kind: 'all' }, enabled: true,
});

export const cpu = (tS: number, idle: number): MetricsBatch => ({ v: 1, i: 5, s: [{ t: tS, f: 'cpu', v: { user: 100 - idle, system: 0, iowait: 0, steal: 0, idle } }] });
export const mem = (tS: number): MetricsBatch => ({ v: 1, i: 5, s: [{ t: tS, f: 'memory', v: { total: 100, used: 10, available: 90, cached: 0, swap_total: 0, swap_used: 0 } }] });

/** The queued SMS texts, oldest first (to one number when given). */
export const texts = (r: Rig, to?: string): string[] => r.outbox.list({ limit: 1000 }).filter((e) => !to || e.to === to).map((e) => e.text).reverse();

/**
 * S7: the shipped "Agent silent" rule with this duration (it waits a minute as shipped). Tests
 * about something else than the duration (grace, dependencies, restarts) set the one they need.
 */
export function silentAfter(r: Pick<Rig, 'admin'>, forS: number): void {
  const rule = r.admin.getRule('default-agent-silent');
  if (!rule) throw new Error('no default-agent-silent rule');
  r.admin.saveRule({ ...rule, forS });
}
