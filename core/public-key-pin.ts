// The public-key pin (SEC): `sha256//` + base64 of the SHA-256 of a key's SubjectPublicKeyInfo
// DER, the form `curl --pinnedpubkey` takes. The appliance prints it; agents compare the
// broker's certificate against it. node:crypto only, loaded on first use (lazy-builtins.ts: an agent
// without TLS never needs it).
import type { KeyObject, X509Certificate } from 'node:crypto';
import { nodeCrypto } from './lazy-builtins.js';

export const PIN_PATTERN = /^sha256\/\/[A-Za-z0-9+/]{43}=$/;

export function publicKeyPin(key: KeyObject | X509Certificate): string {
  const crypto = nodeCrypto();
  const publicKey = key instanceof crypto.X509Certificate ? key.publicKey : key.type === 'private' ? crypto.createPublicKey(key) : key;
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return `sha256//${crypto.createHash('sha256').update(spki).digest('base64')}`;
}
