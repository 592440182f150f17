// `rackwatch`: the appliance executable. Reads options, starts the appliance, prints one
// machine-readable ready line on stdout, and shuts down cleanly on SIGTERM / SIGINT.
import v8 from 'node:v8';
import { createLogger } from '../core/logger.js';
import { helpText, readOptions, UsageError } from '../core/cli-options.js';
import { APPLIANCE_OPTIONS, applianceConfigSchema } from './config.js';
import { Appliance } from './appliance.js';
import { httpsOrigin } from './http/public-address.js';
import { isAccountCommand, runAccountsCli } from './accounts/cli.js';
import { isPlannedRestartCommand, runPlannedRestartCli } from './health/planned-restart-cli.js';
import { SystemdWatchdog, systemdNotifySender, watchdogIntervalMs } from './health/systemd-watchdog.js';
import { systemClock } from '../core/clock.js';

async function main(): Promise<number> {
  // console-tool subcommands (`rackwatch token create …`, docs/security.md): no appliance started
  const argv = process.argv.slice(2);
  if (isAccountCommand(argv)) {
    return runAccountsCli(argv, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
  }
  if (isPlannedRestartCommand(argv)) {
    return runPlannedRestartCli(argv, { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
  }
  // V8 lets the old generation grow to about twice what survived the last full collection before
  // it collects again. Ingest makes short-lived garbage that outlives the young generation (the
  // latest values it replaces every interval, the live stream's ring): at 3,000 agents the heap
  // held 80 MB live under a 270 MB heap, 400 MB resident. Growing by a quarter instead: 215 MB
  // resident, for ~6 % more CPU (scripts/bench/ingest.ts; measured side by side: docs/benchmarks.md).
  v8.setFlagsFromString('--heap-growing-percent=25');
  let config;
  try {
    config = readOptions(APPLIANCE_OPTIONS, applianceConfigSchema, process.argv.slice(2), process.env);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`rackwatch: invalid configuration (RW_ERR_CONFIG)\n${e.problems.map((p) => `  ${p}`).join('\n')}\nSee rackwatch --help.\n`);
      return 2;
    }
    throw e;
  }
  if (config === null) {
    process.stdout.write(helpText('rackwatch', 'The rackwatch appliance: MQTT broker, RRD store, web UI and live stream in one process.', APPLIANCE_OPTIONS, applianceConfigSchema) + '\n');
    return 0;
  }
  const logger = createLogger('rackwatch', config.logLevel);
  const appliance = new Appliance({ config, logger });
  let addresses;
  try {
    addresses = await appliance.start();
  } catch (e) {
    logger.error('start-up failed', { err: e });
    await appliance.stop().catch(() => undefined);
    return 1;
  }
  // the enrollment token is a secret: shown once when made, then only to an admin (web UI, console)
  if (addresses.enrollTokenCreated) logger.info(`generated the enrollment token (kept 0600 in the data dir; shown this once): ${addresses.enrollToken}`);
  const a = addresses;
  logger.info(`web UI and API on ${httpsOrigin(a.publicAddress, a.httpsPort)}/ (plain HTTP: ${a.httpPort ? `port ${a.httpPort}, ${config.httpPlain}` : 'off'}); MQTT over TLS on port ${a.mqttsPort}${a.mqttPort ? `, plain MQTT on port ${a.mqttPort}` : ''}; TLS key pin ${a.pin}`);
  // D1: under systemd (Type=notify, WatchdogSec) say READY=1 and ping the watchdog while healthy
  const intervalMs = watchdogIntervalMs(process.env, process.pid);
  let watchdog: SystemdWatchdog | null = null;
  if (intervalMs !== null) {
    watchdog = new SystemdWatchdog({
      intervalMs, probes: appliance.watchdogProbes(), send: systemdNotifySender(process.env), clock: systemClock, logger: logger.child('watchdog'),
    });
    await watchdog.start().catch((e: unknown) => logger.error('could not notify systemd', { err: e }));
  }
  process.stdout.write(`rackwatch ready ${JSON.stringify({ httpPort: a.httpPort, httpsPort: a.httpsPort, mqttPort: a.mqttPort, mqttsPort: a.mqttsPort })}\n`);

  await new Promise<void>((resolve) => {
    const onSignal = (sig: NodeJS.Signals): void => {
      logger.info(`${sig} received, shutting down`);
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  watchdog?.stop();
  await appliance.stop();
  logger.info('stopped');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`rackwatch: fatal: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
