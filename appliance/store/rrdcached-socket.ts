// Opens rrdcached's unix socket (the only file of the store that touches `net`, docs/conventions.md 4).
import net from 'node:net';
import { RwError } from '../../contract/errors.js';

/**
 * sun_path is 108 bytes on Linux including the terminating NUL. rrdcached does not check: given
 * a longer path it silently binds a truncated one, and every client then fails to connect.
 */
export const MAX_UNIX_SOCKET_PATH_BYTES = 107;

export function assertSocketPathFits(socketPath: string): void {
  const n = Buffer.byteLength(socketPath);
  if (n > MAX_UNIX_SOCKET_PATH_BYTES) {
    throw new RwError(
      'RW_ERR_CONFIG',
      `rrdcached socket path ${socketPath} is ${n} bytes; a unix socket path may have at most ${MAX_UNIX_SOCKET_PATH_BYTES}: use a shorter data directory`,
    );
  }
}

/** Connects to the socket; rejects with the system error (ENOENT, ECONNREFUSED) when nobody listens. */
export function connectUnixSocket(socketPath: string): Promise<net.Socket> {
  assertSocketPathFits(socketPath);
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path: socketPath });
    const onError = (err: Error): void => {
      socket.destroy();
      reject(err);
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
