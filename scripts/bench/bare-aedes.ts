// Baseline (a) of the ingest benchmark: Aedes as it comes (no authentication, no ACL, no ingest)
// on a TCP server with noDelay, the same Aedes version and socket options as the appliance's
// broker (appliance/broker/mqtt-broker.ts). Run as its own process so that its CPU and memory
// can be measured apart from the load generator. Prints `bare-aedes ready {"port":…}` on stdout
// and stops on SIGTERM / SIGINT.
//
//   node scripts/bench/run.mjs scripts/bench/bare-aedes.ts [--port 0] [--host 127.0.0.1]
import net from 'node:net';
import { parseArgs } from 'node:util';
import { Aedes } from 'aedes';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
    strict: true,
  });
  const broker = await Aedes.createBroker();
  const sockets = new Set<net.Socket>();
  // noDelay: without it Nagle's algorithm adds ~15 ms to every message (docs/notes/performance.md)
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(values.port), values.host, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  process.stdout.write(`bare-aedes ready ${JSON.stringify({ port })}\n`);

  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const s of sockets) s.destroy();
  await closed;
  await new Promise<void>((resolve) => broker.close(() => resolve()));
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bare-aedes: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
