// `rackwatch-console`: the technician's console (D5), where a login on the console port lands
// (the board's getty runs it) and also usable over SSH. Full screen on a VT100-class terminal,
// plain lines on TERM=dumb or when stdout is not a terminal.
import path from 'node:path';
import { helpText, readOptions, UsageError } from '../../core/cli-options.js';
import { systemClock } from '../../core/clock.js';
import { ConsoleApp } from './console-app.js';
import { CONSOLE_OPTIONS, consoleOptionsSchema } from './console-options.js';
import { langOf } from './console-text.js';
import { FullScreenUi, LineUi, type ConsoleUi } from './console-ui.js';
import { LocalApiClient } from './local-api-client.js';
import { consoleSocketPath } from './local-api-server.js';
import { BoardRequests, boardNetworkTarget } from './board-requests.js';
import { commandApplyHook, localNetworkTarget, NETWORK_FILE, NetworkStore } from './network-store.js';

async function main(): Promise<number> {
  let options;
  try {
    options = readOptions(CONSOLE_OPTIONS, consoleOptionsSchema, process.argv.slice(2), process.env);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`rackwatch-console: invalid configuration (RW_ERR_CONFIG)\n${e.problems.map((p) => `  ${p}`).join('\n')}\nSee rackwatch-console --help.\n`);
      return 2;
    }
    throw e;
  }
  if (options === null) {
    process.stdout.write(helpText('rackwatch-console', "The technician's console: status, network, modem, alarms, passwords, clock, log, factory reset.", CONSOLE_OPTIONS, consoleOptionsSchema) + '\n');
    return 0;
  }
  const dataDir = path.resolve(options.dataDir);
  const term = { input: process.stdin, output: process.stdout };
  const dumb = (process.env.TERM ?? 'dumb') === 'dumb' || !process.stdout.isTTY || !process.stdin.isTTY;
  const ui: ConsoleUi = dumb ? new LineUi(term) : new FullScreenUi(term);
  // on the board the console's login may not write where networkd reads nor erase /data: it asks root
  const requests = options.requestsDir ? new BoardRequests({ spool: path.resolve(options.requestsDir), clock: systemClock }) : null;
  const networkFile = path.resolve(options.networkFile ?? path.join(dataDir, NETWORK_FILE));
  const target = requests ? boardNetworkTarget(requests, networkFile) : localNetworkTarget(networkFile, commandApplyHook(options.applyCommand ?? null));
  const network = new NetworkStore({ target, iface: options.iface, clock: systemClock, confirmWindowMs: options.confirmSeconds * 1000 });
  const app = new ConsoleApp({
    ui, api: new LocalApiClient(consoleSocketPath(dataDir)), network, dataDir, iface: options.iface, lang: options.lang ?? langOf(process.env),
    ...(options.logFile ? { logFile: options.logFile } : {}), logCommand: options.logCommand.split(' ').filter((w) => w !== ''),
    ...(options.resetCommand ? { resetCommand: options.resetCommand } : {}), ...(requests ? { requests } : {}),
    rows: () => process.stdout.rows ?? 24, now: () => Date.now(),
  });
  await app.run();
  return 0;
}

main().then((code) => process.exit(code), (e: unknown) => {
  process.stderr.write(`rackwatch-console: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
