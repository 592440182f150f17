// The MQTT side (D3): Aedes on a TCP server with noDelay (Nagle alone adds ~15 ms per message,
// docs/notes/performance.md), per-agent authentication, the topic ACL of docs/architecture.md, and the
// backpressure hook: for a metrics publish, `authorizePublish` (which Aedes runs before it writes
// the PUBACK) calls back only once ingest has stored the batch, and Aedes reads no more from that
// client's socket until it has.
//
// MQTT over TLS (SEC): a second listener whose decrypted streams go to the same `aedes.handle`,
// so authentication, ACL and backpressure are the same on both; plain MQTT can be turned off.
// A handshake costs the board an ECDHE and a signature: handshakes in progress are bounded (a
// reconnect storm of thousands of agents is served in turn instead of all at once; a refused
// agent retries with its backoff) and each must finish within a timeout.
//
// Bounds (RES, docs/bounds.md): every packet's declared size is checked from its fixed header
// before its body is buffered (packet-size-guard.ts); connections at once from one address are
// capped (the count is taken on the TCP socket, before a TLS handshake); a socket that sends no
// CONNECT is closed after CONNECT_TIMEOUT_MS.
import net from 'node:net';
import tls from 'node:tls';
import { Aedes, type AuthenticateError, type Client, type PublishPacket, type Subscription } from 'aedes';
import { AGENT_SUBSCRIBE_LEAVES, agentTopic, parseAgentTopic, STATUS_OFFLINE, type AgentSubscribeLeaf } from '../../contract/topics.js';
import type { AgentNotice } from '../../contract/agent-notice.js';
import { RwError } from '../../contract/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Ingest } from '../ingest/ingest.js';
import type { AgentRegistry } from '../agents/agent-registry.js';
import { memoryPersistenceWithRetainedIndex } from './retained-index.js';
import type { AttemptGate } from '../accounts/attempt-guard.js';
import { guardPacketSizes, MQTT_PACKET_LIMITS, type PacketSizeLimits } from './packet-size-guard.js';
import { AddressConnectionCap, DEFAULT_CONNECTIONS_PER_ADDRESS } from './address-connection-cap.js';
import { RateLimitedLog } from '../../core/rate-limited-log.js';

export interface MqttTlsListener {
  /** 0 = any free port */
  port: number;
  key: Buffer;
  /** the certificate, then its chain, in PEM */
  cert: Buffer;
  /** ms a client has to finish the TLS handshake (default 10 s) */
  handshakeTimeoutMs?: number;
  /** handshakes in progress at once; connections beyond it are closed at once (default 256) */
  maxPendingHandshakes?: number;
}

export interface MqttBrokerDeps {
  host: string;
  /** plain MQTT's port (0 = any free port) */
  port: number;
  /** false: no plain MQTT listener (TLS only) */
  plain?: boolean;
  tls?: MqttTlsListener;
  ingest: Ingest;
  registry: AgentRegistry;
  logger: Logger;
  /** true when `secret` is the agent's current secret */
  verifyAgent(agentId: string, secret: string): Promise<boolean>;
  /** throttles wrong secrets per address and per agent id (SEC); none: unthrottled */
  guard?: AttemptGate;
  /** packet sizes before and after authentication; default MQTT_PACKET_LIMITS; null: unchecked (only for the guard's benchmark, scripts/bench/packet-guard.ts) */
  packetLimits?: PacketSizeLimits | null;
  /** connections at once from one remote address; default DEFAULT_CONNECTIONS_PER_ADDRESS */
  maxConnectionsPerAddress?: number;
  /** ms a connection may take to send its CONNECT; default CONNECT_TIMEOUT_MS */
  connectTimeoutMs?: number;
  /** fleet file jobs (S17): an agent's results, and its (re)connect, when its open jobs go out again with fresh links */
  fileJobs?: { handleResults(agentId: string, payload: Buffer): void; agentConnected(agentId: string): void };
}

/**
 * A socket that sends no CONNECT is closed after this (Aedes's default is 30 s). The agent sends
 * its CONNECT as soon as TCP (or TLS) is up; 10 s covers a slow link.
 */
export const CONNECT_TIMEOUT_MS = 10_000;

/** Connections the broker refused for a bound (RES), in GET /api/v1/health. */
export interface MqttRefusalCounters {
  /** a packet declared more than the limit before authentication (or a malformed length) */
  packetTooLargePreAuth: number;
  /** a packet declared more than the limit of an authenticated agent */
  packetTooLarge: number;
  /** a connection beyond the cap of connections from one address */
  connectionsPerAddress: number;
  /** a connection that sent no CONNECT in time */
  connectTimeouts: number;
}

/** MQTT 3.1.1 CONNACK return codes (§3.2.2.3). */
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

function authError(message: string, returnCode: number): AuthenticateError {
  const err: AuthenticateError = Object.assign(new Error(message), { returnCode });
  return err;
}

export class MqttBroker {
  private aedes: Aedes | null = null;
  private server: net.Server | null = null;
  private tlsServer: tls.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private pendingHandshakes = 0;
  /** connections closed because too many handshakes were in progress */
  handshakesShed = 0;
  readonly refusals: MqttRefusalCounters = { packetTooLargePreAuth: 0, packetTooLarge: 0, connectionsPerAddress: 0, connectTimeouts: 0 };
  /** each guarded socket's "authenticated as" switch (raises its packet-size limit) */
  private readonly guarded = new WeakMap<object, (agentId: string) => void>();
  private readonly perAddress: AddressConnectionCap;
  /** one line a minute for each kind of refusal, so that a flood of one hides nothing of the other */
  private readonly addressRefusalLog = new RateLimitedLog(60_000);
  private readonly sizeRefusalLog = new RateLimitedLog(60_000);
  /** the connected client of each agent; a takeover replaces it */
  private readonly current = new Map<string, Client>();
  /** agent id of each authenticated client */
  private readonly agentOf = new WeakMap<Client, string>();
  /** the plain listener's port; 0 when plain MQTT is off */
  port = 0;
  /** the TLS listener's port; 0 when there is none */
  tlsPort = 0;

  constructor(private readonly deps: MqttBrokerDeps) {
    this.perAddress = new AddressConnectionCap(deps.maxConnectionsPerAddress ?? DEFAULT_CONNECTIONS_PER_ADDRESS);
  }

  async start(): Promise<void> {
    const { logger } = this.deps;
    const aedes = await Aedes.createBroker({
      persistence: memoryPersistenceWithRetainedIndex(),
      // a slow subscriber must not stall deliveries to everyone else
      drainTimeout: 10_000,
      connectTimeout: this.deps.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
      authenticate: (client, username, password, done) => {
        this.authenticate(client, username, password).then(
          () => done(null, true),
          (e: unknown) => done(e as AuthenticateError, false),
        );
      },
      authorizePublish: (client, packet, callback) => {
        this.authorizePublish(client, packet).then(() => callback(null), (e: unknown) => callback(e as Error));
      },
      authorizeSubscribe: (client, sub, callback) => callback(null, this.authorizeSubscribe(client, sub)),
    });
    aedes.on('client', (client) => {
      const id = this.agentOf.get(client);
      if (!id) return;
      this.current.set(id, client);
      this.deps.registry.setStatus(id, 'online');
      this.deps.fileJobs?.agentConnected(id);
    });
    aedes.on('clientDisconnect', (client) => {
      const id = this.agentOf.get(client);
      if (!id || this.current.get(id) !== client) return;
      this.current.delete(id);
      this.deps.registry.setStatus(id, 'offline');
    });
    aedes.on('clientError', (client, err) => logger.debug('client error', { client: client.id, err }));
    aedes.on('connectionError', (client, err) => {
      // Aedes's own words for its connectTimeout (aedes/lib/client.js)
      if (err.message === 'connect did not arrive in time') this.refusals.connectTimeouts++;
      logger.debug('connection refused', { client: client.id, err: err.message });
    });
    this.aedes = aedes;

    if (this.deps.plain !== false) {
      const server = net.createServer({ noDelay: true }, (socket) => {
        if (!this.admitAddress(socket)) return;
        this.track(socket);
        this.handle(aedes, socket);
      });
      this.server = server;
      this.port = await listen(server, this.deps.port, this.deps.host);
    }
    if (this.deps.tls) {
      const opts = this.deps.tls;
      const maxPending = opts.maxPendingHandshakes ?? 256;
      const tlsServer = tls.createServer({
        key: opts.key, cert: opts.cert, noDelay: true,
        handshakeTimeout: opts.handshakeTimeoutMs ?? 10_000,
        minVersion: 'TLSv1.2',
      }, (socket) => {
        this.track(socket);
        this.handle(aedes, socket);
      });
      // 'connection' is the raw TCP socket, before any handshake work; a handshake is over when
      // its connection becomes secure or closes. The TLS socket is matched to its TCP socket by
      // the peer's address and port, unique among live connections.
      const pending = new Map<string, () => void>();
      const peer = (s: net.Socket): string => `${s.remoteAddress ?? ''}|${s.remotePort ?? ''}`;
      tlsServer.on('connection', (raw: net.Socket) => {
        if (!this.admitAddress(raw)) return;
        if (this.pendingHandshakes >= maxPending) {
          this.handshakesShed++;
          raw.destroy();
          return;
        }
        this.pendingHandshakes++;
        this.sockets.add(raw);
        const key = peer(raw);
        const done = (): void => {
          if (pending.get(key) !== done) return;
          pending.delete(key);
          this.pendingHandshakes--;
        };
        pending.set(key, done);
        raw.once('close', () => {
          done();
          this.sockets.delete(raw);
        });
      });
      tlsServer.on('secureConnection', (socket: tls.TLSSocket) => pending.get(peer(socket))?.());
      tlsServer.on('tlsClientError', (err, socket) => {
        logger.debug('TLS handshake failed', { err: err.message, remote: socket.remoteAddress });
        // with a listener here Node leaves the socket open (a handshake timeout included)
        socket.destroy();
      });
      this.tlsServer = tlsServer;
      this.tlsPort = await listen(tlsServer, opts.port, this.deps.host);
    }
  }

  /** A new key and certificate chain for TLS handshakes from now on (open connections keep theirs). */
  setTlsIdentity(key: Buffer, cert: Buffer): void {
    this.tlsServer?.setSecureContext({ key, cert, minVersion: 'TLSv1.2' });
  }

  /** Counts the TCP connection against its address's cap; false (and the socket destroyed) beyond it. */
  private admitAddress(socket: net.Socket): boolean {
    const address = socket.remoteAddress ?? 'unknown';
    if (this.perAddress.open(address)) {
      socket.once('close', () => this.perAddress.close(address));
      return true;
    }
    socket.destroy();
    this.refusals.connectionsPerAddress++;
    this.addressRefusalLog.maybe(() => this.deps.logger.warn('MQTT connection refused: too many from one address (further ones counted, not logged, for a minute)', {
      address, max: this.perAddress.max, code: 'RW_ERR_THROTTLED',
    }));
    return false;
  }

  /** Hands a connection to Aedes behind the packet-size guard. */
  private handle(aedes: Aedes, socket: net.Socket): void {
    const limits = this.deps.packetLimits === undefined ? MQTT_PACKET_LIMITS : this.deps.packetLimits;
    if (limits === null) {
      aedes.handle(socket);
      return;
    }
    let agentId: string | null = null;
    const guard = guardPacketSizes(socket, limits, (verdict, bytesPassed) => {
      if (agentId === null) this.refusals.packetTooLargePreAuth++;
      else this.refusals.packetTooLarge++;
      this.sizeRefusalLog.maybe(() => this.deps.logger.warn('MQTT connection closed: packet over its size bound (further ones counted, not logged, for a minute)', {
        agentId, address: socket.remoteAddress, declaredBytes: verdict.declared, maxBytes: verdict.limit, reason: verdict.reason, bytesPassed, code: 'RW_ERR_BAD_PAYLOAD',
      }));
    });
    this.guarded.set(socket, (id) => {
      agentId = id;
      guard.authenticated();
    });
    aedes.handle(socket);
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  async stop(): Promise<void> {
    const servers = [this.server, this.tlsServer].filter((s): s is net.Server => s !== null);
    const aedes = this.aedes;
    this.server = null;
    this.tlsServer = null;
    this.aedes = null;
    const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    for (const s of this.sockets) s.destroy();
    await Promise.all(closed);
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
  }

  get clientCount(): number {
    return this.aedes?.connectedClients ?? 0;
  }

  get running(): boolean {
    return this.aedes !== null && !this.aedes.closed;
  }

  /** Closes the connection of a removed agent (its secret no longer verifies, so it cannot come back). */
  /** The agents with a session on this broker now. */
  connectedAgents(): string[] {
    return [...this.current.keys()];
  }

  disconnectAgent(agentId: string): void {
    this.current.get(agentId)?.close();
  }

  /** Publishes the retained config of one agent (appliance → agent). */
  publishConfig(agentId: string, config: unknown): Promise<void> {
    return this.publishRetained(agentId, 'config', config);
  }

  /** Publishes the retained notice of one agent (appliance → agent, contract/agent-notice.ts). */
  publishNotice(agentId: string, notice: AgentNotice): Promise<void> {
    return this.publishRetained(agentId, 'notice', notice);
  }

  private publishRetained(agentId: string, leaf: AgentSubscribeLeaf, body: unknown): Promise<void> {
    const aedes = this.aedes;
    if (!aedes) return Promise.reject(new RwError('RW_ERR_INTERNAL', 'the broker is not running'));
    return new Promise((resolve, reject) => {
      aedes.publish(
        { cmd: 'publish', topic: agentTopic(agentId, leaf), payload: Buffer.from(JSON.stringify(body)), qos: 1, retain: true, dup: false },
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }

  private async authenticate(client: Client, username: string | undefined, password: Buffer | undefined): Promise<void> {
    if (!username || !password) throw authError('credentials required', NOT_AUTHORIZED);
    // the client id is the agent id, so one agent's session can never take over another's
    if (client.id !== username) throw authError('client id must equal the agent id', NOT_AUTHORIZED);
    const address = (client.conn as { remoteAddress?: string }).remoteAddress ?? null;
    const addressKey = `addr:${address ?? 'unknown'}`;
    const agentKey = `agent:${username}`;
    const keys = [addressKey, agentKey];
    try {
      // the agent's key counts before its secret is hashed (parallel guesses at one agent each see
      // the ones before), the address's only once a secret is found wrong: after a restart of the
      // appliance a fleet behind one address (a NAT, a load generator) logs in all at once, and its
      // logins in flight must not make that address wait (SEC, docs/security.md)
      this.deps.guard?.admit(keys, address, [agentKey]);
    } catch (e) {
      // refused without looking at the secret: a guesser learns nothing and costs no hashing
      this.deps.logger.warn('MQTT login throttled', { agentId: username, address, err: (e as Error).message });
      throw authError((e as Error).message, NOT_AUTHORIZED);
    }
    const ok = await this.deps.verifyAgent(username, password.toString('utf8'));
    if (!ok) {
      this.deps.guard?.failed([addressKey], address);
      this.deps.logger.warn('MQTT login refused', { agentId: username, address, code: 'RW_ERR_AUTH' });
      throw authError('bad agent id or secret', BAD_USERNAME_OR_PASSWORD);
    }
    this.deps.guard?.succeeded(keys);
    this.agentOf.set(client, username);
    // from the next packet on, the limit of an authenticated agent
    this.guarded.get(client.conn)?.(username);
  }

  private async authorizePublish(client: Client | null, packet: PublishPacket): Promise<void> {
    const topic = parseAgentTopic(packet.topic);
    const agentId = client ? this.agentOf.get(client) : undefined;
    // client is null only for a stored Last Will of a client that is gone: nothing to check it against
    if (!topic || (client && topic.agentId !== agentId)) {
      throw new RwError('RW_ERR_ACL', `publish to ${packet.topic} refused`);
    }
    // What agents publish is for the appliance alone (the ACL lets no one else subscribe to it):
    // a retained copy (of a status, of an inventory) would only hold memory, 10,000 of them
    packet.retain = false;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const { ingest } = this.deps;
    // A malformed payload is acknowledged (so the agent does not resend it forever) and dropped;
    // nothing is forwarded anywhere, since the ACL lets agents subscribe only to their own config.
    switch (topic.leaf) {
      case 'metrics':
        await ingest.handleMetrics(topic.agentId, payload);
        break;
      case 'inventory':
        ingest.handleInventory(topic.agentId, payload);
        break;
      case 'status':
        // a Last Will of a session that was taken over must not mark the new session offline
        if (client && this.current.get(topic.agentId) !== client && payload.toString() === STATUS_OFFLINE) break;
        ingest.handleStatus(topic.agentId, payload);
        break;
      case 'checks':
        // from the agent's own session only, never from a stored Last Will (client null)
        if (!client) throw new RwError('RW_ERR_ACL', `publish to ${packet.topic} refused`);
        ingest.handleChecks(topic.agentId, payload);
        break;
      case 'weblog':
        // from the agent's own session only, never from a stored Last Will (client null)
        if (!client) throw new RwError('RW_ERR_ACL', `publish to ${packet.topic} refused`);
        ingest.handleWeblog(topic.agentId, payload);
        break;
      case 'file-jobs':
        // from the agent's own session only, never from a stored Last Will (client null)
        if (!client || !this.deps.fileJobs) throw new RwError('RW_ERR_ACL', `publish to ${packet.topic} refused`);
        this.deps.fileJobs.handleResults(topic.agentId, payload);
        break;
      default:
        throw new RwError('RW_ERR_ACL', `publish to ${packet.topic} refused`);
    }
  }

  private authorizeSubscribe(client: Client, sub: Subscription): Subscription | null {
    const agentId = this.agentOf.get(client);
    if (agentId && AGENT_SUBSCRIBE_LEAVES.some((leaf) => sub.topic === agentTopic(agentId, leaf))) return sub;
    this.deps.logger.warn('subscription refused', { client: client.id, topic: sub.topic, code: 'RW_ERR_ACL' });
    return null;
  }
}

function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}
