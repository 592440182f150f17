// The one subscriber of a baseline broker (bare Aedes, Mosquitto): subscribes to every agent's
// metrics (`rw/v1/+/metrics`) and reports each delivery's agent and timestamp, the counterpart of
// the appliance's SSE stream. It subscribes at QoS 0, like the SSE stream (fire and forget, no
// acknowledgement back to the broker), so that the brokers' per-subscriber in-flight windows
// (Mosquitto's max_inflight_messages 20) do not become the thing being measured.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';
import { TOPIC_ROOT } from '../../contract/topics.js';

export interface MqttSubscriberOptions {
  port: number;
  onDelivery(agentId: string, t: number, atMs: number): void;
}

/** the first sample's timestamp in a metrics payload: `{"v":1,"i":5,"s":[{"t":…` (no full parse needed) */
const FIRST_T_RE = /"t":(\d+)/;

export class MqttSubscriber {
  deliveries = 0;
  unparsed = 0;
  private socket: net.Socket | null = null;

  constructor(private readonly opts: MqttSubscriberOptions) {}

  /** Connects and subscribes; resolves on SUBACK. */
  start(timeoutMs = 10_000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: this.opts.port, noDelay: true });
      this.socket = socket;
      const parser = createParser({ protocolVersion: 4 });
      const timer = setTimeout(() => {
        reject(new Error('subscriber: no SUBACK in time'));
        socket.destroy();
      }, timeoutMs);
      parser.on('packet', (packet: Packet) => {
        if (packet.cmd === 'connack') {
          if (packet.returnCode !== 0) {
            clearTimeout(timer);
            reject(new Error(`subscriber: CONNACK ${packet.returnCode}`));
            return;
          }
          socket.write(generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: `${TOPIC_ROOT}/+/metrics`, qos: 0 }] }));
        } else if (packet.cmd === 'suback') {
          clearTimeout(timer);
          resolve();
        } else if (packet.cmd === 'publish') {
          const at = performance.now();
          this.deliveries++;
          const agentId = packet.topic.split('/')[2];
          const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
          const m = FIRST_T_RE.exec(payload.toString('latin1', 0, 64));
          if (agentId === undefined || !m?.[1]) this.unparsed++;
          else this.opts.onDelivery(agentId, Number(m[1]), at);
        }
      });
      parser.on('error', () => socket.destroy());
      socket.on('data', (chunk: Buffer) => parser.parse(chunk));
      socket.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      // keepalive 0: this subscriber never goes quiet long enough to matter, and needs no pings
      socket.write(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'rw-bench-subscriber', clean: true, keepalive: 0 }));
    });
  }

  stop(): void {
    this.socket?.end(generate({ cmd: 'disconnect' }));
    this.socket?.destroy();
    this.socket = null;
  }
}
