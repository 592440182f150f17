// rackwatch-console's options (D5): flags, each also an environment variable, validated once at
// start (docs/conventions.md 6), read with the same helper as the appliance's.
import { z } from 'zod';
import type { OptionSpec } from '../../core/cli-options.js';

export const CONSOLE_OPTIONS: OptionSpec[] = [
  { flag: 'data-dir', env: 'RW_DATA_DIR', help: "the appliance's data dir: its `run/console.sock`, `network/`, everything a factory reset erases" },
  { flag: 'lang', env: 'RW_CONSOLE_LANG', help: '`ko` or `en` (the `k` key switches)', defaultText: '`ko` when LANG starts with ko, else `en`' },
  { flag: 'iface', env: 'RW_CONSOLE_IFACE', help: 'the network interface the settings are for' },
  { flag: 'apply-command', env: 'RW_NETWORK_APPLY', help: "run with the `.network` file's path after each change and each revert (the board's reloads systemd-networkd)", defaultText: 'none: the file is only written' },
  { flag: 'requests-dir', env: 'RW_CONSOLE_REQUESTS', help: "the board's spool of requests to root (`/run/rackwatch-console`): network changes and factory resets are asked of root there instead of done here", defaultText: 'none: done here' },
  { flag: 'network-file', env: 'RW_NETWORK_FILE', help: 'the installed networkd file the network screen reads (with --requests-dir: the one root installs)', defaultText: '`<data-dir>/network/10-rackwatch.network`' },
  { flag: 'confirm-seconds', env: 'RW_NETWORK_CONFIRM', help: 'seconds to confirm a network change before the previous settings come back' },
  { flag: 'log-file', env: 'RW_CONSOLE_LOG_FILE', help: 'a file whose tail the log screen shows (instead of --log-command)' },
  { flag: 'log-command', env: 'RW_CONSOLE_LOG_COMMAND', help: 'a command whose output the log screen shows (split on spaces)' },
  { flag: 'reset-command', env: 'RW_FACTORY_RESET', help: "run for a factory reset (the board's stops the appliance, erases /data and reboots)", defaultText: 'none: the data dir is erased when the appliance is down, refused while it runs' },
];

export const consoleOptionsSchema = z.object({
  dataDir: z.string().min(1).default('/data'),
  lang: z.enum(['ko', 'en']).optional(),
  iface: z.string().regex(/^[A-Za-z0-9_.:-]{1,15}$/, 'must be an interface name such as eth0').default('eth0'),
  applyCommand: z.string().min(1).optional(),
  requestsDir: z.string().min(1).optional(),
  networkFile: z.string().min(1).optional(),
  confirmSeconds: z.coerce.number().int().min(1).max(600).default(60),
  logFile: z.string().min(1).optional(),
  logCommand: z.string().min(1).default('journalctl -u rackwatch -n 200 --no-pager'),
  resetCommand: z.string().min(1).optional(),
});

export type ConsoleOptions = z.infer<typeof consoleOptionsSchema>;
