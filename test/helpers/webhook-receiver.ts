// A webhook receiver for the sentinels' alarm channel (S13, B4): an HTTP server that keeps every
// JSON body posted to it, with the time it arrived (a benchmark measures fault → alarm from it).
import http from 'node:http';
import type net from 'node:net';
import type { Teardownable } from './appliance-harness.js';

export interface ReceivedHook { event: string; appliance: string; since: string; seen: string; message: string; sentinel: string; /** Date.now() on arrival */ at: number }

export interface WebhookReceiver { url: string; hooks: ReceivedHook[] }

/**
 * `host`: the address it listens on (loopback, or this side of a test's namespace LAN).
 * `token`: when given, only a request whose X-Token header carries it is kept (204); others get 403.
 */
export async function startWebhookReceiver(tt: Teardownable, o: { host?: string; token?: string } = {}): Promise<WebhookReceiver> {
  const hooks: ReceivedHook[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => { body += d.toString(); });
    req.on('end', () => {
      const allowed = o.token === undefined || req.headers['x-token'] === o.token;
      if (allowed) hooks.push({ ...(JSON.parse(body) as Omit<ReceivedHook, 'at'>), at: Date.now() });
      res.writeHead(allowed ? 204 : 403).end();
    });
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  tt.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return { url: `http://${host}:${(server.address() as net.AddressInfo).port}/alarm`, hooks };
}
