// The agent's MQTT session with the appliance (D3, DESIGN.md "MQTT contract"): connects as its
// enrolled identity, announces itself (status `online` and the inventory, both retained) on every
// connect, leaves a Last Will of `offline`, publishes one metrics batch per interval, and says
// `offline` itself when stopped.
//
// mqtt.js keeps QoS 1 messages published while disconnected and sends them after reconnecting;
// until the on-disk queue exists, the number of such batches is capped so an appliance outage
// cannot grow the agent's memory without bound.
import { MqttClient, type ErrorWithReasonCode, type IClientOptions } from 'mqtt';
import type { Inventory } from '../contract/inventory.js';
import type { MetricsBatch } from '../contract/metrics.js';
import { agentTopic, STATUS_OFFLINE, STATUS_ONLINE } from '../contract/topics.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import { tcpStreamBuilder } from './broker-socket.js';
import type { Identity } from './enroll.js';
import { TIMED_OUT, withTimeout } from './timeout.js';

export interface SessionDeps {
  /** The appliance's HTTP address; the broker is on the same host, at the enrolled port. */
  applianceUrl: URL;
  identity: Identity;
  inventory: Inventory;
  keepaliveS: number;
  clock: Clock;
  log: Logger;
  /** First reconnect delay; doubles per failed attempt up to `reconnectMaxMs`. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** Batches that may wait for an acknowledgement (≈ an hour at 5 s by default). */
  maxPendingBatches?: number;
  /** How long stop() waits for `offline` and pending batches to be acknowledged. */
  stopTimeoutMs?: number;
}

export interface AgentSession {
  start(): void;
  /** Queues one batch (QoS 1); dropped with a warning when `maxPendingBatches` are waiting. */
  publishMetrics(batch: MetricsBatch): void;
  /** Publishes `offline` (retained), disconnects cleanly; never rejects. */
  stop(): Promise<void>;
  readonly connected: boolean;
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

/** URL.hostname keeps IPv6 literals bracketed ("[::1]"); sockets want them bare. */
export function brokerHost(applianceUrl: URL): string {
  return applianceUrl.hostname.replace(/^\[(.*)\]$/, '$1');
}

export function createSession(deps: SessionDeps): AgentSession {
  const { identity, log } = deps;
  const baseMs = deps.reconnectBaseMs ?? 1000;
  const maxMs = deps.reconnectMaxMs ?? 30_000;
  const maxPending = deps.maxPendingBatches ?? 720;
  const stopTimeoutMs = deps.stopTimeoutMs ?? 3000;
  const statusTopic = agentTopic(identity.agentId, 'status');
  const metricsTopic = agentTopic(identity.agentId, 'metrics');
  const inventoryTopic = agentTopic(identity.agentId, 'inventory');

  let client: MqttClient | null = null;
  let failedAttempts = 0;
  let pendingBatches = 0;
  let droppedBatches = 0;
  let everConnected = false;
  /** a refusal is logged once until the next successful connect, not at every attempt */
  let refusalReported = false;

  const onConnect = (mqttClient: MqttClient): void => {
    log.info('connected to the appliance', { agentId: identity.agentId, afterFailedAttempts: failedAttempts });
    failedAttempts = 0;
    everConnected = true;
    refusalReported = false;
    mqttClient.options.reconnectPeriod = reconnectDelayMs(1, baseMs, maxMs);
    if (droppedBatches > 0) {
      log.warn('metrics batches were dropped while the appliance was away', { dropped: droppedBatches });
      droppedBatches = 0;
    }
    const announce = (topic: string, payload: string): void => {
      mqttClient.publish(topic, payload, { qos: 1, retain: true }, (error) => {
        if (error) log.warn('announcement not delivered; it is repeated on the next connect', { topic, error });
      });
    };
    announce(statusTopic, STATUS_ONLINE);
    announce(inventoryTopic, JSON.stringify(deps.inventory));
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

  return {
    get connected(): boolean {
      return client?.connected ?? false;
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
        // mqtt-packet would otherwise pre-build 65,536 message-id Buffers (~6 MB of heap) to save
        // an allocation per packet; the agent sends a few packets per interval
        writeCache: false,
        will: { topic: statusTopic, payload: Buffer.from(STATUS_OFFLINE), qos: 1, retain: true },
      };
      const mqttClient = new MqttClient(tcpStreamBuilder(brokerHost(deps.applianceUrl), identity.mqttPort), options);
      client = mqttClient;
      mqttClient.on('connect', () => onConnect(mqttClient));
      mqttClient.on('error', onError);
      // mqtt.js reads reconnectPeriod each time it arms the reconnect timer (after a failed
      // attempt closes), so raising it here turns its fixed period into a backoff.
      mqttClient.on('reconnect', () => {
        failedAttempts++;
        mqttClient.options.reconnectPeriod = reconnectDelayMs(failedAttempts + 1, baseMs, maxMs);
        log.debug('reconnecting', { attempt: failedAttempts, nextDelayMs: mqttClient.options.reconnectPeriod });
      });
      mqttClient.on('offline', () => {
        if (everConnected) log.warn('connection to the appliance lost; batches wait in memory until it returns', { pendingBatches, maxPending });
      });
    },

    publishMetrics(batch: MetricsBatch): void {
      if (!client) throw new Error('publishMetrics() before start()');
      if (pendingBatches >= maxPending) {
        if (droppedBatches++ === 0) log.warn('too many unacknowledged metrics batches; dropping new ones', { maxPending });
        return;
      }
      pendingBatches++;
      client.publish(metricsTopic, JSON.stringify(batch), { qos: 1 }, (error) => {
        pendingBatches--;
        if (error) log.debug('metrics batch not delivered', { error });
      });
    },

    async stop(): Promise<void> {
      const mqttClient = client;
      if (!mqttClient) return;
      client = null;
      mqttClient.removeAllListeners('reconnect');
      mqttClient.removeAllListeners('offline');
      const wasConnected = mqttClient.connected;
      if (wasConnected) {
        // A clean DISCONNECT suppresses the Last Will, so the agent says `offline` itself.
        const said = await withTimeout(
          mqttClient.publishAsync(statusTopic, STATUS_OFFLINE, { qos: 1, retain: true }).then(() => true, () => false),
          stopTimeoutMs, deps.clock);
        if (said !== true) log.warn('could not publish offline before stopping; the broker\'s will covers it');
      }
      // A graceful end waits for unacknowledged QoS 1 batches; a disconnected client has no
      // one to wait for. Either way the wait is bounded, then the socket is simply dropped.
      const ended = await withTimeout(mqttClient.endAsync(!wasConnected), stopTimeoutMs, deps.clock)
        .catch((error: unknown) => { log.debug('ending the MQTT client failed', { error }); return TIMED_OUT; });
      if (ended === TIMED_OUT) mqttClient.stream?.destroy();
    },
  };
}
