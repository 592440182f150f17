// The one place the agent opens a network socket to the broker (docs/conventions.md 4): a TCP or
// TLS stream builder for MqttClient. Using it instead of mqtt.connect() keeps mqtt.js from loading
// its WebSocket and SOCKS transports, which the agent does not use.
//
// TLS with a pin (SEC): the appliance's certificate is usually self-signed, so no CA vouches for
// it; the agent trusts the public key it was given (`--pin sha256//…`) and nothing else. Node
// holds what MqttClient writes (the CONNECT with the secret) until the handshake is over and the
// 'secureConnect' listeners have run, and a mismatch destroys the socket there, so a different
// key never sees the secret (test/agent/session-tls.int.test.ts checks the broker got nothing).
import { createConnection, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { publicKeyPin } from '../core/public-key-pin.js';

export function tcpStreamBuilder(host: string, port: number): () => Socket {
  return () => {
    const socket = createConnection({ host, port });
    // Nagle's algorithm holds small MQTT packets back by up to ~40 ms (notes/performance.md)
    socket.setNoDelay(true);
    return socket;
  };
}

export class PinMismatchError extends Error {
  readonly code = 'RW_ERR_TLS_PIN';
}

/**
 * MQTT over TLS. With `pin`, the broker's key must be that one (its certificate chain is not
 * checked: the pin is the trust); without, the certificate must verify against the system's CAs
 * and name `host`.
 */
export function tlsStreamBuilder(host: string, port: number, pin?: string): () => TLSSocket {
  return () => {
    const socket = tlsConnect({
      host, port, minVersion: 'TLSv1.2',
      ...(isIP(host) === 0 ? { servername: host } : {}),
      rejectUnauthorized: pin === undefined,
    });
    socket.setNoDelay(true);
    if (pin !== undefined) {
      socket.once('secureConnect', () => {
        const raw = socket.getPeerCertificate().raw as Buffer | undefined;
        const got = raw ? publicKeyPin(new X509Certificate(raw)) : '(no certificate)';
        if (got !== pin) socket.destroy(new PinMismatchError(`the broker's public key ${got} is not the pinned ${pin}`));
      });
    }
    return socket;
  };
}
