// The sentinel's check of its own network before it alarms (S13, B4): when this server has lost
// its own link, the appliance only looks dead from here, and an alarm would be false (it could not
// go out anyway, except through a modem). `host:port`: a TCP connection must open; a bare host:
// one ping; none: one ping to the default gateway (/proc/net/route).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';

export interface NetworkCheck { ok: boolean; detail: string }

export async function checkOwnNetwork(target: string | null, timeoutMs: number, procRoot = '/proc'): Promise<NetworkCheck> {
  if (target === null) {
    const gateway = defaultGateway(procRoot);
    if (!gateway) return { ok: false, detail: 'no default route' };
    return ping(gateway, timeoutMs);
  }
  const hostPort = /^\[?(.+?)\]?:(\d+)$/.exec(target);
  return hostPort ? tcpConnect(hostPort[1] ?? '', Number(hostPort[2]), timeoutMs) : ping(target.replace(/^\[|\]$/g, ''), timeoutMs);
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<NetworkCheck> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (check: NetworkCheck): void => {
      socket.destroy();
      resolve(check);
    };
    socket.setTimeout(timeoutMs, () => done({ ok: false, detail: `${host}:${port}: no connection within ${timeoutMs} ms` }));
    socket.once('connect', () => done({ ok: true, detail: `${host}:${port} answers` }));
    socket.once('error', (error) => done({ ok: false, detail: `${host}:${port}: ${error.message}` }));
  });
}

function ping(host: string, timeoutMs: number): Promise<NetworkCheck> {
  const waitS = String(Math.max(1, Math.round(timeoutMs / 1000)));
  return new Promise((resolve) => {
    execFile('ping', ['-c', '1', '-W', waitS, host], { timeout: timeoutMs + 2000 }, (error) => {
      resolve(error ? { ok: false, detail: `ping ${host}: no answer` } : { ok: true, detail: `ping ${host} answers` });
    });
  });
}

/** The default route's gateway (IPv4), from /proc/net/route's little-endian hex. */
export function defaultGateway(procRoot = '/proc'): string | null {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/net/route`, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n').slice(1)) {
    const [, destination, gateway, , , , , mask] = line.trim().split(/\s+/);
    if (destination === '00000000' && mask === '00000000' && gateway && gateway !== '00000000') {
      const n = Number.parseInt(gateway, 16);
      return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff].join('.');
    }
  }
  return null;
}
