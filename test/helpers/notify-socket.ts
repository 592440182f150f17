// A fake systemd notify socket for the watchdog tests (D1): a unix datagram listener (python3:
// Node has no unix datagram sockets) that reports every message systemd would have received, with
// its arrival time (ms since the epoch).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { waitFor, type Teardownable } from './appliance-harness.js';
import { tempDir } from './temp-dir.js';

const LISTENER = `
import socket, sys, time, json
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps({"ready": True}), flush=True)
while True:
    data = s.recv(4096)
    print(json.dumps({"at": time.time() * 1000, "state": data.decode()}), flush=True)
`;

export interface Received { at: number; state: string }

/** A fake NOTIFY_SOCKET: what systemd would have received, with arrival times. */
export async function fakeNotifySocket(t: Teardownable): Promise<{ socket: string; received: Received[] }> {
  const socket = path.join(tempDir(t), 'notify');
  const child = spawn('/usr/bin/python3', ['-c', LISTENER, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => child.kill());
  const received: Received[] = [];
  let ready = false;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const msg = JSON.parse(line) as { ready?: boolean } & Received;
    if (msg.ready) ready = true;
    else received.push({ at: msg.at, state: msg.state });
  });
  await waitFor('the fake notify socket', () => ready, { timeoutMs: 10_000, intervalMs: 20 });
  return { socket, received };
}
