// Builds, starts and stops the alerting side of the appliance (S7, S12, D4) for the composition
// root: the modem (a serial device, the in-process pty simulator for `--modem sim`, or none),
// the SMS outbox, the alerting core (engine, admin, SMS commands) and the link between them.
// Start order: outbox recovery, the engine, the driver; stop order: evaluation, the outbox worker
// (drained), the driver, the simulator. Nothing on this path uses the network: an alert reaches
// the modem over the serial port even when the LAN uplink is down (D4).
import type { ModemHealth, ModemMode, ModemResponse, SmsHealth } from '../../contract/alerts-api.js';
import type { Language } from '../../contract/alerting.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { AlertAdmin } from './alert-admin.js';
import { AlertEngine, type AgentDirectory, type AlertEngineDeps } from './alert-engine.js';
import { AlertRepository } from './alert-repository.js';
import type { Db } from '../db/database.js';
import type { LiveHub } from '../live/live-hub.js';
import { ModemDriver, openSerialPort } from '../../gsm/modem/index.js';
import { loadSimulatedModem, type SimulatedModem } from './modem/simulated-modem.js';
import { ModemLink } from './outbox/modem-link.js';
import { MuteStore } from './mute-store.js';
import { SmsOutbox, type SmsHold, type SmsTransport } from './outbox/sms-outbox.js';
import { UnstoredSms } from './outbox/unstored-sms.js';
import { SmsCommandHandler } from './sms-command-handler.js';
import { MaintenanceCalendar } from './maintenance/maintenance-calendar.js';
import { DependencyStore } from './dependencies/dependency-store.js';

/** What the checks feature tells alerting about a check (B10: a check as a parent). */
export interface CheckLookup {
  /** the servers whose alerts the check raises (it runs on them or probes them); null: no such check */
  servers(checkId: string): readonly string[] | null;
  name(checkId: string): string | null;
}

/** The alerting core: evaluation and alert state, administration, SMS commands. */
export interface AlertingCore {
  engine: AlertEngine;
  admin: AlertAdmin;
  commands: SmsCommandHandler;
}

/** Builds the core over one set of deps; AlertingFeature adds the modem, tests use it as is. */
export function createAlertingCore(deps: AlertEngineDeps): AlertingCore {
  const { repo, mutes, agents, outbox, clock, logger } = deps;
  const engine = new AlertEngine(deps);
  const admin = new AlertAdmin({ engine, repo, mutes, agents, clock, logger });
  const commands = new SmsCommandHandler({ engine, admin, agents, outbox, clock, logger });
  return { engine, admin, commands };
}

export interface AlertingFeatureDeps {
  db: Db;
  dataDir: string;
  /** 'none', 'sim' or a device path */
  modem: string;
  /** where the built modem simulator is (`--modem sim`); next to the bundle by default */
  simulatorModule?: URL;
  modemPin?: string;
  timeZone: string;
  escalateAfterS: number;
  smsRateLimit: number;
  silenceGraceS: number;
  /** B10: how long every parent must have been up before held-back alerts are texted */
  dependencySettleS: number;
  agents: AgentDirectory;
  hub: LiveHub;
  clock: Clock;
  logger: Logger;
  /** a write failed (RES: a full or read-only disk): the fault monitor */
  onWriteError?: (where: string, err: unknown) => void;
  /** the standby of a pair holds its SMS while it hears the primary (S13, B4; docs/standby.md) */
  smsHold?: () => SmsHold | null;
}

/** The rate limit's window (docs/alerting.md): `smsRateLimit` messages per contact per 15 min. */
const RATE_WINDOW_MS = 15 * 60_000;

export class AlertingFeature {
  readonly mode: ModemMode;
  readonly repo: AlertRepository;
  readonly outbox: SmsOutbox;
  readonly engine: AlertEngine;
  readonly admin: AlertAdmin;
  readonly commands: SmsCommandHandler;
  /** B11 */
  readonly maintenance: MaintenanceCalendar;
  /** B10 */
  readonly dependencies: DependencyStore;
  private checkLookup: CheckLookup = { servers: () => null, name: () => null };
  private driver: ModemDriver | null = null;
  private sim: SimulatedModem | null = null;
  private link: ModemLink | null = null;
  private readonly unstored: UnstoredSms | null;

  constructor(private readonly deps: AlertingFeatureDeps) {
    this.mode = deps.modem === 'none' ? 'none' : deps.modem === 'sim' ? 'sim' : 'device';
    const { db, clock, logger, hub } = deps;
    this.repo = new AlertRepository(db);
    const driverRef = (): ModemDriver | null => this.driver;
    const transport: SmsTransport | null = this.mode === 'none' ? null : {
      isReady: () => driverRef()?.status.state === 'ready',
      send: (req) => {
        const d = driverRef();
        if (!d) return Promise.reject(new Error('the modem driver is not running'));
        return d.sendSms(req);
      },
    };
    this.unstored = transport ? new UnstoredSms({ transport, clock, logger: logger.child('sms-unstored') }) : null;
    this.outbox = new SmsOutbox({
      db, clock, logger: logger.child('sms-outbox'),
      transport,
      onChange: (entry) => hub.publish('sms', '', entry),
      ...(deps.onWriteError ? { onWriteError: deps.onWriteError } : {}),
      ...(deps.smsHold ? { hold: deps.smsHold } : {}),
    });
    const agentExists = (id: string): boolean => deps.agents.detail(id) !== null;
    const groupExists = (id: string): boolean => this.repo.getGroup(id) !== null;
    this.maintenance = new MaintenanceCalendar({ db, zone: { iana: deps.timeZone }, agentExists, groupExists });
    this.dependencies = new DependencyStore({
      db, agentExists, groupExists,
      checkServers: (id) => this.checkLookup.servers(id),
      groupsOf: () => this.repo.groupsByAgent(),
      settleMs: deps.dependencySettleS * 1000,
    });
    const core = createAlertingCore({
      maintenance: this.maintenance,
      dependencies: this.dependencies,
      checkName: (id) => this.checkLookup.name(id),
      repo: this.repo,
      agents: deps.agents,
      hub,
      outbox: this.outbox,
      mutes: new MuteStore(db),
      clock,
      logger: logger.child('alerts'),
      policy: {
        timeZone: { iana: deps.timeZone },
        escalateAfterMs: deps.escalateAfterS * 1000,
        rateLimit: { maxMessages: deps.smsRateLimit, windowMs: RATE_WINDOW_MS },
      },
      options: { silenceGraceMs: deps.silenceGraceS * 1000 },
      ...(deps.onWriteError ? { onWriteError: deps.onWriteError } : {}),
      onUnstoredSms: (msg) => this.unstored?.add(msg),
    });
    this.engine = core.engine;
    // B10: a deleted group's dependencies go with it
    this.engine.onGroupsChanged(() => this.dependencies.keepGroups(new Set(this.engine.groups().map((g) => g.id))));
    this.admin = core.admin;
    this.commands = core.commands;
  }

  /** B10: the checks feature, started after alerting, answers what a check id names. */
  useChecks(lookup: CheckLookup): void {
    this.checkLookup = lookup;
    this.dependencies.invalidate();
  }

  /** The in-process simulator (`--modem sim` only): tests read its log and script its faults through the API. */
  get simulator(): SimulatedModem | null {
    return this.sim;
  }

  async start(): Promise<void> {
    const { clock, logger } = this.deps;
    this.outbox.start();
    this.unstored?.start();
    this.engine.start();
    if (this.mode === 'none') {
      logger.info('no modem configured (--modem none): alerts are shown but no SMS is sent');
      return;
    }
    let devicePath = this.deps.modem;
    if (this.mode === 'sim') {
      const startSimulatedModem = await loadSimulatedModem(this.deps.simulatorModule);
      this.sim = await startSimulatedModem({ dataDir: this.deps.dataDir, clock, logger });
      devicePath = this.sim.path;
      logger.info('modem simulator started (--modem sim)', { path: devicePath });
    }
    const driver = new ModemDriver(
      { path: devicePath, nextConcatRef: () => this.outbox.nextConcatRef(), ...(this.deps.modemPin ? { pin: this.deps.modemPin } : {}) },
      { clock, logger: logger.child('modem'), openPort: (device) => openSerialPort(device) },
    );
    this.driver = driver;
    this.link = new ModemLink({
      driver,
      outbox: this.outbox,
      logger: logger.child('modem-link'),
      onSms: (sms) => this.commands.handleIncomingSms(sms),
      onStatus: (status) => this.deps.hub.publish('modem', '', status),
    });
    this.link.start();
    driver.start();
  }

  /** Evaluation first, then the outbox worker (drained), the driver, the simulator. */
  async stop(): Promise<void> {
    this.engine.stop();
    this.unstored?.stop();
    await this.outbox.stop();
    this.link?.stop();
    this.link = null;
    await this.driver?.stop();
    this.driver = null;
    await this.sim?.stop();
    this.sim = null;
  }

  /**
   * D1: texts the on-call contacts (enabled, first escalation level) a notice about the
   * appliance itself, in each one's language; `dedupeKey` makes it once per event.
   */
  textOnCall(text: Record<Language, string>, dedupeKey: string): number {
    if (!this.outbox.enabled) return 0;
    let queued = 0;
    for (const c of this.engine.contacts()) {
      if (!c.enabled || c.escalationLevel !== 0) continue;
      const { created } = this.outbox.enqueue({ to: c.phone, text: text[c.language], kind: 'restart', contactId: c.id, alertIds: [], dedupeKey: `${dedupeKey} ${c.id}` });
      if (created) queued++;
    }
    return queued;
  }

  modemHealth(): ModemHealth {
    const s = this.driver?.status;
    if (!s) return { state: 'disabled', signal: null, registration: null, operator: null, sim: null, lastError: null };
    return { state: s.state, signal: s.signal, registration: s.registration, operator: s.operator, sim: s.sim, lastError: s.lastError };
  }

  smsHealth(): SmsHealth {
    const c = this.outbox.counters();
    return { queued: c.queued + c.sending, sent: c.sent + c.delivered, failed: c.failed, alarm: this.outbox.alarm };
  }

  modemResponse(): ModemResponse {
    return { mode: this.mode, status: this.driver?.status ?? null, sms: this.outbox.counters(), alarm: this.outbox.alarm };
  }
}
