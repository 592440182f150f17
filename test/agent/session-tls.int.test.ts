// SEC: the agent's MQTT session over TLS pins the broker's public key: the right key connects
// and delivers; a broker with a different key is refused before it receives anything (no
// CONNECT, so never the secret). A real Aedes behind tls.createServer on loopback, with the
// certificate fixtures of test/fixtures/tls/.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { Aedes } from 'aedes';
import t, { type Test } from 'tap';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { publicKeyPin } from '../../core/public-key-pin.js';
import { DiskQueue } from '../../agent/disk-queue.js';
import { brokerAddress, createSession } from '../../agent/session.js';
import { fixturesDir } from '../helpers/paths.js';
import { tempDir } from '../helpers/temp-dir.js';

const fixture = (name: string): Buffer => readFileSync(path.join(fixturesDir, 'tls', name));
const identity = { agentId: 'agent-tls-1', secret: 'pw-1', mqttPort: 1 };
const inventory = {
  v: 1 as const, hostname: 'web-01',
  os: { platform: 'linux', distro: 'Debian GNU/Linux', release: '12', kernel: '6.1.0', arch: 'x64' },
  cpu: { model: 'Test CPU', cores: 2 }, memoryBytes: 1024, interfaces: [], filesystems: [],
  agentVersion: '0.1.0', interval: 5,
};
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function tlsBroker(t: Test): Promise<{ port: number; connects: string[]; bytesIn: () => number }> {
  const broker = await Aedes.createBroker({});
  const connects: string[] = [];
  let bytes = 0;
  broker.on('client', (c) => connects.push(c.id));
  const sockets = new Set<TLSSocket>();
  const server = createServer({ key: fixture('leaf.key'), cert: Buffer.concat([fixture('leaf.pem'), fixture('inter.pem')]) }, (socket) => {
    sockets.add(socket);
    socket.on('data', (d: Buffer) => { bytes += d.length; });
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
    await new Promise<void>((resolve) => broker.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, connects, bytesIn: () => bytes };
}

function session(t: Test, port: number, pin: string) {
  const queue = new DiskQueue({ dir: tempDir(t), bounds: { maxBytes: 1024 * 1024, maxAgeS: 3600 }, clock: systemClock, log: silentLogger });
  t.teardown(() => queue.close());
  const s = createSession({
    applianceUrl: new URL('http://127.0.0.1:8080'), mqttUrl: new URL(`mqtts://127.0.0.1:${port}`), pin,
    identity, inventory: () => inventory, queue, keepaliveS: 15, clock: systemClock, log: silentLogger,
    reconnectBaseMs: 50, reconnectMaxMs: 200, stopTimeoutMs: 1000,
  });
  s.start();
  t.teardown(() => s.stop());
  return { s, queue };
}

void t.test("pinning the broker's key connects over TLS (a chain no CA vouches for) and delivers a batch", async (t) => {
  const broker = await tlsBroker(t);
  const { s, queue } = session(t, broker.port, publicKeyPin(new X509Certificate(fixture('leaf.pem'))));
  queue.append({ v: 1, i: 5, s: [{ t: Math.floor(Date.now() / 1000), f: 'load', v: { load1: 1, load5: 1, load15: 1 } }] });
  s.kick();
  const deadline = Date.now() + 10_000;
  while (s.delivered < 1 && Date.now() < deadline) await sleep(20);
  t.ok(s.connected);
  t.equal(s.delivered, 1);
  t.same(broker.connects, [identity.agentId]);
});

void t.test('a broker with a different key is refused: it never receives a byte of MQTT', async (t) => {
  const broker = await tlsBroker(t);
  const otherPin = publicKeyPin(new X509Certificate(fixture('root.pem')));
  const { s } = session(t, broker.port, otherPin);
  await sleep(1500);
  t.notOk(s.connected);
  t.same(broker.connects, []);
  t.equal(broker.bytesIn(), 0, 'no CONNECT (and no secret) reached the broker');
});

void t.test('where the session connects: mqtts:// or a pin means TLS, 8883 unless the URL says otherwise', (t) => {
  const applianceUrl = new URL('http://10.0.0.2:8080');
  t.same(brokerAddress({ applianceUrl, identity }), { host: '10.0.0.2', port: 1, tls: false });
  t.same(brokerAddress({ applianceUrl, identity, pin: 'sha256//x' }), { host: '10.0.0.2', port: 8883, tls: true });
  t.same(brokerAddress({ applianceUrl, identity, mqttUrl: new URL('mqtts://[::1]:9883') }), { host: '::1', port: 9883, tls: true });
  t.same(brokerAddress({ applianceUrl, identity, mqttUrl: new URL('mqtt://rack') }), { host: 'rack', port: 1883, tls: false });
  // SEC: the enrollment answer's MQTTS port; plain MQTT off (port 0) means TLS even without a pin
  t.same(brokerAddress({ applianceUrl, identity: { ...identity, mqttsPort: 18883 }, pin: 'sha256//x' }), { host: '10.0.0.2', port: 18883, tls: true });
  t.same(brokerAddress({ applianceUrl, identity: { ...identity, mqttPort: 0, mqttsPort: 18883 } }), { host: '10.0.0.2', port: 18883, tls: true });
  t.same(brokerAddress({ applianceUrl, identity: { ...identity, mqttsPort: 18883 } }), { host: '10.0.0.2', port: 1, tls: false }, 'plain MQTT served: as before');
  t.end();
});
