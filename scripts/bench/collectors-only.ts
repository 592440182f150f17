// The floor of the agent's footprint (docs/benchmarks.md): a Node process that runs only the
// agent's collectors, through its own sampler and scheduler, at the agent's interval: no MQTT, no
// disk queue, no JSON, no checks. Started by agent-floor.ts (not run by hand); `--idle` runs
// nothing but a timer at the same instants (bare Node); `--opt` leaves V8's optimizing compiler
// on (the agent turns it off for memory). Writes one line per round to stdout.
//
//   collectors-only.js --interval 1 --addon <dist/sock-diag-….node> [--idle] [--opt]
import v8 from 'node:v8';
import { parseArgs } from 'node:util';
import { COLLECTOR_NAMES } from '../../contract/families.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { createCollector, type CollectorContext } from '../../agent/collectors/all-collectors.js';
import { loadSockDiag } from '../../agent/collectors/sock-diag.js';
import { TcpTables } from '../../agent/collectors/tcp-tables.js';
import { createSampler } from '../../agent/sampler.js';
import { createScheduler } from '../../agent/scheduler.js';

const { values: args } = parseArgs({
  options: {
    interval: { type: 'string', default: '1' }, addon: { type: 'string', default: '' },
    idle: { type: 'boolean', default: false }, opt: { type: 'boolean', default: false },
  },
});
// as the agent does at start (agent/main.ts): the interpreter only
if (!args.opt) v8.setFlagsFromString('--no-opt');
const intervalS = Number(args.interval);
let tick: (t: number) => Promise<void>;
if (args.idle) {
  tick = (): Promise<void> => Promise.resolve();
} else {
  const sockDiag = loadSockDiag(args.addon ? [args.addon] : undefined);
  const tcpTables = new TcpTables('/', sockDiag.ok ? { sockDiag: sockDiag.socket } : { source: 'proc' });
  const context: CollectorContext = { root: '/', clock: systemClock, log: silentLogger, tcpTables };
  const sampler = createSampler({ collectors: COLLECTOR_NAMES.map((name) => createCollector(name, context)), log: silentLogger });
  await sampler.sample(0); // the rate collectors' baseline, as the collection plan takes it
  tick = async (t): Promise<void> => { await sampler.sample(t); };
}
createScheduler({
  clock: systemClock, intervalS, log: silentLogger,
  tick: async (t) => {
    await tick(t);
    process.stdout.write('r\n');
  },
}).start();
process.on('SIGTERM', () => process.exit(0));
