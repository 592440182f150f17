// The floor under the service checks' cost (S5; docs/benchmarks.md, "How the agent is compared
// with node_exporter"): bare Node doing only what the benchmark's 100 checks need of the kernel,
// with none of the agent around it: every --interval seconds, half a second into the second as
// the agent's rounds, --connections loopback TCP connections to --port that read the server's
// first bytes and close (the port checks: connect, banner, close), and one reading of /proc with
// every process's stat and command line through the agent's own ProcessTable (the reading the
// process checks of a round share; a check by name asks for every command line). Started by
// agent-footprint.ts (phase E) and agent-floor.ts next to the same program with `--idle` (bare
// Node: this bundle, the same timer, no work), whose CPU is subtracted; not run by hand. Writes
// one line per round to stdout.
//
//   checks-floor.js --port N [--connections 50] [--interval 10] [--process prometheus-node] [--idle]
import net from 'node:net';
import v8 from 'node:v8';
import { parseArgs } from 'node:util';
import { ROUND_OFFSET_MS } from '../../agent/checks/check-scheduler.js';
import { ProcessTable } from '../../agent/checks/process-table.js';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: '' },
    connections: { type: 'string', default: '50' },
    interval: { type: 'string', default: '10' },
    process: { type: 'string', default: 'prometheus-node' },
    idle: { type: 'boolean', default: false },
  },
});
const port = Number(args.port);
const connections = Number(args.connections);
const intervalS = Number(args.interval);
if ((!args.idle && (!Number.isInteger(port) || port < 1)) || !Number.isInteger(connections) || connections < 0 || !Number.isInteger(intervalS) || intervalS < 1) {
  process.stderr.write('checks-floor: --port N, --connections ≥ 0 and --interval ≥ 1 whole numbers\n');
  process.exit(2);
}
// as the agent does at start (agent/main.ts): the interpreter only
v8.setFlagsFromString('--no-opt');

/** One connection: open, first bytes of the reply, close (a refused or reset one ends too). */
const connectOnce = (): Promise<void> => new Promise((resolve) => {
  const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
  const done = (): void => {
    socket.destroy();
    resolve();
  };
  socket.once('data', done);
  socket.once('end', done);
  socket.once('error', done);
});

// a reading younger than 0 ms is never reused: every round reads /proc, as the checks' rounds do
// when no collector's reading is at hand
const table = new ProcessTable('/', 0);
const round = async (): Promise<void> => {
  if (args.idle) {
    process.stdout.write('r\n');
    return;
  }
  await Promise.all(Array.from({ length: connections }, connectOnce));
  table.snapshot().named(args.process);
  process.stdout.write('r\n');
};

const next = (): void => {
  const periodMs = intervalS * 1000;
  const now = Date.now();
  setTimeout(() => {
    round().then(next, (error: unknown) => {
      process.stderr.write(`checks-floor: ${String(error)}\n`);
      process.exit(1);
    });
  }, periodMs - ((now - ROUND_OFFSET_MS) % periodMs));
};
next();
process.on('SIGTERM', () => process.exit(0));
