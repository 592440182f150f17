// `rackwatch planned-restart` (B4): the update service (the RAUC install hook on the board, or any
// script that restarts the appliance) announces the window before it starts, and withdraws it when
// done. It writes the data dir's file directly, so it works with the appliance running (health
// reads the file at each request) or stopped (the next start finds it).
//
//   rackwatch planned-restart announce --data-dir DIR --minutes N --reason TEXT [--by NAME]
//   rackwatch planned-restart withdraw --data-dir DIR
//   rackwatch planned-restart show --data-dir DIR
import { parseArgs } from 'node:util';
import { RwError } from '../../contract/errors.js';
import { createLogger } from '../../core/logger.js';
import { PlannedRestarts } from './planned-restart.js';

const USAGE = `usage:
  rackwatch planned-restart announce --data-dir DIR --minutes N --reason TEXT [--by NAME]
  rackwatch planned-restart withdraw --data-dir DIR
  rackwatch planned-restart show --data-dir DIR
`;

export function isPlannedRestartCommand(argv: readonly string[]): boolean {
  return argv[0] === 'planned-restart';
}

/** Runs one command; returns the exit code (0 done, 1 nothing to withdraw or refused, 2 usage). */
export function runPlannedRestartCli(argv: readonly string[], io: { out: (s: string) => void; err: (s: string) => void }): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv.slice(1)], allowPositionals: true, strict: true,
      options: { 'data-dir': { type: 'string' }, minutes: { type: 'string' }, reason: { type: 'string' }, by: { type: 'string' } },
    });
  } catch (e) {
    io.err(`rackwatch planned-restart: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const [action] = parsed.positionals;
  const dataDir = parsed.values['data-dir'];
  if (!dataDir || !['announce', 'withdraw', 'show'].includes(action ?? '')) {
    io.err(USAGE);
    return 2;
  }
  const store = new PlannedRestarts({ dataDir, now: () => Date.now(), logger: createLogger('planned-restart', 'warn') });
  if (action === 'show') {
    io.out(`${JSON.stringify(store.current())}\n`);
    return 0;
  }
  if (action === 'withdraw') {
    if (store.withdraw()) return 0;
    io.err('rackwatch planned-restart: no planned restart is announced\n');
    return 1;
  }
  const minutes = Number(parsed.values.minutes);
  try {
    const window = store.announce({ minutes, reason: parsed.values.reason ?? '' }, parsed.values.by ?? 'update');
    io.out(`${JSON.stringify(window)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof RwError) {
      io.err(`rackwatch planned-restart: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
