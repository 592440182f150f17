// The public-key pin (SEC): `sha256//` + base64 of the SHA-256 of a key's SubjectPublicKeyInfo
// DER, the form `curl --pinnedpubkey` takes. The appliance prints it; agents compare the
// broker's certificate against it. node:crypto only.
import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';

export const PIN_PATTERN = /^sha256\/\/[A-Za-z0-9+/]{43}=$/;

export function publicKeyPin(key: KeyObject | X509Certificate): string {
  const publicKey = key instanceof X509Certificate ? key.publicKey : key.type === 'private' ? createPublicKey(key) : key;
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return `sha256//${createHash('sha256').update(spki).digest('base64')}`;
}
