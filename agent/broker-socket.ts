// The one place the agent opens a network socket to the broker (docs/conventions.md 4): a TCP or
// TLS stream builder for MqttClient. Using it instead of mqtt.connect() keeps mqtt.js from loading
// its WebSocket and SOCKS transports, which the agent does not use.
//
// TLS with a pin (SEC): pinned-tls.ts.
import { createConnection, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { connectTls } from './pinned-tls.js';

export function tcpStreamBuilder(host: string, port: number): () => Socket {
  return () => {
    const socket = createConnection({ host, port });
    // Nagle's algorithm holds small MQTT packets back by up to ~40 ms (notes/performance.md)
    socket.setNoDelay(true);
    return socket;
  };
}

/**
 * MQTT over TLS. With `pin`, the broker's key must be that one (its certificate chain is not
 * checked: the pin is the trust); without, the certificate must verify against the system's CAs
 * and name `host`.
 */
export function tlsStreamBuilder(host: string, port: number, pin?: string): () => TLSSocket {
  return () => connectTls(host, port, pin);
}
