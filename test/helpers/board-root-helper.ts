// The board's root side of the console's requests (D1, D5) without a board: the built
// dist/console-root-helper.js run as its units run it, on a temporary directory standing in for
// /run/rackwatch-console, /data/network and /data, with recording stand-ins for networkctl and
// the reboot; `watch()` plays the path unit (runs `serve` whenever a request file appears).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseStatus, REQUEST_FILES, STATUS_FILES, type RequestKind, type RequestStatus } from '../../appliance/console/console-requests.js';
import { repoRoot } from './paths.js';
import { runCommand, type CommandResult } from './run-command.js';
import { tempDir } from './temp-dir.js';

const HELPER = path.join(repoRoot, 'dist', 'console-root-helper.js');

export interface BoardRootHelper {
  /** /run/rackwatch-console */
  spool: string;
  /** /data */
  dataRoot: string;
  /** /data/network/10-rackwatch.network */
  networkFile: string;
  /** each networkctl / reboot call: its name and arguments */
  calls(): string[];
  run(command: 'init' | 'serve'): Promise<CommandResult>;
  /** writes a request as the console would (or anything else) */
  request(kind: RequestKind, content: string | Buffer): void;
  status(kind: RequestKind): RequestStatus | null;
  /** runs `serve` whenever a request appears, as rackwatch-console-requests.path does, until the test ends */
  watch(): void;
}

export async function boardRootHelper(t: { teardown(fn: () => unknown): void }, o: { networkctlFails?: boolean } = {}): Promise<BoardRootHelper> {
  const dir = tempDir(t, 'rw-root-');
  const spool = path.join(dir, 'run', 'rackwatch-console');
  const dataRoot = path.join(dir, 'data');
  mkdirSync(path.join(dataRoot, 'network'), { recursive: true });
  const log = path.join(dir, 'calls.log');
  const stub = (name: string, fail: boolean): string => {
    const file = path.join(dir, name);
    writeFileSync(file, `#!/bin/sh\necho "${name} $*" >> '${log}'\n${fail ? 'echo "Failed to connect to bus: No such file or directory" >&2; exit 1\n' : ''}`);
    chmodSync(file, 0o755);
    return file;
  };
  // the console's group: here the test's own, so that init's chown works without root
  const groupFile = path.join(dir, 'group');
  writeFileSync(groupFile, `root:x:0:\nrwconsole:x:${process.getgid?.() ?? 0}:tech\n`);
  const env = {
    RW_CONSOLE_SPOOL: spool, RW_NETWORK_DIR: path.join(dataRoot, 'network'), RW_BOARD_DATA: dataRoot, RW_GROUP_FILE: groupFile,
    RW_NETWORKCTL: stub('networkctl', o.networkctlFails ?? false), RW_REBOOT_COMMAND: `${stub('reboot', false)} --no-block`,
  };
  const run = (command: 'init' | 'serve'): Promise<CommandResult> => runCommand(process.execPath, [HELPER, command], { env });
  const statusFile = (kind: RequestKind): string => path.join(spool, STATUS_FILES[kind]);
  const helper: BoardRootHelper = {
    spool, dataRoot, networkFile: path.join(dataRoot, 'network', '10-rackwatch.network'),
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') : []),
    run,
    request: (kind, content) => writeFileSync(path.join(spool, 'requests', REQUEST_FILES[kind]), content),
    status: (kind) => (existsSync(statusFile(kind)) ? parseStatus(readFileSync(statusFile(kind), 'utf8')) : null),
    watch: () => {
      let busy = false;
      const timer = setInterval(() => {
        if (busy || !Object.values(REQUEST_FILES).some((f) => existsSync(path.join(spool, 'requests', f)))) return;
        busy = true;
        void run('serve').finally(() => { busy = false; });
      }, 100);
      t.teardown(() => clearInterval(timer));
    },
  };
  const init = await run('init');
  if (init.code !== 0) throw new Error(`console-root-helper init failed: ${init.out}`);
  return helper;
}
