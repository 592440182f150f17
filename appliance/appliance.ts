// The composition root of the appliance process (D2): builds every part from one validated
// config and starts and stops them in order. Nothing else reads config or opens sockets.
import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { nonDecreasingClock, systemClock, type Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { ApplianceConfig } from './config.js';
import { openDatabase, quickCheck, type Db } from './db/database.js';
import { AgentRepository } from './agents/agent-repository.js';
import { AgentRegistry } from './agents/agent-registry.js';
import { LiveHub } from './live/live-hub.js';
import { Ingest } from './ingest/ingest.js';
import { AgentEnrollment, ENROLL_TOKEN_FILE, EnrollmentToken } from './agents/enrollment.js';
import { MqttBroker } from './broker/mqtt-broker.js';
import { httpRefusalCounters, createHttpApp, HttpServer } from './http/http-server.js';
import { healthReport } from './health/health-report.js';
import { registerFeatureRoutes } from './routes.js';
import { loadOrCreateSelfSigned } from './tls/self-signed.js';
import { TlsIdentity } from './tls/tls-identity.js';
import { defaultPublicAddress, httpsOrigin } from './http/public-address.js';
import { installCommand } from './installer/install-command.js';
import { hostname } from 'node:os';
import { AlertingFeature } from './alerting/alerting-feature.js';
import { StorageCapacity } from './store/storage-capacity.js';
import { RrdStore } from './store/rrd-store.js';
import { bytesPerServer, retentionSpanS, type RetentionProfile } from './store/rrd-layout.js';
import { retentionView } from './store/retention-view.js';
import { readRetentionState, RetentionChanger } from './store/retention-change.js';
import { BaselineArchives } from './store/baseline-archives.js';
import { BaselineWatch } from './alerting/baseline-watch.js';
import { readBand } from './alerting/baseline-band.js';
import { ConfigRepository } from './agent-config/config-repository.js';
import { ConfigService } from './agent-config/config-service.js';
import { VisitorRepository } from './visitors/visitor-repository.js';
import { VisitorHistory } from './visitors/visitor-history.js';
import { TopHistory } from './top-history/top-history.js';
import { TopHistoryRepository } from './top-history/top-history-repository.js';
import { ServerAdmin } from './agents/server-admin.js';
import { AccountsFeature } from './accounts/accounts-feature.js';
import { ensurePrivateDir } from '../core/private-files.js';
import { CAUSE_TEXT, FaultMonitor, LOST_COMMITS_HOLD_MS } from './health/fault-monitor.js';
import { FaultAlerts, faultRaised } from './health/fault-alerts.js';
import { CommitLedger } from './db/commit-ledger.js';
import { noiseReport } from './alerting/noise-report.js';
import { REPORT_INTERVAL_MS as SERIES_QUOTA_REPORT_INTERVAL_MS, SeriesQuota, seriesQuotaNotice } from './store/series-quota.js';
import { AliveMarker, restartText, unplannedDowntimeMs } from './health/restart-notice.js';
import type { WatchdogProbes } from './health/systemd-watchdog.js';
import { LocalApiServer } from './console/local-api-server.js';
import { LastKnownTime, readLastKnownTime } from './health/last-known-time.js';
import { ClockStatus, isBehind } from './health/clock-status.js';
import type { ClockSyncReading } from './health/clock-sync.js';
import { localApiHandlers } from './console/local-api-handlers.js';
import { CheckRepository } from './checks/check-repository.js';
import { CheckService } from './checks/check-service.js';
import { previewCheckOf } from './alerting/alert-admin.js';
import { ApplianceProbes } from './checks/probes/appliance-probes.js';
import { perfdataRemover, perfdataWriter } from './checks/check-perfdata.js';
import { StatsFeature } from './stats/stats-feature.js';
import { SelfWatch } from './health/self-watch.js';
import { EventLoopLag } from './health/event-loop-lag.js';
import { PlannedRestarts } from './health/planned-restart.js';
import { PeerAlarms } from './sentinel/peer-alarms.js';
import { RedundancyService } from './sentinel/redundancy-service.js';
import { RedundancyStore } from './sentinel/redundancy-store.js';
import type { AgentSentinel } from '../contract/sentinel.js';
import { statfsSync } from 'node:fs';
import { WallsFeature } from './walls/walls-feature.js';
import { PoolsFeature } from './weblog/pools/pools-feature.js';
import { PoolSkewMonitor } from './weblog/pools/pool-skew-monitor.js';
import { WeblogSourceRepository } from './weblog/weblog-source-repository.js';
import { WeblogTrafficRepository } from './weblog/weblog-traffic-repository.js';
import { WeblogTraffic } from './weblog/weblog-traffic.js';
import { WeblogSources } from './weblog/weblog-sources.js';
import { ApplianceMetrics } from './federation/appliance-metrics.js';
import { fileBytes } from './federation/file-bytes.js';
import { FederationFeature } from './federation/federation-feature.js';
import { FileJobRepository } from './files/file-job-repository.js';
import { FileJobsService } from './files/file-jobs-service.js';
import { loadOrCreateLinkKey } from './files/link-key.js';
import { UploadStore } from './files/upload-store.js';
import { PairService } from './pair/pair-service.js';

/** the collector interval capacity is planned for (the agent's default) */
const NOMINAL_INTERVAL_S = 5;

export interface ApplianceDeps {
  config: ApplianceConfig;
  logger: Logger;
  clock?: Clock;
  /** where the built web UI is; found next to the bundle by default */
  webuiDir?: string;
  /** the built modem simulator (dist/modem-sim.js), when the appliance runs from source (tests) */
  simulatorModule?: URL;
  /** whether the system clock is synchronised (D1); chronyc or timedatectl by default */
  readClockSync?: () => Promise<ClockSyncReading>;
}

export interface ApplianceAddresses {
  /** plain HTTP (0 with --http-plain off) */
  httpPort: number;
  httpsPort: number;
  /** plain MQTT (0 with --mqtt-plain off) */
  mqttPort: number;
  mqttsPort: number;
  /** where agents and browsers reach the appliance (--public-address or its default) */
  publicAddress: string;
  /** `sha256//…` of the TLS key */
  pin: string;
  enrollToken: string;
  enrollTokenCreated: boolean;
}

function defaultWebuiDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'webui'), path.join(here, '..', 'dist', 'webui')];
  return candidates.find((c) => existsSync(path.join(c, 'index.html'))) ?? candidates[0] ?? here;
}

export class Appliance {
  /** the system clock (or a test's): timers, and the uptime */
  private readonly baseClock: Clock;
  private db: Db | null = null;
  private store: RrdStore | null = null;
  private retentionChanger: RetentionChanger | null = null;
  private broker: MqttBroker | null = null;
  private http: HttpServer | null = null;
  private registry: AgentRegistry | null = null;
  private alerting: AlertingFeature | null = null;
  private visitors: VisitorHistory | null = null;
  private topHistory: TopHistory | null = null;
  private agentConfig: ConfigService | null = null;
  private accounts: AccountsFeature | null = null;
  private app: FastifyInstance | null = null;
  private faults: FaultMonitor | null = null;
  private faultAlerts: FaultAlerts | null = null;
  private ledger: CommitLedger | null = null;
  private alive: AliveMarker | null = null;
  private consoleApi: LocalApiServer | null = null;
  private checks: CheckService | null = null;
  private stats: StatsFeature | null = null;
  private poolSkew: PoolSkewMonitor | null = null;
  private baselineWatch: BaselineWatch | null = null;
  private weblogTraffic: WeblogTraffic | null = null;
  private probes: ApplianceProbes | null = null;
  private lastKnownTime: LastKnownTime | null = null;
  private clockStatus: ClockStatus | null = null;
  private selfWatch: SelfWatch | null = null;
  private eventLoopLag: EventLoopLag | null = null;
  private federation: FederationFeature | null = null;
  private fileJobs: FileJobsService | null = null;
  private pair: PairService | null = null;
  private readonly startedAt: number;

  constructor(private readonly deps: ApplianceDeps) {
    this.baseClock = deps.clock ?? systemClock;
    this.startedAt = this.baseClock.now();
  }

  async start(): Promise<ApplianceAddresses> {
    const { config, logger } = this.deps;
    const dataDir = path.resolve(config.dataDir);
    // the data dir and its database 0750: the secrets in it are 0600 (core/private-files.ts)
    for (const d of ['', 'db']) ensurePrivateDir(path.join(dataDir, d));
    mkdirSync(path.join(dataDir, 'rrd'), { recursive: true, mode: 0o750 });

    // D1: no real-time clock on the board. A system clock behind the last time this appliance knew
    // is unsynchronised; every time the appliance gives (alerts, their history, the SMS outbox,
    // sessions) is then held at that time until the clock passes it, so none goes backwards
    const lastKnownMs = readLastKnownTime(dataDir, logger);
    const behindAtStart = isBehind(this.baseClock.now(), lastKnownMs);
    if (behindAtStart) {
      logger.warn('the system clock is behind the last known time: it is unsynchronised, and event times stay at the last known time until the clock passes it',
        { systemTime: new Date(this.baseClock.now()).toISOString(), lastKnownTime: new Date(lastKnownMs ?? 0).toISOString() });
    }
    const clock = nonDecreasingClock(this.baseClock, lastKnownMs ?? 0);
    this.lastKnownTime = new LastKnownTime({ dataDir, clock, logger });
    this.lastKnownTime.start();
    const clockStatus = new ClockStatus({ clock, lastKnownMs, behindAtStart, logger: logger.child('clock'), ...(this.deps.readClockSync ? { readSync: this.deps.readClockSync } : {}) });
    this.clockStatus = clockStatus;
    await clockStatus.start();

    // RES: first, so that a full or read-only disk found at start is reported, and the space
    // reserve is made before anything else takes the room
    const faultAlerts = new FaultAlerts(() => this.alerting?.engine ?? null, clock);
    this.faultAlerts = faultAlerts;
    const faults = new FaultMonitor({
      dataDir, clock, logger: logger.child('faults'),
      // S7: faults that keep agents from being acknowledged also hold their silence (fault-alerts.ts)
      // RES: a fault's alert resolves a minute after it cleared, so a disk at the edge does not flap
      onRaised: (f) => faultAlerts.raised(f),
      onCleared: (cause) => faultAlerts.cleared(cause),
    });
    this.faults = faults;
    await faults.start();
    // a write that failed on something else than a full or failing disk (a damaged database, a
    // locked file) is the self-watch's "database write failed" (B4); storage faults are the monitor's
    const onWriteError = (where: string, err: unknown): void => {
      if (!faults.report(where, err)) this.selfWatch?.databaseWriteFailed(where, err);
    };
    const plannedRestarts = new PlannedRestarts({ dataDir, now: () => clock.now(), logger: logger.child('planned-restart') });

    const db = openDatabase(path.join(dataDir, 'db', 'rackwatch.sqlite'));
    this.db = db;
    const repo = new AgentRepository(db);
    // RES: a damaged database or lost commits (a lost or corrupted WAL) are said at once, and lost
    // enrollments are put back from the ledger (docs/storage.md, "Integrity and lost commits")
    const integrity = quickCheck(db);
    if (integrity.ok) logger.info('database quick_check ok', { ms: Math.round(integrity.ms) });
    else faults.raise('database-integrity', `PRAGMA quick_check: ${integrity.problems.join('; ')}`);
    const ledger = new CommitLedger({ db, dir: path.join(dataDir, 'db'), clock, logger: logger.child('ledger'), onWriteError });
    this.ledger = ledger;
    const lostCheck = ledger.check((e) => {
      if (repo.get(e.id)) return false;
      repo.insert(e.id, e.hostname, e.secretHash, e.createdAt);
      return true;
    });
    if (lostCheck.lost) {
      const detail = `the database is at commit ${lostCheck.dbSeq}, its ledger at ${lostCheck.ledgerSeq}: commits were lost (a lost or damaged WAL); `
        + `${lostCheck.restored.length} enrollment(s) restored from the ledger${lostCheck.restored.length ? ` (${lostCheck.restored.map((e) => `${e.hostname} ${e.id}`).join(', ')})` : ''}`;
      faults.raise('lost-commits', detail, { clearAfterMs: LOST_COMMITS_HOLD_MS });
    }
    ledger.start();
    const accounts = new AccountsFeature({
      db, dataDir, clock, logger: logger.child('accounts'),
      // SEC: a lock raises an info alert on the appliance itself (the alerting feature starts later)
      onLockout: (lock) => this.alerting?.engine.raiseLockout({ ...lock, untilMs: clock.now() + lock.lockedForMs }),
      onWriteError,
      sessionLimits: { idleMs: config.sessionIdle * 60_000, absoluteMs: config.sessionMax * 3_600_000, touchEveryMs: Math.min(60_000, config.sessionIdle * 60_000 / 4) },
    });
    this.accounts = accounts;
    accounts.start();
    const hub = new LiveHub({ ringSize: 4096, bootTimeMs: clock.now() });
    const registry = new AgentRegistry({ repo, hub, clock, onWriteError });
    this.registry = registry;
    registry.start();

    // a profile changed over HTTP (PUT /retention) is kept in the RRD directory and wins over --retention
    const retention = (await readRetentionState(path.join(dataDir, 'rrd')))?.profile ?? config.retention;
    if (retention !== config.retention) logger.warn('the retention profile changed over HTTP overrides --retention', { profile: retention, flag: config.retention });
    const capacity = new StorageCapacity({
      rrdDir: path.join(dataDir, 'rrd'),
      bytesPerServer: bytesPerServer(NOMINAL_INTERVAL_S, retention),
      budgetBytes: config.rrdBudgetBytes,
      now: () => clock.now(),
    });
    // RES: an agent's new series beyond its quota are refused; it is told by a retained notice,
    // and an info alert is raised on it (the broker and the alerting feature start later)
    const seriesQuota = new SeriesQuota({
      rrdDir: path.join(dataDir, 'rrd'), maxFilesPerAgent: config.seriesPerAgent, clock, logger: logger.child('series-quota'),
      onRefused: (refusal) => {
        this.broker?.publishNotice(refusal.agentId, seriesQuotaNotice(refusal)).catch((err: unknown) => logger.error('cannot publish an agent notice', { agentId: refusal.agentId, err }));
        this.alerting?.engine.raiseSeriesQuota({ ...refusal, untilMs: refusal.atMs + 2 * SERIES_QUOTA_REPORT_INTERVAL_MS });
      },
    });
    const store = new RrdStore({
      dataDir, profile: retention, clock, logger: logger.child('rrd'), onFileCreated: (bytes) => capacity.fileCreated(bytes),
      writeIntervalS: config.rrdWriteInterval, seriesQuota,
      // S19: what rrdcached stored (agents' samples, checks' perfdata, web log intervals) is
      // forwarded upstream; what it refused is not
      onStored: (dir, samples) => this.federation?.stored(dir, samples),
      sampleJournal: config.sampleJournal, journalCommitDelayMs: config.sampleJournalCommitMs,
      onAnswering: (answering) => {
        if (answering) faults.clear('rrdcached-not-answering');
        else faults.raise('rrdcached-not-answering', 'rrdcached leaves PING unanswered: series reads are refused and acknowledgements wait until it answers or its watchdog restarts it');
      },
    });
    this.store = store;
    await store.start();
    await capacity.refresh();
    const retentionChanger = new RetentionChanger({
      rrdDir: store.rrdDir, profile: retention, logger: logger.child('retention'), now: () => clock.now(),
      freeBytes: () => capacity.report().freeBytes, store,
    });
    this.retentionChanger = retentionChanger;
    // a change a restart interrupted goes on (retention-change.ts)
    await retentionChanger.resume();
    const enrollToken = new EnrollmentToken(path.join(dataDir, ENROLL_TOKEN_FILE), config.enrollToken);
    const enrollment = new AgentEnrollment({
      repo, registry, token: () => enrollToken.current(), clock, logger: logger.child('enroll'),
      serverCapacity: () => capacity.report().serverCapacity,
      onEnrolled: (row) => {
        ledger.recordEnrollment({ id: row.id, hostname: row.hostname, secretHash: row.secretHash, createdAt: row.createdAt });
        agentConfig.onAgentAdded(row.id);
      },
      guard: accounts.guard('enroll'),
    });
    const visitors = new VisitorHistory({ repo: new VisitorRepository(db), clock, logger: logger.child('visitors'), onWriteError });
    this.visitors = visitors;
    visitors.start();
    const topHistory = new TopHistory({ repo: new TopHistoryRepository(db), clock, logger: logger.child('top-history'), onWriteError });
    this.topHistory = topHistory;
    topHistory.start();
    const pairAtStart = new RedundancyStore(db).load().pair;
    const alerting = new AlertingFeature({
      db, dataDir, modem: config.modem, ...(config.modemPin ? { modemPin: config.modemPin } : {}), timeZone: config.timezone,
      escalateAfterS: config.escalateAfter, smsRateLimit: config.smsRateLimit, silenceGraceS: config.silenceGrace,
      dependencySettleS: config.dependencySettle,
      agents: registry, hub, clock, logger, onWriteError,
      // S13, B4: the standby of a pair holds its SMS while it hears the primary (docs/standby.md);
      // a standby holds from its start, before the pair service is built
      smsHold: () => (this.pair ? this.pair.smsHold() : pairAtStart?.role === 'standby' ? { retireCreatedBefore: 0, primary: pairAtStart.peer } : null),
      ...(this.deps.simulatorModule ? { simulatorModule: this.deps.simulatorModule } : {}),
    });
    this.alerting = alerting;
    await alerting.start();
    // S7: agents cannot reconnect before the broker listens (further down): the silence grace runs from then
    alerting.engine.holdSilence('starting');
    // RES: fault alerts restored from the database whose fault is gone resolve; faults found before
    // alerting started (at start-up) raise theirs now
    for (const cause of alerting.engine.openFaults()) {
      if (!faults.faults().some((f) => CAUSE_TEXT[f.cause] === cause)) alerting.engine.clearFault(cause);
    }
    for (const f of faults.faults()) faultRaised(alerting.engine, f);
    // D1: the last run ended without a clean stop: the on-call contacts hear how long it was down
    const downMs = unplannedDowntimeMs(dataDir, clock.now());
    const announced = plannedRestarts.current();
    if (downMs !== null && announced !== null) {
      // B4: inside an announced window the appliance going away was expected (an update that
      // power-cycles the board): nobody is texted
      logger.warn('the last run ended without a clean shutdown, inside an announced planned restart: nobody is texted', { downMs, ...announced });
    } else if (downMs !== null) {
      logger.warn('the last run ended unplanned (no clean shutdown)', { downMs });
      try {
        // a clock behind the last known time cannot measure the outage (D1)
        alerting.textOnCall(restartText(hostname(), behindAtStart ? null : downMs), `restart ${clock.now()}`);
      } catch (e) {
        logger.error('could not queue the restart SMS', { err: e });
      }
    }
    // S5, S6, S16: service checks; a group's checks follow its members, and what an agent runs
    // travels in its config (published once the config service is up, below)
    const checks = new CheckService({
      repo: new CheckRepository(db), agentExists: (id) => registry.exists(id),
      hostnameOf: (id) => repo.listing(id)?.hostname ?? null,
      groups: () => alerting.engine.groups(),
      onAgentChecksChanged: (ids) => {
        this.agentConfig?.checksChanged(ids).catch((e: unknown) => logger.error('could not republish agents\' checks', { agents: ids.length, err: e }));
      },
      hub, clock, logger: logger.child('checks'), onWriteError,
      perfdata: perfdataWriter((dir, stepS, samples) => store.write(dir, stepS, samples), logger.child('checks')),
      removePerfdata: perfdataRemover((dir, family, keyPrefix) => store.removeSeries(dir, family, keyPrefix), logger.child('checks')),
      onCheckRemoved: (id) => alerting.engine.checkRemoved(id),
    });
    checks.start();
    // the rule form's SMS preview names the check a rule watches, with its perfdata's units
    alerting.admin.useChecks({ describe: (id) => previewCheckOf(checks.find(id)) });
    // B10: a check can be a parent; its alerts are those of the servers it runs on or probes
    alerting.useChecks({
      servers: (id) => {
        const c = checks.find(id);
        if (!c) return null;
        const probed = (c.definition as { agentId?: string }).agentId;
        return [...new Set([...(probed !== undefined ? [probed] : []), ...c.instances.flatMap((i) => (i.agentId !== null ? [i.agentId] : []))])];
      },
      name: (id) => checks.find(id)?.definition.name ?? null,
    });
    this.checks = checks;
    alerting.engine.onGroupsChanged(() => checks.onGroupsChanged());
    // every recorded run (an agent's or a probe's) is evaluated by the rules on checks
    checks.results.onRun((run) => alerting.engine.onCheckRun(run));
    // S5: the appliance's own probes, so that a server whose agent is dead is still watched
    this.probes = new ApplianceProbes({ source: checks, sink: checks.results, clock, logger: logger.child('probes') });
    this.probes.start();
    // S10: statistics from the RRD archives, and saved reports produced at their schedule
    const stats = new StatsFeature({
      db, store, hostnameOf: (id) => repo.listing(id)?.hostname ?? null, clock,
      idsNamed: (name) => {
        const wanted = name.toLowerCase();
        return repo.listings().filter((a) => a.hostname.toLowerCase() === wanted).map((a) => a.id);
      }, timeZone: config.timezone,
      retentionS: retentionSpanS(retention), logger: logger.child('stats'), onWriteError,
    });
    stats.start();
    this.stats = stats;
    // B6: load-balancer pools of web log sources, and their skew rule judged every minute
    const pools = new PoolsFeature({ db, series: store, clock });
    this.poolSkew = new PoolSkewMonitor({ pools, alerts: alerting.engine, clock, logger: logger.child('pools') });
    this.poolSkew.start();
    // B9: baseline rules judged from rrdtool's Holt-Winters archives, added to the files they cover
    const baselineArchives = new BaselineArchives({
      rrdDir: store.rrdDir, profile: () => retentionChanger.current(), store,
      spanS: () => retentionSpanS(retentionChanger.current()), nowS: () => Math.floor(clock.now() / 1000), logger: logger.child('baseline'),
    });
    this.baselineWatch = new BaselineWatch({
      engine: alerting.engine, store: { fetch: (f, cf, from, to) => store.fetchFile(f, cf, from, to), filesOf: (id) => store.filesOf(id) }, archives: baselineArchives, clock, logger: logger.child('baseline'), tickMs: config.baselineInterval * 1000,
    });
    this.baselineWatch.start();
    // S11: web access logs followed by agents; what they send becomes series, totals and top tables
    const weblogRepo = new WeblogSourceRepository(db);
    const weblogTraffic = new WeblogTraffic({
      repo: new WeblogTrafficRepository(db), sourceOf: (id) => weblogRepo.get(id), sources: () => weblogRepo.list(),
      write: (dir, stepS, samples) => store.write(dir, stepS, samples),
      onSamples: (agentId, intervalS, samples) => alerting.engine.onBatch(agentId, { v: 1, i: intervalS, s: samples }),
      hub, clock, logger: logger.child('weblog'), onWriteError,
    });
    weblogTraffic.start();
    this.weblogTraffic = weblogTraffic;
    const weblogSources = new WeblogSources({
      repo: weblogRepo, traffic: weblogTraffic, agentExists: (id) => registry.exists(id),
      onAgentWeblogsChanged: (ids) => {
        this.agentConfig?.checksChanged(ids).catch((e: unknown) => logger.error('could not republish agents\' web logs', { agents: ids.length, err: e }));
      },
      removeSeries: (agentId, sourceId) => {
        store.removeSeries(agentId, 'weblog', sourceId).catch((e: unknown) => logger.warn('could not remove a web log source\'s series', { agentId, sourceId, err: e }));
      },
      clock, logger: logger.child('weblog'),
    });
    this.alive = new AliveMarker({ dataDir, clock, logger });
    this.alive.start();
    // S19, B8: stored samples to a remote-write endpoint, alert changes to an Alertmanager
    const federation = new FederationFeature({
      db, dataDir, hub, clock, logger: logger.child('federation'),
      hostnameOf: (id) => repo.listing(id)?.hostname ?? id, groups: () => alerting.engine.groups(), openAlerts: () => alerting.engine.openAlerts(),
    });
    this.federation = federation;
    federation.start();
    const ingest = new Ingest({
      // a store write that failed on the disk (a new RRD file on a full partition) is a fault too
      sink: {
        write: (agentId, intervalS, samples) => store.write(agentId, intervalS, samples).catch((e: unknown) => { faults.report('rrd store', e); throw e; }),
      },
      registry, clock, logger: logger.child('ingest'), maxConcurrentWrites: config.maxConcurrentWrites,
      afterStore: (agentId, batch) => alerting.engine.onBatch(agentId, batch),
      visitors,
      topHistory,
      checks: checks.results,
      weblogs: weblogTraffic,
      writeRefusal: () => faults.writeRefusal(),
    });

    // B4: the appliance watches itself through the same rules, outbox and modem
    const eventLoopLag = new EventLoopLag();
    eventLoopLag.start();
    this.eventLoopLag = eventLoopLag;
    const selfWatch = new SelfWatch({
      clock, logger: logger.child('self-watch'),
      sources: {
        rrdcached: () => store.health(),
        dataPartition: () => {
          const fs = statfsSync(dataDir);
          return { freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize, rrdBytes: capacity.usedBytes(), budgetBytes: config.rrdBudgetBytes };
        },
        clockSynchronised: () => clockStatus.report(),
        modem: () => alerting.modemHealth(),
        ingestBacklog: () => ingest.backlog,
        eventLoopLagMs: () => eventLoopLag.takeMaxMs(),
        remoteWriteDrops: () => federation.queueDrops(),
        twoPrimaries: () => this.pair?.twoPrimariesFinding() ?? null,
      },
    });
    this.selfWatch = selfWatch;
    selfWatch.start(alerting.engine);

    const publicAddress = config.publicAddress ?? defaultPublicAddress(config.listen, hostname());
    const tlsFiles = await loadOrCreateSelfSigned({ dataDir, names: [publicAddress, hostname(), config.listen, 'localhost', '127.0.0.1', '::1'], nowMs: clock.now() });
    if (tlsFiles.created) logger.info('made a self-signed TLS certificate', { cert: tlsFiles.certPath, pin: tlsFiles.pin });
    const tls = new TlsIdentity({ dataDir, initial: { key: tlsFiles.key, cert: tlsFiles.cert }, publicAddress, now: () => clock.now(), logger: logger.child('tls') });
    // S17: fleet file jobs; their download links name the HTTPS port, known once it listens: until
    // then no agent's config carries its jobs (they go out right after, below)
    let httpsListening = false;
    const fileJobs = new FileJobsService({
      repo: new FileJobRepository(db), uploads: new UploadStore(dataDir), linkKey: loadOrCreateLinkKey(dataDir),
      origin: () => httpsOrigin(publicAddress, this.http?.port ?? 0),
      agentExists: (id) => registry.exists(id), hostnameOf: (id) => repo.listing(id)?.hostname ?? id, groups: () => alerting.engine.groups(),
      configsChanged: (ids) => this.agentConfig?.checksChanged(ids) ?? Promise.resolve(),
      hub, audit: (entry) => accounts.audit.append(entry), clock, logger: logger.child('files'),
    });
    this.fileJobs = fileJobs;
    const broker = new MqttBroker({
      host: config.listen, port: config.mqttPort, plain: config.mqttPlain === 'on',
      tls: { port: config.mqttsPort, ...tls.current },
      ingest, registry, logger: logger.child('mqtt'),
      verifyAgent: (id, secret) => enrollment.verify(id, secret),
      guard: accounts.guard('mqtt'),
      maxConnectionsPerAddress: config.mqttConnectionsPerAddress,
      fileJobs,
    });
    this.broker = broker;
    await broker.start();
    alerting.engine.releaseSilence('starting');
    // S13, B4: which agents are sentinels; their part of the config goes with their checks'
    const redundancy = new RedundancyService({
      store: new RedundancyStore(db), agentExists: (id) => registry.exists(id), defaultName: publicAddress,
      secretHashOf: (id) => repo.get(id)?.secretHash ?? null,
      configsChanged: (ids): Promise<void> => agentConfig.checksChanged(ids), clock, logger: logger.child('redundancy'),
      pairChanged: () => {
        this.pair?.configure();
        // the agents of a pair apply the primary's configs: theirs say the new role and term (docs/standby.md)
        agentConfig.republish().catch((e: unknown) => logger.error('could not publish the agents\' configs again after the pair changed', { err: e }));
      },
    });
    // after the broker: schedules are published retained at start (Aedes keeps them in memory only)
    const agentConfig = new ConfigService({
      repo: new ConfigRepository(db), agentIds: () => repo.listings().map((r) => r.id),
      publish: (id, cfg) => broker.publishConfig(id, cfg), clock, logger: logger.child('agent-config'),
      checksOf: (id) => checks.agentChecks(id),
      weblogsOf: (id) => weblogSources.agentWeblogs(id),
      sentinelOf: (id): AgentSentinel | null => redundancy.sentinelOf(id),
      fileJobsOf: (id) => (httpsListening ? fileJobs.agentJobs(id) : []),
      runningOf: (id) => registry.detail(id)?.inventory?.collectors ?? null,
      pairTag: () => {
        const p = redundancy.pairConfig();
        return p ? { role: p.role, term: p.term } : null;
      },
    });
    this.agentConfig = agentConfig;
    await agentConfig.start();
    // checks saved before a config carried them (or groups changed while stopped): sent now
    await agentConfig.checksChanged(repo.listings().map((r) => r.id));
    // S13, B4: the standby pair (docs/standby.md): the heartbeat, the configuration copy, the SMS hold
    const pair = new PairService({
      db, clock, logger: logger.child('pair'), name: publicAddress,
      pair: () => redundancy.pairConfig(),
      setRole: (role, by, term) => redundancy.setPairRole(role, by, term),
      setTerm: (term) => redundancy.setPairTerm(term),
      onDemoted: (peer, ownTerm, peerTerm) => accounts.audit.append({ actor: null, action: 'pair.demoted', target: peer, before: { role: 'primary', term: ownTerm }, after: { role: 'standby', term: peerTerm } }),
      onCopied: async () => {
        // the copy wrote the agents table behind the repository: its listings are read again, and
        // an agent whose session came before its row did (its "online" then dropped as an unknown
        // agent's) is online: else the standby lists a live server offline and alerts on it
        repo.reload();
        for (const id of broker.connectedAgents()) registry.setStatus(id, 'online');
        alerting.engine.reloadRules();
        alerting.engine.reloadContacts();
        alerting.dependencies.reload();
        alerting.maintenance.reload();
        // the groups last: their listeners bring the checks along (checks.onGroupsChanged)
        alerting.engine.reloadGroups();
        alerting.engine.dependenciesChanged();
        await agentConfig.checksChanged(repo.listings().map((r) => r.id));
      },
      onTakeOver: (primary) => {
        const text = {
          en: `rackwatch standby ${hostname()}: the primary ${primary} is not answering; the standby sends the alerts`,
          ko: `rackwatch 대기 장비 ${hostname()}: 주 장비 ${primary}가 응답하지 않아 대기 장비가 알림을 보냅니다`,
        };
        try {
          alerting.textOnCall(text, `pair takeover ${clock.now()}`);
        } catch (e) {
          logger.error('could not queue the takeover SMS', { err: e });
        }
      },
      onHoldChanged: () => alerting.outbox.holdChanged(),
    });
    this.pair = pair;
    pair.start();
    const servers = new ServerAdmin({
      repo, registry, clock, logger: logger.child('servers'),
      serverCapacity: () => capacity.report().serverCapacity,
      onAdded: (id) => agentConfig.onAgentAdded(id),
      onRemoved: (id) => {
        enrollment.revoke(id);
        broker.disconnectAgent(id);
        visitors.forget(id);
        topHistory.forget(id);
        // its checks went with it (ON DELETE CASCADE), and its group memberships
        checks.onAgentRemoved(id);
        alerting.dependencies.forget('agent', id);
        weblogSources.onAgentRemoved();
        redundancy.onAgentRemoved(id);
        alerting.engine.reloadGroups();
      },
    });

    const httpRefusals = httpRefusalCounters();
    const health = () => healthReport({
      clock: this.baseClock, startedAtMs: this.startedAt, dataDir, retention, broker, store, ingest,
      clockHealth: () => clockStatus.report(),
      databaseOk: () => {
        try {
          db.prepare('SELECT 1').get();
          return true;
        } catch {
          return false;
        }
      },
      capacity: () => capacity.report(),
      serversEnrolled: () => repo.count(),
      modem: () => alerting.modemHealth(),
      sms: () => alerting.smsHealth(),
      faults: () => faults.faults(),
      selfWatch: () => selfWatch.conditions(),
      plannedRestart: () => plannedRestarts.current(),
      writeFailures: () => Object.values(faults.counters.writeFailures).reduce((a, b) => a + b, 0),
      refusals: () => ({
        mqttPacketTooLargePreAuth: broker.refusals.packetTooLargePreAuth,
        mqttPacketTooLarge: broker.refusals.packetTooLarge,
        mqttConnectionsPerAddress: broker.refusals.connectionsPerAddress,
        mqttConnectTimeouts: broker.refusals.connectTimeouts,
        seriesQuotaSamples: seriesQuota.refusedSamples,
        httpBodyTooLarge: httpRefusals.bodyTooLarge,
        httpHeadersTooLarge: httpRefusals.headersTooLarge,
        httpTimeouts: httpRefusals.timeouts,
        httpConnectionsDropped: httpRefusals.connectionsDropped,
      }),
    });

    // D5: the technician's console reaches the appliance over a unix socket, with or without the LAN
    this.consoleApi = new LocalApiServer({
      dataDir, logger: logger.child('console-api'),
      handlers: localApiHandlers({
        dataDir, clock, health, agents: () => registry.list(), engine: alerting.engine, outbox: alerting.outbox,
        modem: () => alerting.modemResponse(), accounts, audit: (entry) => accounts.audit.append(entry), pair,
      }),
    });
    await this.consoleApi.start();

    // each feature's routes are one Fastify plugin (docs/architecture.md "HTTP")
    const app = await createHttpApp({
      logger: logger.child('http'), webuiDir: this.deps.webuiDir ?? defaultWebuiDir(),
      auth: accounts.authenticator(), audit: (entry) => accounts.audit.append(entry),
      tls: tls.current, refusals: httpRefusals,
    });
    // S13, B4: the standby refuses edits of the copied configuration, naming the primary
    app.addHook('onRequest', (req, _reply, done) => done(pair.refusal(req.method, req.url) ?? undefined));
    // HTTPS's port is known once it listens; the routes read it when asked
    const httpsPort = (): number => this.http?.port ?? 0;
    const origin = (): string => httpsOrigin(publicAddress, httpsPort());
    const agentExists = (id: string): boolean => registry.exists(id);
    await registerFeatureRoutes(app, {
      health,
      accounts: accounts.routeDeps(),
      agents: {
        registry, enrollment, servers, mqttPort: () => broker.port,
        mqtts: () => ({ port: broker.tlsPort, pin: tls.pin }),
        enrollmentInfo: () => {
          const token = enrollToken.current();
          return {
            token, rotatable: !enrollToken.configured, pin: tls.pin, address: publicAddress, httpsPort: httpsPort(), mqttsPort: broker.tlsPort,
            installCommand: installCommand({ address: publicAddress, httpsPort: httpsPort(), token, pin: tls.pin }),
          };
        },
        rotateEnrollToken: () => enrollToken.rotate(),
        dependencies: {
          set: (id, parents) => {
            const set = alerting.dependencies.set('agent', id, parents);
            if (set.ok) alerting.engine.dependenciesChanged();
            return set;
          },
          of: (id) => alerting.dependencies.ownParents('agent', id),
        },
        retention: () => retentionView({ profile: retentionChanger.current(), stepS: NOMINAL_INTERVAL_S, capacity: capacity.report(), serversRegistered: repo.count(), change: retentionChanger.progress() }),
        retentionChange: {
          preview: (profile) => retentionChanger.preview(profile as RetentionProfile),
          start: (profile, by) => retentionChanger.start(profile as RetentionProfile, by),
        },
      },
      series: {
        series: store, agentExists, clock, retentionS: retentionSpanS(retention),
        band: (agentId, family, from, to, points) => readBand({ fetch: (f, cf, a, b) => store.fetchFile(f, cf, a, b), filesOf: (id) => store.filesOf(id), sinceOf: (rel) => baselineArchives.sinceOf(rel) }, agentId, family, from, to, points),
      },
      alerts: {
        engine: alerting.engine, admin: alerting.admin, repo: alerting.repo, outbox: alerting.outbox, modem: () => alerting.modemResponse(),
        simulator: () => alerting.simulator, agentExists, clock,
        noise: (q) => noiseReport(db, { ...q, timeZone: config.timezone }),
      },
      visitors: { visitors, agentExists },
      topHistory: { history: topHistory, agentExists, clock },
      config: { config: agentConfig, agentExists },
      stream: {
        hub, heartbeatMs: 15_000, maxBufferedBytes: 1 << 20, retryMs: 2_000,
        // S17: a granted user's stream carries a server's file job state while a group of theirs holds it (grants read now)
        fileJobVisible: (userId, agentId) => fileJobs.groupsHold(accounts.deployGrants.groupsOf(userId), agentId),
      },
      installer: { origin, pin: () => tls.pin },
      tls: { identity: tls },
      checks: { checks, agentExists, clock, series: store, retentionS: retentionSpanS(retention) },
      stats: { stats },
      // S9, S21: saved walls name servers by host name; the schematic places them by id
      maintenance: { calendar: alerting.maintenance, dependencies: alerting.dependencies, engine: alerting.engine, agentExists, clock },
      plannedRestart: { plannedRestarts },
      redundancy: {
        redundancy,
        heartbeat: {
          secretHashOf: (id) => repo.get(id)?.secretHash ?? null, isSentinel: (id) => redundancy.isSentinel(id),
          status: () => health().status, plannedRestartUntilMs: () => plannedRestarts.current()?.untilMs ?? null, now: () => clock.now(),
        },
        // S13, B4: another appliance's sentinels report its outage here; texted through this outbox
        peerAlarms: new PeerAlarms({
          raise: (name, problem, detail) => alerting.engine.raiseSentinelAlarm(name, problem, detail),
          clear: (name) => alerting.engine.clearSentinelAlarm(name),
          logger: logger.child('peer-alarms'),
        }),
      },
      pair: { pair },
      pools: { pools, clock, retentionS: retentionSpanS(retention) },
      weblogs: { sources: weblogSources, traffic: weblogTraffic, clock, series: store, retentionS: retentionSpanS(retention) },
      walls: { walls: new WallsFeature({ db, clock, agentExists, hostExists: (name) => repo.listings().some((l) => l.hostname.toLowerCase() === name.toLowerCase()) }) },
      metrics: {
        metrics: new ApplianceMetrics({
          health, agents: () => registry.list(), openAlerts: () => alerting.engine.openAlerts(), sseClients: () => hub.clientCount,
          journal: () => store.journalStats(),
          databaseBytes: () => fileBytes(path.join(dataDir, 'db', 'rackwatch.sqlite')) + fileBytes(path.join(dataDir, 'db', 'rackwatch.sqlite-wal')),
          forwarding: () => federation.forwardingStats(),
        }),
      },
      federation: { federation },
      files: { files: fileJobs, grants: accounts.deployGrants, clock },
    });
    const http = new HttpServer({
      host: config.listen, port: config.httpsPort, app,
      plain: { port: config.httpPort, mode: config.httpPlain, httpsOrigin: origin },
    });
    this.app = app;
    this.http = http;
    await http.start();
    httpsListening = true;
    fileJobs.start();
    await agentConfig.checksChanged(repo.listings().map((r) => r.id));
    // an uploaded certificate: the next handshake on either protocol presents it
    tls.onChange(({ key, cert }) => {
      http.setTlsIdentity(key, cert);
      broker.setTlsIdentity(key, cert);
    });

    return {
      httpPort: http.plainPort, httpsPort: http.port, mqttPort: broker.port, mqttsPort: broker.tlsPort, publicAddress, pin: tls.pin,
      enrollToken: enrollToken.current(), enrollTokenCreated: enrollToken.created,
    };
  }

  /** What the systemd watchdog probes (D1): rrdcached answers PING, SQLite a trivial query. */
  watchdogProbes(): WatchdogProbes {
    return {
      rrdcached: async (timeoutMs) => {
        if (!this.store) throw new Error('the RRD store is not running');
        await this.store.ping(timeoutMs);
      },
      database: () => {
        if (!this.db) throw new Error('the database is not open');
        this.db.prepare('SELECT 1').get();
      },
    };
  }

  /** The service checks (S5): the probes' ProbeDefinitionSource, and `results`, their CheckRunSink. */
  get checkService(): CheckService | null {
    return this.checks;
  }

  /** The RRD store, for tests that write a family only the appliance writes (S11's `weblog`) without its agent side. */
  get rrdStore(): RrdStore | null {
    return this.store;
  }

  /**
   * The pools' skew monitor (B6), for tests with real agents: its first judgement comes a minute
   * after start, so such a test asks for one (`check()`) once the pool's series show the skew
   * instead of waiting out the minute.
   */
  get poolSkewMonitor(): PoolSkewMonitor | null {
    return this.poolSkew;
  }

  /** Fleet file jobs (S17): the push benchmark reads the bytes it served. */
  get fileJobService(): FileJobsService | null {
    return this.fileJobs;
  }

  /** The HTTP app, for in-process requests (`inject`) and its route table (the authorization matrix test). */
  get httpApp(): FastifyInstance | null {
    return this.app;
  }

  /** Stops in reverse order: no new input first, then storage is flushed, the database last. */
  async stop(): Promise<void> {
    // alerting first (evaluation, the outbox drained, the modem driver, the simulator): no SMS
    // starts while the rest shuts down
    // the probes first: a run finishing now would be evaluated by an engine that is stopping
    this.probes?.stop();
    this.probes = null;
    this.selfWatch?.stop();
    this.selfWatch = null;
    this.eventLoopLag?.stop();
    this.eventLoopLag = null;
    this.poolSkew?.stop();
    this.poolSkew = null;
    this.baselineWatch?.stop();
    this.baselineWatch = null;
    await this.consoleApi?.stop();
    this.consoleApi = null;
    this.pair?.stop();
    this.pair = null;
    await this.alerting?.stop();
    this.alerting = null;
    this.fileJobs?.stop();
    this.fileJobs = null;
    this.agentConfig?.stop();
    this.agentConfig = null;
    await this.http?.stop();
    await this.broker?.stop();
    // no more ingest: what is queued for remote write is written to its queue on disk
    await this.federation?.stop();
    this.federation = null;
    // no more ingest: what the visitor history gathered is written before the database closes
    this.visitors?.stop();
    this.visitors = null;
    this.topHistory?.stop();
    this.topHistory = null;
    this.checks?.stop();
    this.checks = null;
    this.weblogTraffic?.stop();
    this.weblogTraffic = null;
    this.stats?.stop();
    await this.stats?.scheduler.idle();
    this.stats = null;
    await this.store?.stop();
    this.registry?.stop();
    this.accounts?.stop();
    this.accounts = null;
    this.faults?.stop();
    this.faultAlerts?.stop();
    this.faults = null;
    this.ledger?.stop();
    this.ledger = null;
    this.db?.close();
    this.clockStatus?.stop();
    this.clockStatus = null;
    // last: a stop that got this far was clean (no restart SMS at the next start); the last known
    // time is the stop's
    this.lastKnownTime?.stop();
    this.lastKnownTime = null;
    this.alive?.stop();
    this.alive = null;
    this.http = null;
    this.app = null;
    this.broker = null;
    this.store = null;
    this.db = null;
  }
}
