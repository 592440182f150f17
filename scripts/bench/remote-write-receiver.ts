// The remote-write endpoint of the end-to-end benchmark (remote-write-e2e.ts): accepts
// POST /api/v1/write with 204 and decodes nothing, so that it costs the 2-core machine almost
// nothing next to the appliance it measures; counts the requests and their (snappy-compressed)
// body bytes, which GET /stats answers. Its own process, so that stopping it is an outage as the
// appliance sees one (connections refused) and its CPU is apart from the load generator's.
// Prints `rw-receiver ready {"port":…}` and stops on SIGTERM / SIGINT.
//
//   node scripts/bench/run.mjs scripts/bench/remote-write-receiver.ts [--port 0] [--host 127.0.0.1]
import http from 'node:http';
import type net from 'node:net';
import { parseArgs } from 'node:util';

export interface ReceiverStats {
  requests: number;
  bytes: number;
}

const { values } = parseArgs({
  options: { port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
  strict: true,
});
const stats: ReceiverStats = { requests: 0, bytes: 0 };
const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/api/v1/write') {
    let n = 0;
    req.on('data', (chunk: Buffer) => { n += chunk.length; });
    req.on('end', () => {
      stats.requests++;
      stats.bytes += n;
      res.writeHead(204).end();
    });
    return;
  }
  if (req.method === 'GET' && req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    return;
  }
  res.writeHead(404).end();
});
server.listen(Number(values.port), values.host, () => {
  const { port } = server.address() as net.AddressInfo;
  process.stdout.write(`rw-receiver ready ${JSON.stringify({ port })}\n`);
});
const stop = (): void => process.exit(0);
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
