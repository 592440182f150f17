// The one place the agent opens a network socket to the broker (docs/conventions.md 4): a TCP stream builder
// for MqttClient. Using it instead of mqtt.connect() keeps mqtt.js from loading its WebSocket,
// TLS and SOCKS transports, which the agent does not use.
import { createConnection, type Socket } from 'node:net';

export function tcpStreamBuilder(host: string, port: number): () => Socket {
  return () => {
    const socket = createConnection({ host, port });
    // Nagle's algorithm holds small MQTT packets back by up to ~40 ms (notes/performance.md)
    socket.setNoDelay(true);
    return socket;
  };
}
