// Composition root of the agent (`rackwatch-agent`, S1 + S3): reads the options, enrolls or
// loads the identity, builds the collectors, the sampler, the scheduler and the MQTT session,
// and stops them in order on SIGTERM/SIGINT. Nothing else in agent/ reads process state.
import os from 'node:os';
import { isRwError } from '../contract/errors.js';
import { UsageError } from '../core/cli-options.js';
import { nowSeconds, systemClock } from '../core/clock.js';
import { createLogger } from '../core/logger.js';
import type { Collector } from './collectors/collector.js';
import { createCpuCollector } from './collectors/cpu.js';
import { createFilesystemsCollector } from './collectors/filesystems.js';
import { createLoadCollector } from './collectors/load.js';
import { createMemoryCollector } from './collectors/memory.js';
import { createNetworkCollector } from './collectors/network.js';
import { loadOrEnroll, type Identity } from './enroll.js';
import { collectInventory } from './inventory.js';
import { agentHelpText, parseAgentOptions, type AgentOptions } from './options.js';
import { createSampler, toBatches } from './sampler.js';
import { createScheduler } from './scheduler.js';
import { createSession } from './session.js';

/** Exit codes: 0 stopped by a signal or --help, 1 runtime failure, 2 bad configuration. */
async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
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
  const intervalS = options.interval;
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

  const hostname = options.hostname ?? os.hostname();
  const applianceUrl = new URL(options.appliance);
  let identity: Identity;
  try {
    identity = await loadOrEnroll({
      applianceUrl, token: options.token, stateDir: options.stateDir, hostname,
      clock, log: log.child('enroll'), signal: shutdown.signal,
    });
  } catch (error) {
    if (shutdown.signal.aborted) return 0;
    if (!isRwError(error)) throw error;
    log.error(error.message, { code: error.code });
    return error.code === 'RW_ERR_CONFIG' ? 2 : 1;
  }

  const inventory = await collectInventory({
    root, hostname, intervalS, clock, log: log.child('inventory'),
  });
  const collectors: Collector[] = [
    createCpuCollector({ root }),
    createLoadCollector({ root }),
    createMemoryCollector({ root }),
    createFilesystemsCollector({ root, clock, log: log.child('fs') }),
    createNetworkCollector({ root }),
  ];
  const sampler = createSampler({ collectors, log: log.child('sampler') });
  const session = createSession({
    applianceUrl, identity, inventory, keepaliveS: options.keepalive, clock, log: log.child('session'),
  });
  if (shutdown.signal.aborted) return 0;

  session.start();
  // A first, unpublished round gives the counter families (cpu, net) their baseline, so the
  // first published batch is already complete.
  await sampler.sample(nowSeconds(clock));
  const scheduler = createScheduler({
    clock, intervalS, log: log.child('scheduler'),
    tick: async (t) => {
      for (const batch of toBatches(await sampler.sample(t), intervalS)) session.publishMetrics(batch);
    },
  });
  scheduler.start();
  log.info('sampling', { agentId: identity.agentId, intervalS, collectors: collectors.map((c) => c.name) });

  if (!shutdown.signal.aborted) await new Promise((resolve) => shutdown.signal.addEventListener('abort', resolve, { once: true }));
  await scheduler.stop();
  await session.stop();
  log.info('stopped');
  return 0;
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`rackwatch-agent: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
