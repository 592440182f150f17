// A TLS connection that trusts one public key (SEC; also the standby pair's link to its peer, docs/standby.md): the appliance's certificate is usually
// self-signed, so no CA vouches for it; the agent trusts the key it was given (`--pin sha256//…`)
// and nothing else, for MQTT over TLS (broker-socket.ts) and for enrollment over HTTPS
// (pinned-fetch.ts). The key is compared at 'secureConnect', before the caller's first byte is
// sent: Node holds what is written until the handshake is over and these listeners have run, and
// a mismatch destroys the socket there.
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { nodeCrypto, nodeTls } from './lazy-builtins.js';
import { publicKeyPin } from './public-key-pin.js';

export class PinMismatchError extends Error {
  readonly code = 'RW_ERR_TLS_PIN';
}

/**
 * Connects with TLS to host:port. With `pin`, the server's key must be that one (its certificate
 * chain is not checked: the pin is the trust); without, the certificate must verify against the
 * system's CAs and name `host`.
 */
export function connectTls(host: string, port: number, pin?: string): TLSSocket {
  // loaded here, not at start: an agent on plain MQTT never needs TLS (lazy-builtins.ts)
  const socket = nodeTls().connect({
    host, port, minVersion: 'TLSv1.2',
    ...(isIP(host) === 0 ? { servername: host } : {}),
    rejectUnauthorized: pin === undefined,
  });
  socket.setNoDelay(true);
  if (pin !== undefined) {
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate().raw as Buffer | undefined;
      const got = raw ? publicKeyPin(new (nodeCrypto().X509Certificate)(raw)) : '(no certificate)';
      if (got !== pin) socket.destroy(new PinMismatchError(`the appliance's public key ${got} is not the pinned ${pin}`));
    });
  }
  return socket;
}
