// The composition root of the appliance process (D2): builds every part from one validated
// config and starts and stops them in order. Nothing else reads config or opens sockets.
import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { systemClock, type Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { ApplianceConfig } from './config.js';
import { openDatabase, type Db } from './db/database.js';
import { AgentRepository } from './agents/agent-repository.js';
import { AgentRegistry } from './agents/agent-registry.js';
import { LiveHub } from './live/live-hub.js';
import { Ingest } from './ingest/ingest.js';
import { AgentEnrollment, ENROLL_TOKEN_FILE, loadOrCreateEnrollToken } from './agents/enrollment.js';
import { MqttBroker } from './broker/mqtt-broker.js';
import { createHttpApp, HttpServer } from './http/http-server.js';
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
import { bytesPerServer, retentionSpanS } from './store/rrd-layout.js';
import { ConfigRepository } from './agent-config/config-repository.js';
import { ConfigService } from './agent-config/config-service.js';
import { VisitorRepository } from './visitors/visitor-repository.js';
import { VisitorHistory } from './visitors/visitor-history.js';
import { ServerAdmin } from './agents/server-admin.js';
import { AccountsFeature } from './accounts/accounts-feature.js';
import { ensurePrivateDir } from '../core/private-files.js';
import { LocalApiServer } from './console/local-api-server.js';
import { localApiHandlers } from './console/local-api-handlers.js';

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
  private readonly clock: Clock;
  private db: Db | null = null;
  private store: RrdStore | null = null;
  private broker: MqttBroker | null = null;
  private http: HttpServer | null = null;
  private registry: AgentRegistry | null = null;
  private alerting: AlertingFeature | null = null;
  private visitors: VisitorHistory | null = null;
  private agentConfig: ConfigService | null = null;
  private accounts: AccountsFeature | null = null;
  private app: FastifyInstance | null = null;
  private consoleApi: LocalApiServer | null = null;
  private readonly startedAt: number;

  constructor(private readonly deps: ApplianceDeps) {
    this.clock = deps.clock ?? systemClock;
    this.startedAt = this.clock.now();
  }

  async start(): Promise<ApplianceAddresses> {
    const { config, logger } = this.deps;
    const clock = this.clock;
    const dataDir = path.resolve(config.dataDir);
    // the data dir and its database 0750: the secrets in it are 0600 (core/private-files.ts)
    for (const d of ['', 'db']) ensurePrivateDir(path.join(dataDir, d));
    mkdirSync(path.join(dataDir, 'rrd'), { recursive: true, mode: 0o750 });

    const db = openDatabase(path.join(dataDir, 'db', 'rackwatch.sqlite'));
    this.db = db;
    const accounts = new AccountsFeature({
      db, dataDir, clock, logger: logger.child('accounts'),
      // SEC: a lock raises an info alert on the appliance itself (the alerting feature starts later)
      onLockout: (lock) => this.alerting?.engine.raiseLockout({ ...lock, untilMs: clock.now() + lock.lockedForMs }),
      sessionLimits: { idleMs: config.sessionIdle * 60_000, absoluteMs: config.sessionMax * 3_600_000, touchEveryMs: Math.min(60_000, config.sessionIdle * 60_000 / 4) },
    });
    this.accounts = accounts;
    accounts.start();
    const repo = new AgentRepository(db);
    const hub = new LiveHub({ ringSize: 4096, bootTimeMs: clock.now() });
    const registry = new AgentRegistry({ repo, hub, clock });
    this.registry = registry;
    registry.start();

    const capacity = new StorageCapacity({
      rrdDir: path.join(dataDir, 'rrd'),
      bytesPerServer: bytesPerServer(NOMINAL_INTERVAL_S, config.retention),
      budgetBytes: config.rrdBudgetBytes,
      now: () => clock.now(),
    });
    const store = new RrdStore({
      dataDir, profile: config.retention, clock, logger: logger.child('rrd'), onFileCreated: (bytes) => capacity.fileCreated(bytes),
      writeIntervalS: config.rrdWriteInterval,
    });
    this.store = store;
    await store.start();
    await capacity.refresh();
    const { token, created } = loadOrCreateEnrollToken(path.join(dataDir, ENROLL_TOKEN_FILE), config.enrollToken);
    const enrollment = new AgentEnrollment({
      repo, registry, token, clock, logger: logger.child('enroll'),
      serverCapacity: () => capacity.report().serverCapacity,
      onEnrolled: (row) => agentConfig.onAgentAdded(row.id),
      guard: accounts.guard('enroll'),
    });
    const visitors = new VisitorHistory({ repo: new VisitorRepository(db), clock, logger: logger.child('visitors') });
    this.visitors = visitors;
    visitors.start();
    const alerting = new AlertingFeature({
      db, dataDir, modem: config.modem, ...(config.modemPin ? { modemPin: config.modemPin } : {}), timeZone: config.timezone,
      escalateAfterS: config.escalateAfter, smsRateLimit: config.smsRateLimit, silenceGraceS: config.silenceGrace,
      agents: registry, hub, clock, logger,
      ...(this.deps.simulatorModule ? { simulatorModule: this.deps.simulatorModule } : {}),
    });
    this.alerting = alerting;
    await alerting.start();
    const ingest = new Ingest({
      sink: store, registry, clock, logger: logger.child('ingest'), maxConcurrentWrites: config.maxConcurrentWrites,
      afterStore: (agentId, batch) => alerting.engine.onBatch(agentId, batch),
      visitors,
    });

    const publicAddress = config.publicAddress ?? defaultPublicAddress(config.listen, hostname());
    const tlsFiles = await loadOrCreateSelfSigned({ dataDir, names: [publicAddress, hostname(), config.listen, 'localhost', '127.0.0.1', '::1'], nowMs: clock.now() });
    if (tlsFiles.created) logger.info('made a self-signed TLS certificate', { cert: tlsFiles.certPath, pin: tlsFiles.pin });
    const tls = new TlsIdentity({ dataDir, initial: { key: tlsFiles.key, cert: tlsFiles.cert }, publicAddress, now: () => clock.now(), logger: logger.child('tls') });
    const broker = new MqttBroker({
      host: config.listen, port: config.mqttPort, plain: config.mqttPlain === 'on',
      tls: { port: config.mqttsPort, ...tls.current },
      ingest, registry, logger: logger.child('mqtt'),
      verifyAgent: (id, secret) => enrollment.verify(id, secret),
      guard: accounts.guard('mqtt'),
    });
    this.broker = broker;
    await broker.start();
    // after the broker: schedules are published retained at start (Aedes keeps them in memory only)
    const agentConfig = new ConfigService({
      repo: new ConfigRepository(db), agentIds: () => repo.listings().map((r) => r.id),
      publish: (id, cfg) => broker.publishConfig(id, cfg), clock, logger: logger.child('agent-config'),
    });
    this.agentConfig = agentConfig;
    await agentConfig.start();
    const servers = new ServerAdmin({
      repo, registry, clock, logger: logger.child('servers'),
      serverCapacity: () => capacity.report().serverCapacity,
      onAdded: (id) => agentConfig.onAgentAdded(id),
      onRemoved: (id) => {
        enrollment.revoke(id);
        broker.disconnectAgent(id);
        visitors.forget(id);
      },
    });

    const health = () => healthReport({
      clock, startedAtMs: this.startedAt, dataDir, retention: config.retention, broker, store, ingest,
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
    });

    // D5: the technician's console reaches the appliance over a unix socket, with or without the LAN
    this.consoleApi = new LocalApiServer({
      dataDir, logger: logger.child('console-api'),
      handlers: localApiHandlers({
        dataDir, clock, health, agents: () => registry.list(), engine: alerting.engine, outbox: alerting.outbox,
        modem: () => alerting.modemResponse(), accounts, audit: (entry) => accounts.audit.append(entry),
      }),
    });
    await this.consoleApi.start();

    // each feature's routes are one Fastify plugin (docs/architecture.md "HTTP")
    const app = await createHttpApp({
      logger: logger.child('http'), webuiDir: this.deps.webuiDir ?? defaultWebuiDir(),
      auth: accounts.authenticator(), audit: (entry) => accounts.audit.append(entry),
      tls: tls.current,
    });
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
        enrollmentInfo: () => ({
          token, pin: tls.pin, address: publicAddress, httpsPort: httpsPort(), mqttsPort: broker.tlsPort,
          installCommand: installCommand({ address: publicAddress, httpsPort: httpsPort(), token, pin: tls.pin }),
        }),
      },
      series: { series: store, agentExists, clock, retentionS: retentionSpanS(config.retention) },
      alerts: {
        engine: alerting.engine, admin: alerting.admin, repo: alerting.repo, outbox: alerting.outbox, modem: () => alerting.modemResponse(),
        simulator: () => alerting.simulator, agentExists, clock,
      },
      visitors: { visitors, agentExists },
      config: { config: agentConfig, agentExists },
      stream: { hub, heartbeatMs: 15_000, maxBufferedBytes: 1 << 20, retryMs: 2_000 },
      installer: { origin, pin: () => tls.pin },
      tls: { identity: tls },
    });
    const http = new HttpServer({
      host: config.listen, port: config.httpsPort, app,
      plain: { port: config.httpPort, mode: config.httpPlain, httpsOrigin: origin },
    });
    this.app = app;
    this.http = http;
    await http.start();
    // an uploaded certificate: the next handshake on either protocol presents it
    tls.onChange(({ key, cert }) => {
      http.setTlsIdentity(key, cert);
      broker.setTlsIdentity(key, cert);
    });

    return {
      httpPort: http.plainPort, httpsPort: http.port, mqttPort: broker.port, mqttsPort: broker.tlsPort, publicAddress, pin: tls.pin,
      enrollToken: token, enrollTokenCreated: created,
    };
  }

  /** The HTTP app, for in-process requests (`inject`) and its route table (the authorization matrix test). */
  get httpApp(): FastifyInstance | null {
    return this.app;
  }

  /** Stops in reverse order: no new input first, then storage is flushed, the database last. */
  async stop(): Promise<void> {
    // alerting first (evaluation, the outbox drained, the modem driver, the simulator): no SMS
    // starts while the rest shuts down
    await this.consoleApi?.stop();
    this.consoleApi = null;
    await this.alerting?.stop();
    this.alerting = null;
    this.agentConfig?.stop();
    this.agentConfig = null;
    await this.http?.stop();
    await this.broker?.stop();
    // no more ingest: what the visitor history gathered is written before the database closes
    this.visitors?.stop();
    this.visitors = null;
    await this.store?.stop();
    this.registry?.stop();
    this.accounts?.stop();
    this.accounts = null;
    this.db?.close();
    this.http = null;
    this.app = null;
    this.broker = null;
    this.store = null;
    this.db = null;
  }
}
