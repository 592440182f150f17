// The modem simulator as a standalone program: starts socat and the model, prints the path to open
// (e.g. `rackwatch --modem <path>`), and takes commands on stdin to script it by hand:
//   deliver <from> <text…>   an incoming SMS (split into parts like the network would)
//   reboot                   boot banners, as after a brown-out
//   unplug | replug [name]   the pty disappears / comes back under a new name
//   error [n] | cms <code> | cms-every <code> <n> | hang | clear | late-prompt <ms>   faults (sim-faults.ts)
//   log                      the decoded SMS-SUBMITs so far
// Run with: node scripts/modem-sim/run.mjs [--pin 1234] [--empty-smsc] [--no-lte] [--dir DIR]
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createLogger } from '../../core/logger.js';
import { startPtySimulator } from './pty-simulator.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    link: { type: 'string', default: 'modem' },
    pin: { type: 'string' },
    'empty-smsc': { type: 'boolean', default: false },
    'no-lte': { type: 'boolean', default: false },
    csq: { type: 'string', default: '21' },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write('usage: node scripts/modem-sim/run.mjs [--dir DIR] [--link NAME] [--pin PIN] [--empty-smsc] [--no-lte] [--csq N] [--verbose]\n');
  process.exit(0);
}

const logger = createLogger('modem-sim', values.verbose ? 'debug' : 'info');
const sim = await startPtySimulator({
  ...(values.dir ? { dir: values.dir } : {}),
  linkName: values.link,
  logger,
  model: {
    ...(values.pin ? { pin: values.pin } : {}),
    ...(values['empty-smsc'] ? { smsc: '' } : {}),
    lte: !values['no-lte'],
    csq: Number(values.csq),
  },
});
process.stdout.write(`${sim.path}\n`);

const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  const [cmd = '', ...args] = line.trim().split(/\s+/);
  const run = async (): Promise<string> => {
    switch (cmd) {
      case 'deliver': {
        const [from = '+821000000000', ...words] = args;
        return `stored at ${sim.deliverSms(from, words.join(' ')).join(', ')}`;
      }
      case 'reboot':
        sim.model.reboot();
        return 'rebooting';
      case 'unplug':
        await sim.unplug();
        return 'unplugged';
      case 'replug':
        return `replugged at ${await sim.replug(args[0])}`;
      case 'error':
        sim.faults.errorNext({ times: Number(args[0] ?? 1) });
        return 'armed';
      case 'cms':
        sim.faults.cmsOnCmgs(Number(args[0] ?? 500));
        return 'armed';
      case 'cms-every':
        sim.faults.cmsEvery(Number(args[0] ?? 500), Number(args[1] ?? 3));
        return 'armed';
      case 'hang':
        sim.faults.noAnswer({ times: Infinity });
        return 'hung';
      case 'late-prompt':
        sim.faults.latePrompt(Number(args[0] ?? 15_000));
        return 'armed';
      case 'clear':
        sim.faults.clear();
        return 'cleared';
      case 'log':
        return JSON.stringify(sim.log.messages().map((m) => ({ to: m.to, text: m.text, encoding: m.encoding, parts: m.parts.length })), null, 2);
      case '':
        return '';
      default:
        return `unknown command: ${cmd}`;
    }
  };
  run().then(
    (out) => out && process.stdout.write(`${out}\n`),
    (e: unknown) => process.stderr.write(`${(e as Error).message}\n`),
  );
});

const shutdown = (): void => {
  commands.close();
  sim.stop().then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`${(e as Error).message}\n`);
      process.exit(1);
    },
  );
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
commands.once('close', () => process.stdin.isTTY || shutdown());
