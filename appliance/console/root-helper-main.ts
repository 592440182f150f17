// `console-root-helper.js init|serve`: root's side of the console's requests on the board (D1, D5),
// run by rackwatch-console-init.service (init, at boot) and rackwatch-console-requests.service
// (serve, started by its path unit). The defaults are the board's paths; tests point them at a
// temporary directory and stand-ins for networkctl and the reboot.
import { helpText, readOptions, UsageError, type OptionSpec } from '../../core/cli-options.js';
import { z } from 'zod';
import { initSpool, serveRequests } from './root-helper.js';

const OPTIONS: OptionSpec[] = [
  { flag: 'spool', env: 'RW_CONSOLE_SPOOL', help: "the console's requests (`requests/`, its group's), root's answers and the reset token" },
  { flag: 'network-dir', env: 'RW_NETWORK_DIR', help: 'where the networkd file is installed (/etc/systemd/network/10-rackwatch.network links there)' },
  { flag: 'data-root', env: 'RW_BOARD_DATA', help: 'the data partition, where the factory-reset marker goes' },
  { flag: 'iface', env: 'RW_CONSOLE_IFACE', help: 'the interface the network settings are for' },
  { flag: 'group', env: 'RW_CONSOLE_GROUP', help: "the console login's group, the only one that may write requests" },
  { flag: 'group-file', env: 'RW_GROUP_FILE', help: "where the group's id is read" },
  { flag: 'networkctl', env: 'RW_NETWORKCTL', help: 'run with `reload`, then `reconfigure <iface>`, after the file is installed' },
  { flag: 'reboot-command', env: 'RW_REBOOT_COMMAND', help: 'run after a factory reset is accepted (split on spaces)' },
];

const schema = z.object({
  spool: z.string().min(1).default('/run/rackwatch-console'),
  networkDir: z.string().min(1).default('/data/network'),
  dataRoot: z.string().min(1).default('/data'),
  iface: z.string().regex(/^[A-Za-z0-9_.:-]{1,15}$/, 'must be an interface name such as eth0').default('eth0'),
  group: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a group name').default('rwconsole'),
  groupFile: z.string().min(1).default('/etc/group'),
  networkctl: z.string().min(1).default('networkctl'),
  rebootCommand: z.string().min(1).default('systemctl --no-block reboot'),
});

async function main(): Promise<number> {
  const [first, ...rest] = process.argv.slice(2);
  // `--help` alone, or after the command
  const [command, args] = first === '--help' ? ['help', ['--help']] : [first, rest];
  let options;
  try {
    options = readOptions(OPTIONS, schema, args, process.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`console-root-helper: invalid configuration (RW_ERR_CONFIG)\n${e.problems.map((p) => `  ${p}`).join('\n')}\n`);
    return 2;
  }
  if (options === null || (command !== 'init' && command !== 'serve')) {
    process.stdout.write(helpText('console-root-helper init|serve', "Root's side of the technician console's requests on the board: init makes the spool at boot, serve carries out the waiting requests.", OPTIONS, schema) + '\n');
    return options === null ? 0 : 2;
  }
  const config = {
    ...options, rebootCommand: options.rebootCommand.split(' ').filter((w) => w !== ''),
    now: () => Date.now(), log: (line: string) => process.stdout.write(`${line}\n`),
  };
  if (command === 'init') initSpool(config);
  else await serveRequests(config);
  return 0;
}

main().then((code) => process.exit(code), (e: unknown) => {
  process.stderr.write(`console-root-helper: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
