// The agent's MQTT session with the appliance (D3, docs/mqtt-contract.md): connects as its
// enrolled identity with a Last Will of `offline`; on every connect announces itself (status
// `online` and the inventory, both retained) and subscribes to its configuration (S2); sends the
// disk queue's batches (and the web-log queue's intervals, S11); says `offline` itself when stopped.
//
// Delivery (S2, S3, S15): the disk queue is the source of truth. One batch is in flight at a time:
// the next is sent only after the PUBACK of the previous, and a batch leaves the queue only then.
// That keeps the order the appliance needs (its RRD files refuse an update older than the last
// one) and means mqtt.js's in-memory store never holds more than that one batch. A connection
// lost with a batch in flight: mqtt.js keeps it and re-sends it first on reconnect (its store is
// replayed whatever `clean` says), and its callback then moves the queue on; after an agent
// restart the queue simply sends it again. The sessions are clean (`clean: true`): nothing of a
// previous session is needed from the broker.
// mqtt's client module alone: the package index also loads its WebSocket, SOCKS and browser
// transports (~250 KB of bundle the agent never runs; agent/broker-socket.ts opens the TCP or TLS socket)
import mqttClientModule, { type IClientOptions } from 'mqtt/lib/client';
import type { ErrorWithReasonCode } from 'mqtt/lib/shared';
import type { Inventory } from '../contract/inventory.js';
import { parseAgentNotice } from '../contract/agent-notice.js';
import { agentTopic, STATUS_OFFLINE, STATUS_ONLINE } from '../contract/topics.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { tcpStreamBuilder, tlsStreamBuilder } from './broker-socket.js';
import type { DiskQueue, RecordId } from './disk-queue.js';
import type { Identity } from './enroll.js';
import { SessionLiveness } from './session-liveness.js';
import { TIMED_OUT, withTimeout } from './timeout.js';

const MqttClient = mqttClientModule.default;
type MqttClient = InstanceType<typeof MqttClient>;

export interface SessionDeps {
  /** The appliance's HTTP address; the broker is on the same host, at the enrolled port. */
  applianceUrl: URL;
  identity: Identity;
  /** The broker's address when not the appliance's host and enrolled port: `mqtt://` or `mqtts://` (SEC). */
  mqttUrl?: URL;
  /** `sha256//…`: MQTT over TLS, trusting only the broker key with this pin (SEC) */
  pin?: string;
  /** the inventory as it is now (published on every connect) */
  inventory: () => Inventory;
  queue: DiskQueue;
  /** the web-log intervals (S11), sent on `…/weblog` like the batches: one in flight, removed on its PUBACK */
  weblogQueue?: DiskQueue;
  /** a payload received on the agent's config topic; exceptions are caught and logged */
  onConfig?: (payload: Buffer) => void;
  /** called after every (re)connect, once the announcements are made (the check results waiting go then) */
  onConnected?: () => void;
  keepaliveS: number;
  clock: Clock;
  log: Logger;
  /** First reconnect delay; doubles per failed attempt up to `reconnectMaxMs`. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** How long stop() waits for `offline` and the batch in flight to be acknowledged. */
  stopTimeoutMs?: number;
}

export interface AgentSession {
  start(): void;
  /** A queue has a new record: send it when the link and the record before it allow. */
  kick(): void;
  /** Publishes the inventory (retained) now if it differs from the last one published. */
  updateInventory(): void;
  /** Publishes check results (QoS 1) on `…/checks`; `done(false)` at once when not connected (check-outbox.ts keeps them). */
  publishChecks(payload: string, done: (acknowledged: boolean) => void): void;
  /** Publishes file job results (S17, QoS 1) on `…/file-jobs`; `done(false)` at once when not connected (file-jobs-agent.ts keeps them). */
  publishFileJobResults(payload: string, done: (acknowledged: boolean) => void): void;
  /** Publishes `offline` (retained), disconnects cleanly; never rejects. */
  stop(): Promise<void>;
  readonly connected: boolean;
  /**
   * S13, B4: connected and the broker answers; false as soon as a packet has waited the bound
   * (session-liveness.ts) for an answer with nothing received, long before mqtt.js's keepalive
   */
  readonly answering: boolean;
  /** S13, B4: sends a PINGREQ when nothing waits for an answer, so that `answering` can tell on an idle session */
  probe(): void;
  /** batches acknowledged by the appliance since start */
  readonly delivered: number;
}

/** MQTT 3.1.1 CONNACK return codes that mean the credentials were refused (spec 3.2.2.3). */
const CREDENTIALS_REFUSED = new Set([4, 5]);

/**
 * Delay before reconnect attempt `attempt` (1-based): exponential, capped, with jitter in
 * [50 %, 100 %] so that agents cut off together by an appliance restart do not all come back in
 * the same millisecond.
 */
export function reconnectDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.max(1, Math.round(ceiling * (0.5 + random() / 2)));
}

/** TLS port of MQTT when only a pin is given (the appliance's --mqtts-port default). */
export const DEFAULT_MQTTS_PORT = 8883;

/** Where the session connects and how: the explicit MQTT URL, TLS when it says mqtts or a pin is given. */
export function brokerAddress(deps: Pick<SessionDeps, 'applianceUrl' | 'identity' | 'mqttUrl' | 'pin'>): { host: string; port: number; tls: boolean } {
  const url = deps.mqttUrl;
  // an appliance that serves no plain MQTT (it answered port 0) is reached over TLS, trusting the
  // system's CAs when no pin is known
  const tlsOnly = !url && deps.identity.mqttPort === 0 && deps.identity.mqttsPort !== undefined;
  const tls = url?.protocol === 'mqtts:' || deps.pin !== undefined || tlsOnly;
  const host = brokerHost(url ?? deps.applianceUrl);
  const port = url?.port ? Number(url.port) : tls ? (deps.identity.mqttsPort ?? DEFAULT_MQTTS_PORT) : url ? 1883 : deps.identity.mqttPort;
  return { host, port, tls };
}

/** URL.hostname keeps IPv6 literals bracketed ("[::1]"); sockets want them bare. */
export function brokerHost(applianceUrl: URL): string {
  return applianceUrl.hostname.replace(/^\[(.*)\]$/, '$1');
}

export function createSession(deps: SessionDeps): AgentSession {
  const { identity, log, queue } = deps;
  const baseMs = deps.reconnectBaseMs ?? 1000;
  const maxMs = deps.reconnectMaxMs ?? 30_000;
  const stopTimeoutMs = deps.stopTimeoutMs ?? 3000;
  const statusTopic = agentTopic(identity.agentId, 'status');
  const metricsTopic = agentTopic(identity.agentId, 'metrics');
  const inventoryTopic = agentTopic(identity.agentId, 'inventory');
  const configTopic = agentTopic(identity.agentId, 'config');
  const noticeTopic = agentTopic(identity.agentId, 'notice');
  const checksTopic = agentTopic(identity.agentId, 'checks');
  const fileJobsTopic = agentTopic(identity.agentId, 'file-jobs');

  let client: MqttClient | null = null;
  const liveness = new SessionLiveness(deps.clock);
  let failedAttempts = 0;
  let everConnected = false;
  /** a refusal is logged once until the next successful connect, not at every attempt */
  let refusalReported = false;
  let lastInventory = '';
  /** the notice last logged: a retained notice comes again at every connect, and is logged once */
  let lastNotice = '';

  const publishInventory = (mqttClient: MqttClient, force: boolean): void => {
    const payload = JSON.stringify(deps.inventory());
    if (!force && payload === lastInventory) return;
    lastInventory = payload;
    mqttClient.publish(inventoryTopic, payload, { qos: 1, retain: true }, (error) => {
      if (error) log.warn('inventory not delivered; it is sent again on the next connect', { error });
    });
  };

  /**
   * Sends one disk queue's records on one topic, the head only after the PUBACK of the one
   * before: the metrics batches, and the web-log intervals (S11) in a queue of their own, so
   * that neither holds back nor crowds out the other.
   */
  const queueSender = (source: DiskQueue, topic: string, what: string) => {
    let inFlight: RecordId | null = null;
    let delivered = 0;
    /** a backlog being delivered: its size and start, for one log line when it is done */
    let backlog: { count: number; startedMs: number; deliveredBefore: number } | null = null;
    const pump = (): void => {
      const mqttClient = client;
      if (!mqttClient?.connected || inFlight !== null) return;
      let next;
      try {
        next = source.peek();
      } catch (error) {
        log.error(`cannot read the ${what} queue`, { error });
        return;
      }
      if (!next) {
        if (backlog) {
          log.info(`queued ${what} delivered`, { records: delivered - backlog.deliveredBefore, tookMs: deps.clock.now() - backlog.startedMs });
          backlog = null;
        }
        return;
      }
      const id = next.id;
      inFlight = id;
      mqttClient.publish(topic, next.payload, { qos: 1 }, (error) => {
        inFlight = null;
        if (error) {
          // not sent (the client is ending, or gave the message up): the queue still has it, and
          // the next connect or the next record sends it again
          log.debug(`${what} not acknowledged`, { error: error.message });
          return;
        }
        try {
          source.ack(id);
        } catch (error) {
          log.error(`cannot update the ${what} queue after an acknowledgement`, { error });
        }
        delivered++;
        pump();
      });
    };
    return {
      pump,
      get delivered(): number {
        return delivered;
      },
      /** on connect: a backlog is announced once, and its end logged */
      noteBacklog(): void {
        const stats = source.stats();
        if (stats.waiting > 1 && !backlog) {
          backlog = { count: stats.waiting, startedMs: deps.clock.now(), deliveredBefore: delivered };
          log.info(`sending the ${what} queued while the appliance was away, oldest first`, { records: stats.waiting, bytes: stats.bytes });
        }
      },
    };
  };
  const senders = [queueSender(queue, metricsTopic, 'metrics batches')];
  const metrics = senders[0] as ReturnType<typeof queueSender>;
  if (deps.weblogQueue) senders.push(queueSender(deps.weblogQueue, agentTopic(identity.agentId, 'weblog'), 'web log intervals'));
  const pump = (): void => {
    for (const sender of senders) sender.pump();
  };

  const onConnect = (mqttClient: MqttClient): void => {
    log.info('connected to the appliance', { agentId: identity.agentId, afterFailedAttempts: failedAttempts });
    failedAttempts = 0;
    everConnected = true;
    refusalReported = false;
    mqttClient.options.reconnectPeriod = reconnectDelayMs(1, baseMs, maxMs);
    mqttClient.publish(statusTopic, STATUS_ONLINE, { qos: 1, retain: true }, (error) => {
      if (error) log.warn('status not delivered; it is repeated on the next connect', { error });
    });
    publishInventory(mqttClient, true);
    // an appliance older than notices refuses that subscription (0x80): nothing to hear there
    mqttClient.subscribe([configTopic, noticeTopic], { qos: 1 }, (error, granted) => {
      if (error) log.warn('cannot subscribe to the configuration topic; retried on the next connect', { error });
      else if (granted?.[0]?.qos === 0x80) log.error('the appliance refused the configuration subscription', { topic: configTopic });
    });
    for (const sender of senders) sender.noteBacklog();
    pump();
    try {
      deps.onConnected?.();
    } catch (error) {
      log.error('after connecting', { error });
    }
  };

  const onError = (error: Error): void => {
    const code = (error as Partial<ErrorWithReasonCode>).code;
    if (typeof code === 'number' && CREDENTIALS_REFUSED.has(code)) {
      if (refusalReported) return;
      refusalReported = true;
      log.error('the appliance refused this agent\'s credentials; delete identity.json in the state '
        + 'directory and start again with --token to enroll anew', { code: 'RW_ERR_AUTH', agentId: identity.agentId, reason: error.message });
    } else if (failedAttempts === 0) {
      log.warn('cannot reach the appliance; retrying with backoff', { error });
    } else {
      log.debug('still cannot reach the appliance', { attempt: failedAttempts, error });
    }
  };

  const onNotice = (payload: Buffer): void => {
    const text = payload.toString();
    if (text === lastNotice) return;
    lastNotice = text;
    const notice = parseAgentNotice(payload);
    if (!notice) return;
    log.warn(`the appliance refused some samples: ${notice.message}`, {
      code: notice.code, maxFiles: notice.maxFiles, files: notice.files, example: notice.example, at: new Date(notice.atS * 1000).toISOString(),
    });
  };

  const onMessage = (topic: string, payload: Buffer): void => {
    if (topic === noticeTopic) {
      onNotice(payload);
      return;
    }
    if (topic !== configTopic || !deps.onConfig) return;
    try {
      deps.onConfig(payload);
    } catch (error) {
      log.error('handling a configuration failed; the agent keeps its current one', { error });
    }
  };

  /** QoS 1 on `topic`; `done(false)` at once when not connected, the caller keeps what was not acknowledged. */
  const publishAcknowledged = (topic: string, payload: string, done: (acknowledged: boolean) => void, unacknowledged: string): void => {
    const mqttClient = client;
    if (!mqttClient?.connected) {
      done(false);
      return;
    }
    mqttClient.publish(topic, payload, { qos: 1 }, (error) => {
      if (error) log.debug(unacknowledged, { error: error.message });
      done(!error);
    });
  };

  return {
    get connected(): boolean {
      return client?.connected ?? false;
    },
    get answering(): boolean {
      return (client?.connected ?? false) && liveness.answering;
    },
    probe(): void {
      if (client?.connected && liveness.idle) client.sendPing();
    },
    get delivered(): number {
      return metrics.delivered;
    },

    start(): void {
      if (client) return;
      const options: IClientOptions = {
        protocolVersion: 4,
        clientId: identity.agentId,
        username: identity.agentId,
        password: identity.secret,
        keepalive: deps.keepaliveS,
        clean: true,
        connectTimeout: 10_000,
        reconnectPeriod: reconnectDelayMs(1, baseMs, maxMs),
        // keep trying after a refusal: the appliance may be restored or the agent re-admitted,
        // and the capped backoff keeps the cost of trying negligible
        reconnectOnConnackError: true,
        queueQoSZero: false,
        // the subscription is made on every connect (clean sessions), not replayed by mqtt.js
        resubscribe: false,
        // mqtt-packet would otherwise pre-build 65,536 message-id Buffers (~6 MB of heap) to save
        // an allocation per packet; the agent sends a few packets per interval
        writeCache: false,
        will: { topic: statusTopic, payload: Buffer.from(STATUS_OFFLINE), qos: 1, retain: true },
      };
      const at = brokerAddress(deps);
      const streamBuilder = at.tls ? tlsStreamBuilder(at.host, at.port, deps.pin) : tcpStreamBuilder(at.host, at.port);
      const mqttClient = new MqttClient(streamBuilder, options);
      client = mqttClient;
      // S13, B4: every packet sent and received, for `answering` (session-liveness.ts)
      mqttClient.on('packetsend', (packet) => liveness.sent(packet));
      mqttClient.on('packetreceive', () => liveness.received());
      mqttClient.on('close', () => liveness.reset());
      mqttClient.on('connect', () => onConnect(mqttClient));
      mqttClient.on('error', onError);
      mqttClient.on('message', onMessage);
      // mqtt.js reads reconnectPeriod each time it arms the reconnect timer (after a failed
      // attempt closes), so raising it here turns its fixed period into a backoff.
      mqttClient.on('reconnect', () => {
        failedAttempts++;
        mqttClient.options.reconnectPeriod = reconnectDelayMs(failedAttempts + 1, baseMs, maxMs);
        log.debug('reconnecting', { attempt: failedAttempts, nextDelayMs: mqttClient.options.reconnectPeriod });
      });
      mqttClient.on('offline', () => {
        if (everConnected) log.warn('connection to the appliance lost; batches wait in the disk queue until it returns', { waiting: queue.waiting });
      });
    },

    kick(): void {
      pump();
    },

    updateInventory(): void {
      if (client?.connected) publishInventory(client, false);
    },

    publishChecks(payload: string, done: (acknowledged: boolean) => void): void {
      publishAcknowledged(checksTopic, payload, done, 'check results not acknowledged; the latest of each check is sent again');
    },

    publishFileJobResults(payload: string, done: (acknowledged: boolean) => void): void {
      publishAcknowledged(fileJobsTopic, payload, done, 'file job results not acknowledged; sent again at the next connect');
    },

    async stop(): Promise<void> {
      const mqttClient = client;
      if (!mqttClient) return;
      client = null;
      mqttClient.removeAllListeners('reconnect');
      mqttClient.removeAllListeners('offline');
      mqttClient.removeAllListeners('message');
      const wasConnected = mqttClient.connected;
      if (wasConnected) {
        // A clean DISCONNECT suppresses the Last Will, so the agent says `offline` itself.
        const said = await withTimeout(
          mqttClient.publishAsync(statusTopic, STATUS_OFFLINE, { qos: 1, retain: true }).then(() => true, () => false),
          stopTimeoutMs, deps.clock);
        if (said !== true) log.warn('could not publish offline before stopping; the broker\'s will covers it');
      }
      // A graceful end waits for the batch in flight; a disconnected client has no one to wait
      // for. Either way the wait is bounded, then the socket is dropped; an unacknowledged batch
      // is still in the queue and is sent after the next start.
      const ended = await withTimeout(mqttClient.endAsync(!wasConnected), stopTimeoutMs, deps.clock)
        .catch((error: unknown) => { log.debug('ending the MQTT client failed', { error }); return TIMED_OUT; });
      if (ended === TIMED_OUT) mqttClient.stream?.destroy();
    },
  };
}
