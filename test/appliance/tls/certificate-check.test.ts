// SEC: what an uploaded certificate must pass before the appliance serves it, and the key pin.
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { fixturesDir } from '../../helpers/paths.js';
import { checkCertificate, parseCertificates, publicKeyPin } from '../../../appliance/tls/certificate-check.js';

const read = (name: string): string => readFileSync(path.join(fixturesDir, 'tls', name), 'utf8');
const leaf = read('leaf.pem');
const inter = read('inter.pem');
const root = read('root.pem');
const leafKey = read('leaf.key');
const otherKey = read('other.key');
const NOW = Date.now();

void t.test('a leaf with its key and its chain (leaf, intermediate, root) passes and gives its pin', (t) => {
  const check = checkCertificate({ certificatePem: leaf + inter + root, keyPem: leafKey }, NOW);
  t.ok(check.ok, check.ok ? '' : check.problems.join('\n'));
  if (check.ok) {
    t.equal(check.chain.length, 3);
    t.match(check.pin, /^sha256\/\/[A-Za-z0-9+/]{43}=$/);
    t.equal(check.pin, publicKeyPin(new X509Certificate(leaf)));
  }
  t.end();
});

void t.test('a key that is not the certificate\'s is refused as "key: …"', (t) => {
  const check = checkCertificate({ certificatePem: leaf + inter, keyPem: otherKey }, NOW);
  t.same(check.ok ? [] : check.problems, ['key: does not belong to the certificate (their public keys differ)']);
  t.end();
});

void t.test('a chain in the wrong order, or missing its intermediate, is refused at the first broken link', (t) => {
  const skipped = checkCertificate({ certificatePem: leaf + root, keyPem: leafKey }, NOW);
  t.notOk(skipped.ok);
  t.match(skipped.ok ? [] : skipped.problems, [/^certificate: not issued by chain\[1\]/]);
  const swapped = checkCertificate({ certificatePem: leaf + root + inter, keyPem: leafKey }, NOW);
  t.match(swapped.ok ? [] : swapped.problems, [/^certificate: not issued by chain\[1\]/, /^chain\[1\]: not issued by chain\[2\]/]);
  t.end();
});

void t.test('a certificate past its notAfter is refused as expired, one before its notBefore as not yet valid', (t) => {
  const cert = new X509Certificate(leaf);
  const later = checkCertificate({ certificatePem: leaf, keyPem: leafKey }, Date.parse(cert.validTo) + 1000);
  t.match(later.ok ? [] : later.problems, [/^certificate: expired on \d{4}-/]);
  const earlier = checkCertificate({ certificatePem: leaf, keyPem: leafKey }, Date.parse(cert.validFrom) - 1000);
  t.match(earlier.ok ? [] : earlier.problems, [/^certificate: not valid before /]);
  t.end();
});

void t.test('no PEM, a broken PEM block or an unreadable key each say which part is wrong', (t) => {
  const none = checkCertificate({ certificatePem: 'hello', keyPem: 'nope' }, NOW);
  t.match(none.ok ? [] : none.problems, [/^certificate: no PEM certificate/, /^key: not a readable/]);
  const broken = leaf.replace(/(-----BEGIN CERTIFICATE-----\n)[A-Za-z0-9+/]{20}/, '$1AAAAAAAAAAAAAAAAAAAA');
  t.match(parseCertificates(inter + broken).problems, [/^chain\[1\]: not a valid X.509 certificate/]);
  t.end();
});
