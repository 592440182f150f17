// RES (docs/bounds.md): the broker's bounds, against raw sockets on loopback. A packet's declared
// size is checked from its fixed header before its body is read: a CONNECT declaring 250 MB and
// an authenticated agent's 100 MB PUBLISH are cut off with nothing of them handed to Aedes, and
// the process's memory does not grow by what they declared; connections at once from one
// address are capped; a socket that sends no CONNECT is closed. Same on the TLS listener.
import t from 'tap';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { generate, parser as mqttParser, type Packet } from 'mqtt-packet';
import type { Logger } from '../../../core/logger.js';
import { MqttBroker, type MqttBrokerDeps } from '../../../appliance/broker/mqtt-broker.js';
import { MQTT_PACKET_LIMITS } from '../../../appliance/broker/packet-size-guard.js';
import { agentTopic } from '../../../contract/topics.js';
import { fixturesDir } from '../../helpers/paths.js';
import type { Teardownable } from '../../helpers/appliance-harness.js';
import { fixedHeader } from '../../helpers/mqtt-fixed-header.js';

const SECRET = 'right-secret';
const MB = 1024 * 1024;

interface LogLine { level: string; msg: string; fields: Record<string, unknown> | undefined }

function recordingLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>): void => { lines.push({ level, msg, fields }); };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

function connectPacket(agentId: string): Buffer {
  return generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: agentId, keepalive: 30, username: agentId, password: Buffer.from(SECRET) });
}

interface Started { broker: MqttBroker; stored: Buffer[]; log: LogLine[] }

async function startBroker(t: Teardownable, extra: Partial<MqttBrokerDeps> = {}): Promise<Started> {
  const stored: Buffer[] = [];
  const log: LogLine[] = [];
  const broker = new MqttBroker({
    host: '127.0.0.1', port: 0, logger: recordingLogger(log),
    // ingest stands in for the store here: what reaches it is what the guard let through
    ingest: { handleMetrics: (_id: string, payload: Buffer) => { stored.push(payload); return Promise.resolve(true); } } as unknown as MqttBrokerDeps['ingest'],
    registry: { setStatus: () => undefined } as unknown as MqttBrokerDeps['registry'],
    verifyAgent: (_id, secret) => Promise.resolve(secret === SECRET),
    ...extra,
  });
  await broker.start();
  t.teardown(() => broker.stop());
  return { broker, stored, log };
}

function open(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });
}

/** true when `socket` closes within `ms` */
function closesWithin(socket: net.Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => { clearTimeout(timer); resolve(true); });
  });
}

/**
 * Sends `header` and then body bytes in 64 KiB pieces, as fast as the socket takes them, until
 * the peer closes the connection or `declared` bytes are sent; resolves with the body bytes sent.
 */
async function sendUntilClosed(socket: net.Socket, header: Buffer, declared: number): Promise<number> {
  socket.on('error', () => undefined);
  const piece = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  let isClosed = false;
  const done = closed(socket).then(() => { isClosed = true; });
  socket.write(header);
  while (!isClosed && sent < declared) {
    const ok = socket.write(piece);
    sent += piece.length;
    if (!ok) await Promise.race([new Promise((r) => socket.once('drain', r)), done]);
  }
  await done;
  return sent;
}

/** Connects and authenticates with a raw CONNECT; resolves once the CONNACK (code 0) is read. */
async function authenticated(port: number, agentId: string): Promise<net.Socket> {
  const s = await open(port);
  const parser = mqttParser({ protocolVersion: 4 });
  const connack = new Promise<Packet>((resolve, reject) => {
    parser.once('packet', resolve);
    s.once('close', () => reject(new Error('closed before CONNACK')));
  });
  s.on('data', (d: Buffer) => parser.parse(d));
  s.write(connectPacket(agentId));
  const p = await connack;
  if (p.cmd !== 'connack' || p.returnCode !== 0) throw new Error(`not connected: ${JSON.stringify(p)}`);
  return s;
}

void t.test('four anonymous CONNECTs declaring 250 MB are cut off at their header; memory does not grow', async (t) => {
  const { broker, log } = await startBroker(t);
  const rssBefore = process.memoryUsage().rss;
  const sockets = await Promise.all([1, 2, 3, 4].map(() => open(broker.port)));
  const sent = await Promise.all(sockets.map((s) => sendUntilClosed(s, fixedHeader(0x10, 250 * 1000 * 1000), 250 * 1000 * 1000)));
  const grewMb = (process.memoryUsage().rss - rssBefore) / MB;
  t.ok(sent.every((n) => n < 20 * MB), `each connection closed long before its body was sent (body bytes sent: ${sent.join(', ')})`);
  t.ok(grewMb < 20, `the process grew ${grewMb.toFixed(1)} MB (< 20) while four 250 MB CONNECTs were refused`);
  t.equal(broker.refusals.packetTooLargePreAuth, 4, 'each refusal counted');
  const refusalLines = log.filter((l) => l.msg.startsWith('MQTT connection closed: packet over its size bound'));
  t.equal(refusalLines.length, 1, 'logged once, not once per connection');
  t.match(refusalLines[0]?.fields, { declaredBytes: 250_000_000, maxBytes: MQTT_PACKET_LIMITS.preAuthBytes, bytesPassed: 0, agentId: null, code: 'RW_ERR_BAD_PAYLOAD' },
    'no byte of it reached Aedes');
});

void t.test("an authenticated agent's 100 MB PUBLISH is cut off at its header; a batch within the limit is stored", async (t) => {
  const { broker, stored, log } = await startBroker(t);
  const s = await authenticated(broker.port, 'agent-a');
  // a publish of the largest payload the contract allows goes through to ingest
  const payload = Buffer.alloc(256 * 1024, 0x20);
  const parser = mqttParser({ protocolVersion: 4 });
  const puback = new Promise<Packet>((resolve) => parser.on('packet', (p: Packet) => { if (p.cmd === 'puback') resolve(p); }));
  s.removeAllListeners('data');
  s.on('data', (d: Buffer) => parser.parse(d));
  s.write(generate({ cmd: 'publish', topic: agentTopic('agent-a', 'metrics'), payload, qos: 1, messageId: 1, retain: false, dup: false }));
  t.match(await puback, { cmd: 'puback', messageId: 1 }, 'a 256 KiB batch is acknowledged');
  t.equal(stored.length, 1);
  t.equal(stored[0]?.length, payload.length, 'and reached ingest whole');

  const topic = Buffer.from(agentTopic('agent-a', 'metrics'));
  const declared = 100 * MB;
  const variableHeader = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, Buffer.from([0, 2])]);
  const sent = await sendUntilClosed(s, Buffer.concat([fixedHeader(0x32, declared), variableHeader]), declared);
  t.ok(sent < 20 * MB, `closed long before the 100 MB body was sent (${sent} bytes sent)`);
  t.equal(stored.length, 1, 'nothing of it reached ingest');
  t.equal(broker.refusals.packetTooLarge, 1, 'counted as an authenticated refusal');
  t.equal(broker.refusals.packetTooLargePreAuth, 0);
  t.match(log.find((l) => l.msg.startsWith('MQTT connection closed'))?.fields, { agentId: 'agent-a', declaredBytes: declared, maxBytes: MQTT_PACKET_LIMITS.authenticatedBytes });
});

void t.test('a PUBLISH pipelined behind the CONNECT, before authentication, has the small limit', async (t) => {
  const { broker } = await startBroker(t);
  const s = await open(broker.port);
  const big = generate({ cmd: 'publish', topic: agentTopic('agent-a', 'metrics'), payload: Buffer.alloc(8 * 1024), qos: 1, messageId: 1, retain: false, dup: false });
  s.write(Buffer.concat([connectPacket('agent-a'), big]));
  t.ok(await closesWithin(s, 2000), 'closed');
  t.equal(broker.refusals.packetTooLargePreAuth, 1);
});

void t.test('connections at once from one address are capped; a closed one frees its place', async (t) => {
  const { broker } = await startBroker(t, { maxConnectionsPerAddress: 3 });
  const held = await Promise.all([1, 2, 3].map(() => authenticated(broker.port, `agent-${Math.random().toString(36).slice(2, 8)}`)));
  const fourth = await open(broker.port);
  fourth.on('error', () => undefined);
  t.ok(await closesWithin(fourth, 2000), 'the fourth is closed at once');
  t.equal(broker.refusals.connectionsPerAddress, 1, 'and counted');
  const first = held[0] as net.Socket;
  first.destroy();
  await closed(first);
  // the broker sees the close a moment after this side does
  let again: net.Socket | null = null;
  for (let i = 0; i < 50 && !again; i++) {
    const s = await authenticated(broker.port, 'agent-again').catch(() => null);
    if (s) again = s;
    else await new Promise((r) => setTimeout(r, 20));
  }
  t.ok(again, 'a new connection is admitted once one has closed');
  for (const s of [...held, again]) s?.destroy();
});

void t.test('a socket that sends no CONNECT is closed after the connect timeout', async (t) => {
  const { broker } = await startBroker(t, { connectTimeoutMs: 300 });
  const s = await open(broker.port);
  s.on('error', () => undefined);
  t.ok(await closesWithin(s, 3000), 'closed');
  t.equal(broker.refusals.connectTimeouts, 1, 'counted');
});

void t.test('over TLS: a CONNECT declaring 250 MB is cut off the same way, and the address cap applies', async (t) => {
  const fixture = (name: string): Buffer => readFileSync(path.join(fixturesDir, 'tls', name));
  const { broker } = await startBroker(t, { plain: false, maxConnectionsPerAddress: 2, tls: { port: 0, key: fixture('leaf.key'), cert: fixture('leaf.pem') } });
  const openTls = (): Promise<tls.TLSSocket> => new Promise((resolve, reject) => {
    const s = tls.connect({ port: broker.tlsPort, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(s));
    s.once('error', reject);
  });
  const s = await openTls();
  const sent = await sendUntilClosed(s, fixedHeader(0x10, 250 * 1000 * 1000), 250 * 1000 * 1000);
  t.ok(sent < 20 * MB, `closed long before the body was sent (${sent} bytes sent)`);
  t.equal(broker.refusals.packetTooLargePreAuth, 1);
  const a = await openTls();
  const b = await openTls();
  const c = net.connect(broker.tlsPort, '127.0.0.1');
  c.on('error', () => undefined);
  t.ok(await closesWithin(c, 2000), 'a third TLS connection from the address is closed before its handshake');
  t.equal(broker.refusals.connectionsPerAddress, 1);
  a.destroy();
  b.destroy();
});
