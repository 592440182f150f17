// The pair's proofs of the shared secret (S13, B4; docs/standby.md): HMAC-SHA256 over the
// contract's texts, compared in constant time. Pure: no I/O.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { PAIR_PROTOCOL, pairConfigProofText, pairHeartbeatText, type PairHeartbeat } from '../../contract/pair.js';

export function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}

export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** 16 random bytes as 32 lower-case hex digits: a nonce or a challenge. */
export function freshHex(): string {
  return randomBytes(16).toString('hex');
}

export function signHeartbeat(secret: string, h: Omit<PairHeartbeat, 'mac'>): PairHeartbeat {
  return { ...h, mac: hmacHex(secret, pairHeartbeatText(h)) };
}

/** True when `h` answers `nonce` and carries the secret's MAC. */
export function verifyHeartbeat(secret: string, h: PairHeartbeat, nonce: string): boolean {
  if (h.v !== PAIR_PROTOCOL || !Number.isSafeInteger(h.term) || h.nonce !== nonce || typeof h.mac !== 'string') return false;
  const { mac, ...fields } = h;
  return sameHex(mac, hmacHex(secret, pairHeartbeatText(fields)));
}

export function configProof(secret: string, challenge: string): string {
  return hmacHex(secret, pairConfigProofText(challenge));
}
