// SEC: the appliance's own key and self-signed certificate, made at first start by the openssl
// CLI, and the pin compared with what openssl computes for `curl --pinnedpubkey`.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { tempDir } from '../../helpers/temp-dir.js';
import { loadOrCreateSelfSigned, SELF_SIGNED_VALIDITY_DAYS } from '../../../appliance/tls/self-signed.js';

void t.test('first start makes key.pem (0600) and a 10-year cert.pem naming the addresses; the next start reuses them, a broken pair is replaced', async (t) => {
  const dataDir = tempDir(t, 'rw-tls-');
  const now = Date.now();
  const made = await loadOrCreateSelfSigned({ dataDir, names: ['127.0.0.1', 'rack-01', '0.0.0.0'], nowMs: now });
  t.equal(made.created, true);
  t.equal(statSync(made.keyPath).mode & 0o777, 0o600, 'key.pem is 0600');
  const cert = new X509Certificate(made.cert);
  t.equal(cert.subjectAltName, 'IP Address:127.0.0.1, DNS:rack-01');
  t.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
  t.ok(Math.abs(days - SELF_SIGNED_VALIDITY_DAYS) <= 1, `valid ${days} days`);
  t.equal(cert.ca, false, 'a leaf, not a CA');
  // the next start comes later: openssl may have stamped notBefore a second or more after `now` on a busy machine
  const again = await loadOrCreateSelfSigned({ dataDir, names: ['127.0.0.1'], nowMs: Date.now() });
  t.equal(again.created, false);
  t.equal(again.pin, made.pin);
  writeFileSync(made.certPath, 'not a certificate');
  const remade = await loadOrCreateSelfSigned({ dataDir, names: ['127.0.0.1'], nowMs: Date.now() });
  t.equal(remade.created, true, 'a broken pair is replaced');
  t.not(remade.pin, made.pin);
});

void t.test("the pin equals openssl's base64 SHA-256 of the SubjectPublicKeyInfo DER (curl --pinnedpubkey)", async (t) => {
  const made = await loadOrCreateSelfSigned({ dataDir: tempDir(t, 'rw-tls-'), names: ['localhost'], nowMs: Date.now() });
  const pubkey = execFileSync('openssl', ['x509', '-pubkey', '-noout', '-in', made.certPath]);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pubkey });
  const digest = execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der });
  const base64 = execFileSync('openssl', ['base64', '-A'], { input: digest }).toString().trim();
  t.equal(made.pin, `sha256//${base64}`);
});
