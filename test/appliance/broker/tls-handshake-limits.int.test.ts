// SEC: the TLS listener's limits against a reconnect storm or a slow client: at most
// maxPendingHandshakes handshakes at once (connections beyond are closed at once), and a
// handshake not finished in handshakeTimeoutMs is dropped. In-process broker on loopback.
import t from 'tap';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { silentLogger } from '../../../core/logger.js';
import { MqttBroker, type MqttBrokerDeps } from '../../../appliance/broker/mqtt-broker.js';
import { fixturesDir } from '../../helpers/paths.js';

const fixture = (name: string): Buffer => readFileSync(path.join(fixturesDir, 'tls', name));

function closedWithin(socket: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => { clearTimeout(timer); resolve(true); });
  });
}

void t.test('beyond the bound of pending handshakes a connection is closed; a stalled handshake times out', async (t) => {
  const broker = new MqttBroker({
    host: '127.0.0.1', port: 0, plain: false, logger: silentLogger,
    tls: { port: 0, key: fixture('leaf.key'), cert: fixture('leaf.pem'), maxPendingHandshakes: 2, handshakeTimeoutMs: 800 },
    // never reached: no client here completes a handshake
    ingest: {} as MqttBrokerDeps['ingest'], registry: {} as MqttBrokerDeps['registry'], verifyAgent: () => Promise.resolve(false),
  });
  await broker.start();
  t.teardown(() => broker.stop());
  t.equal(broker.port, 0, 'no plain listener');
  const open = (): Promise<net.Socket> => new Promise((resolve) => {
    const s = net.connect(broker.tlsPort, '127.0.0.1', () => resolve(s));
    s.on('error', () => undefined);
  });
  // two silent clients hold both handshake slots
  const a = await open();
  const b = await open();
  const c = await open();
  t.ok(await closedWithin(c, 500), 'the third is closed at once');
  t.equal(broker.handshakesShed, 1);
  t.same(await Promise.all([closedWithin(a, 2000), closedWithin(b, 2000)]), [true, true], 'a stalled handshake is dropped after the timeout');
  const d = await open();
  t.notOk(await closedWithin(d, 300), 'slots are free again');
  d.destroy();
});
