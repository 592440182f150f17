// Composition root of the agent (`rackwatch-agent`; S1, S2, S3, B2): reads the options,
// enrolls or loads the identity, opens the disk queue, builds the collectors' schedules from the
// last good configuration (or the flags), the MQTT session and the inventory watch, applies each
// configuration the appliance publishes, and stops everything in order on SIGTERM/SIGINT.
// Nothing else in agent/ reads process state. The service checks, the web logs and the sentinel
// are loaded when a configuration first asks for them (on-demand.ts), and the file actions only in
// their own child process: an agent that runs none of them keeps
// none of their code in memory (RSS, docs/benchmarks.md "The agent's footprint").
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import type { AgentConfig } from '../contract/agent-config-mini.js';
import { isRwError } from '../contract/errors.js';
import type { Inventory } from '../contract/inventory.js';
import { UsageError } from '../core/cli-options.js';
import { systemClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import { CheckOutbox } from './checks/check-outbox.js';
import type { CheckScheduler } from './checks/check-scheduler.js';
import { LogPositionStore } from './checks/log-positions.js';
import { ProcessTable } from './checks/process-table.js';
import { createCollectionPlan } from './collection-plan.js';
import { createCollector, type CollectorContext } from './collectors/all-collectors.js';
import {
  checkAgentConfig, ConfigStore, defaultSettings, queueBoundsOf, sameConfig, settingsOf, SNAPSHOT_COLLECTORS, weblogQueueBoundsOf,
} from './config-store.js';
import { DiskQueue } from './disk-queue.js';
import { FILE_OP_FLAG } from './files/file-op-flag.js';
import { FileJobsAgent } from './files/file-jobs-agent.js';
import { loadOrEnroll, type Identity } from './enroll.js';
import { HOST_FACTS_FLAG, hostFactsFromHelper, printHostFacts } from './host-facts.js';
import { cachedHostFacts, collectInventory } from './inventory.js';
import { createInventoryWatch } from './inventory-watch.js';
import { agentHelpText, checkDirsOf, parseAgentOptions, type AgentOptions } from './options.js';
import { exposedGc, startOldSpaceCollector } from './old-space-collector.js';
import { OnDemand } from './on-demand.js';
import { PairConfigSource } from './pair-config-source.js';
import { pinnedFetch, type FetchLike } from './pinned-fetch.js';
import type { SentinelWatch } from './sentinel/sentinel-watch.js';
import { createSession } from './session.js';
import { StandbyLink } from './standby-link.js';
import { lockStateDir } from './state-lock.js';
import type { WeblogSources } from './weblog/weblog-sources.js';

/** Exit codes: 0 stopped by a signal or --help, 1 runtime failure, 2 bad configuration. */
async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  // V8's optimizing compiler (TurboFan) stays off: its own machine code and the optimized code
  // cost ~9 MB of RSS (51.5 against 60.4 MB, measured side by side with every collector but the
  // TCP tables at 1 s), a sixth of the agent's 55 MB budget (S2, S3, S15), for 0.3 ms of CPU per
  // sample (8.5 against 8.2 ms/s) in a process that works a few milliseconds per interval. Hot
  // paths use native String and fs calls, which are as fast in the interpreter. Set before
  // anything runs hot: nothing has been optimized yet.
  v8.setFlagsFromString('--no-opt');
  if (argv[0] === HOST_FACTS_FLAG) {
    await printHostFacts(); // the helper process of host-facts.ts
    return 0;
  }
  // a file action's child (files/file-job-runner.ts)
  if (argv[0] === FILE_OP_FLAG) return (await import('./files/file-op-child.js')).fileOpChildMain();
  let options: AgentOptions | null;
  try {
    options = parseAgentOptions(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.problems.join('\n')}\n(see --help)\n`);
    return 2;
  }
  if (!options) {
    process.stdout.write(agentHelpText() + '\n');
    return 0;
  }

  const log = createLogger('agent', options.logLevel);
  const clock = systemClock;
  const root = '/';
  const shutdown = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (shutdown.signal.aborted) {
      log.warn('second signal while stopping; exiting now', { signal });
      process.exit(1);
    }
    log.info('stopping', { signal });
    shutdown.abort(new Error(`stopped by ${signal}`));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  let unlock: () => void;
  try {
    unlock = lockStateDir(options.stateDir);
  } catch (error) {
    if (!isRwError(error)) throw error;
    log.error(error.message, { code: error.code });
    return 2;
  }
  process.on('exit', () => unlock());

  const fixedHostname = options.hostname;
  const hostname = (): string => fixedHostname ?? os.hostname();
  const applianceUrl = new URL(options.appliance);
  let identity: Identity;
  try {
    identity = await loadOrEnroll({
      applianceUrl, token: options.token, stateDir: options.stateDir, hostname: hostname(), ...(options.pin ? { pin: options.pin } : {}),
      clock, log: log.child('enroll'), signal: shutdown.signal,
    });
  } catch (error) {
    if (shutdown.signal.aborted) return 0;
    if (!isRwError(error)) throw error;
    log.error(error.message, { code: error.code });
    return error.code === 'RW_ERR_CONFIG' ? 2 : 1;
  }

  // the last good configuration (S2), or the flags until the appliance sends one
  const configLog = log.child('config');
  const configStore = new ConfigStore(options.stateDir, configLog);
  let config: AgentConfig | null = configStore.load();
  const intervalS = options.interval;
  if (config) configLog.info('running on the stored configuration until the appliance sends one', { revision: config.revision });

  let queue: DiskQueue;
  // the web-log intervals' own queue (S11): an outage of the appliance loses none, and they
  // neither delay the metrics nor take their share of the disk
  let weblogQueue: DiskQueue;
  const queueBounds = config ? queueBoundsOf(config) : { maxBytes: options.queueMaxBytes, maxAgeS: options.queueMaxAge };
  const queueDir = path.join(options.stateDir, 'queue');
  const weblogQueueDir = path.join(options.stateDir, 'weblog-queue');
  try {
    queue = new DiskQueue({ dir: queueDir, bounds: queueBounds, clock, log: log.child('queue') });
  } catch (error) {
    log.error(`cannot open the queue in ${queueDir}: ${(error as Error).message}`, { code: 'RW_ERR_CONFIG' });
    return 2;
  }
  try {
    weblogQueue = new DiskQueue({ dir: weblogQueueDir, bounds: weblogQueueBoundsOf(queueBounds), clock, log: log.child('weblog-queue') });
  } catch (error) {
    queue.close();
    log.error(`cannot open the queue in ${weblogQueueDir}: ${(error as Error).message}`, { code: 'RW_ERR_CONFIG' });
    return 2;
  }

  // S13, B4: the standby appliance of a pair gets everything too, through its own session and queues
  let standby: StandbyLink | null = null;
  if (options.standbyMqtt) {
    try {
      standby = new StandbyLink({
        stateDir: options.stateDir, mqttUrl: new URL(options.standbyMqtt), ...(options.standbyPin ? { pin: options.standbyPin } : {}),
        applianceUrl, identity, inventory: () => currentInventory(), bounds: queueBounds, keepaliveS: options.keepalive, clock, log: log.child('standby'),
        // its configs are applied only while it is the pair's primary of the higher term (pair-config-source.ts)
        onConfig: (payload) => configSource.offer('standby', payload),
      });
    } catch (error) {
      queue.close();
      weblogQueue.close();
      log.error(`cannot open the standby's queue in ${path.join(options.stateDir, 'standby')}: ${(error as Error).message}`, { code: 'RW_ERR_CONFIG' });
      return 2;
    }
  }

  // the process checks' reading of /proc, also fed by the top-processes collector's (S18)
  const processTable = new ProcessTable(root);
  const collectorContext: CollectorContext = { root, clock, log, processes: processTable };
  const plan = createCollectionPlan({
    clock, log: log.child('plan'),
    createCollector: (name) => createCollector(name, collectorContext),
    onBatch: (batch) => {
      try {
        queue.append(batch);
      } catch (error) {
        log.error('cannot write a batch to the disk queue; it is lost', { error, stateDir: options.stateDir });
      }
      session.kick();
      try {
        standby?.appendBatch(batch);
      } catch (error) {
        log.error("cannot write a batch to the standby's disk queue; the standby loses it", { error, stateDir: options.stateDir });
      }
    },
  });

  const helperScript = process.argv[1];
  const hostFacts = cachedHostFacts(helperScript
    ? () => hostFactsFromHelper({ script: helperScript, log: log.child('inventory') })
    : undefined);
  // what the collectors run (S2): reported in the inventory, so the schedule dialog shows it
  let runningSettings = config ? settingsOf(config, intervalS) : defaultSettings(intervalS);
  const collectNow = (): Promise<Inventory> => collectInventory({
    root, hostname: hostname(), intervalS: plan.baseIntervalS ?? intervalS, collectors: runningSettings, clock, log: log.child('inventory'), hostFacts,
  });
  let inventory = await collectNow();
  // the drop counter changes while the appliance is away: the inventory sent on reconnect has it
  const currentInventory = (): Inventory => {
    const { dropped, lastDropAt } = queue.stats();
    return { ...inventory, queue: { dropped, lastDropAt } };
  };

  // service checks (S5, S6, S16, S18): their results take their own way (check-outbox.ts)
  const checksLog = log.child('checks');
  const logPositions = new LogPositionStore(options.stateDir, checksLog);
  const outbox = new CheckOutbox({ send: (payload, done) => session.publishChecks(payload, done), log: checksLog });
  const checks = new OnDemand<CheckScheduler>('service checks', async () => {
    const [{ createCheckScheduler }, { ScriptRunner }] = await Promise.all([import('./checks/check-scheduler.js'), import('./checks/script-runner.js')]);
    return createCheckScheduler({
      clock, log: checksLog,
      context: { scripts: new ScriptRunner({ allowedDirs: checkDirsOf(options) }), logPositions, processes: processTable },
      onResults: (results) => {
        outbox.add(results);
        standby?.addChecks(results);
      },
      onRoundEnd: () => logPositions.save(),
    });
  }, checksLog);
  const applyChecks = (next: AgentConfig | null): void => {
    const list = next?.checks ?? [];
    const ids = new Set(list.map((c) => c.id));
    outbox.retain(ids);
    standby?.retainChecks(ids);
    logPositions.retain(ids);
    checks.apply(list.length > 0, (scheduler) => scheduler.apply(list));
  };

  // web access logs (S11): their intervals go through their own disk queue, like the batches
  const weblogLog = log.child('weblog');
  const weblogs = new OnDemand<WeblogSources>('web logs', async () => {
    // the systemd unit starts node without Sparkplug (V8's baseline compiler: ~2 MB of RSS with
    // checks); a web log's parser is JavaScript-bound, and without it costs ~20 % more CPU a line
    // (docs/benchmarks.md, "Sparkplug off, applied"), so an agent that follows web logs turns it
    // back on: functions that run hot from now on get baseline code again
    v8.setFlagsFromString('--sparkplug');
    const { WEBLOG_POSITIONS_FILE, WeblogSources } = await import('./weblog/weblog-sources.js');
    return new WeblogSources({
      clock, log: weblogLog, positions: new LogPositionStore(options.stateDir, weblogLog, WEBLOG_POSITIONS_FILE),
      onMessage: (t, payload) => {
        weblogQueue.appendRecord(t, payload);
        session.kick();
        standby?.appendWeblog(t, payload);
      },
    });
  }, weblogLog);
  const applyWeblogs = (next: AgentConfig | null): void => {
    const sources = next?.weblogs ?? [];
    weblogs.apply(sources.length > 0, (w) => w.apply(sources));
  };

  // S13, B4: a sentinel watches the appliance and alarms through its own channels when it dies;
  // the heartbeat goes where enrollment went, over the pinned key when there is one (SEC)
  const heartbeatPin = options.pin ?? identity.pin;
  const applianceFetch: FetchLike = applianceUrl.protocol === 'https:' && heartbeatPin ? pinnedFetch(heartbeatPin) : (url, init) => fetch(url, init);
  const sentinelLog = log.child('sentinel');
  const sentinel = new OnDemand<SentinelWatch>('sentinel', async () => {
    const [{ sendThrough }, { createHeartbeatProbe }, { checkOwnNetwork }, { SentinelWatch }, { reportTestResults }] = await Promise.all([
      import('./sentinel/alarm-channels.js'), import('./sentinel/heartbeat-probe.js'), import('./sentinel/own-network.js'), import('./sentinel/sentinel-watch.js'),
      import('./sentinel/test-report.js'),
    ]);
    const heartbeat = createHeartbeatProbe({ applianceUrl, agentId: identity.agentId, secret: identity.secret, timeoutMs: 3000, fetch: applianceFetch });
    return new SentinelWatch({
      clock, log: sentinelLog, sentinelName: hostname(),
      // S13, B4: a session that no longer answers counts as lost at once, not after 1.5 × keepalive
      mqttConnected: () => session.answering,
      mqttProbe: () => session.probe(),
      heartbeat,
      ownNetwork: (target) => checkOwnNetwork(target, 3000),
      send: (channel, alarm) => sendThrough(channel, alarm, { clock, log: log.child('sentinel-channel') }),
      reportTest: (testId, results) => reportTestResults({ applianceUrl, agentId: identity.agentId, fetch: applianceFetch, sign: (text) => heartbeat.sign(text) }, testId, results),
    });
  }, sentinelLog);
  const applySentinel = (next: AgentConfig | null): void => {
    const wanted = next?.sentinel ?? null;
    sentinel.apply(wanted !== null, (s) => s.apply(wanted));
  };

  // S17: fleet file jobs travel in the config; each runs once, as the account the server's
  // files.d allows, in a child of this very bundle (files/file-op-child.ts)
  const fileJobs = new FileJobsAgent({
    stateDir: options.stateDir, log: log.child('files'),
    runner: { filesDir: options.filesDir, child: { command: process.execPath, args: [helperScript ?? '', FILE_OP_FLAG] } },
    ...(options.pin ?? identity.pin ? { pin: options.pin ?? identity.pin } : {}),
    publish: (payload, done) => session.publishFileJobResults(payload, done),
  });
  const applyFileJobs = (next: AgentConfig | null): void => fileJobs.apply(next?.fileJobs ?? []);

  const applyConfig = (payload: Buffer): void => {
    const check = checkAgentConfig(payload);
    if (!check.ok) {
      configLog.error(`configuration refused; keeping ${config ? `revision ${config.revision}` : 'the defaults'}: ${check.problems.join('; ')}`,
        { problems: check.problems });
      return;
    }
    const next = check.config;
    // checks are compared one by one (an unchanged one keeps running), apart from the schedules
    applyChecks(next);
    applyWeblogs(next);
    applySentinel(next);
    applyFileJobs(next);
    if (config && sameConfig(config, next)) {
      // a new revision, or the same schedules with other checks: kept for the next start
      if (JSON.stringify(config) !== JSON.stringify(next)) configStore.save(next);
      config = next;
      configLog.debug('configuration unchanged', { revision: next.revision });
      return;
    }
    configStore.save(next);
    config = next;
    queue.setBounds(queueBoundsOf(next));
    weblogQueue.setBounds(weblogQueueBoundsOf(queueBoundsOf(next)));
    standby?.setBounds(queueBoundsOf(next));
    runningSettings = settingsOf(next, intervalS);
    plan.apply(runningSettings).then(
      () => {
        configLog.info('configuration applied', { revision: next.revision });
        return watch.checkNow(); // the inventory's interval may have changed
      },
      (error: unknown) => { configLog.error('applying the configuration failed', { revision: next.revision, error }); },
    ).catch((error: unknown) => { configLog.error('inventory after a configuration change failed', { error }); });
  };

  // S13, B4: with a standby, the configuration of whichever appliance is the pair's primary; an
  // agent that publishes to one appliance applies its configs, whatever its role (a standby's are
  // copies of the primary's)
  const configSource = new PairConfigSource(applyConfig, configLog);
  const session = createSession({
    applianceUrl, identity, inventory: currentInventory, queue, weblogQueue, onConfig: standby ? (payload) => configSource.offer('appliance', payload) : applyConfig,
    onConnected: () => {
      outbox.flush();
      fileJobs.flush();
      // the snapshot at once, not after the routes' 300 s or the visitors' 30 s (S1, S15)
      void plan.sampleNow([...SNAPSHOT_COLLECTORS]);
    },
    // the flag's pin, else the one enrollment over verified HTTPS brought (SEC)
    ...(options.mqtt ? { mqttUrl: new URL(options.mqtt) } : {}), ...(options.pin ?? identity.pin ? { pin: options.pin ?? identity.pin } : {}),
    keepaliveS: options.keepalive, clock, log: log.child('session'),
  });
  const watch = createInventoryWatch({
    clock, log: log.child('inventory'), collect: collectNow,
    onInventory: (next) => {
      inventory = next;
      session.updateInventory();
      standby?.updateInventory();
    },
  });
  if (shutdown.signal.aborted) {
    queue.close();
    weblogQueue.close();
    standby?.close();
    return 0;
  }

  await plan.apply(runningSettings);
  applyChecks(config);
  applyWeblogs(config);
  applySentinel(config);
  applyFileJobs(config);
  session.start();
  standby?.start();
  watch.start();
  // the old generation's garbage collected when it has grown (RSS budget: old-space-collector.ts)
  const gc = exposedGc();
  if (!gc) log.warn('this Node does not expose its garbage collector; the old generation is left to V8 (more RSS)');
  const gcLog = log.child('memory');
  const oldSpace = gc ? startOldSpaceCollector({
    clock, gc,
    onCollected: (before, after) => { gcLog.debug('old generation collected', { beforeKb: Math.round(before / 1024), afterKb: Math.round(after / 1024) }); },
  }) : null;
  log.info('sampling', { agentId: identity.agentId, queued: queue.waiting, groups: Object.fromEntries(plan.groups().map(([s, names]) => [`${s}s`, names])) });

  if (!shutdown.signal.aborted) await new Promise((resolve) => shutdown.signal.addEventListener('abort', resolve, { once: true }));
  await sentinel.stop();
  await fileJobs.stop();
  oldSpace?.stop();
  await watch.stop();
  await checks.stop();
  logPositions.save();
  await weblogs.stop();
  await plan.stop();
  processTable.close();
  await session.stop();
  await standby?.stop();
  queue.close();
  weblogQueue.close();
  log.info('stopped', { queued: queue.waiting });
  return 0;
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`rackwatch-agent: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
