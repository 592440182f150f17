// Checks a certificate and key before the appliance serves them (SEC): each problem is one
// "path: message" line (docs/conventions.md 6), where the path names the part of an upload
// (`certificate`, `key`, `chain[1]`). Also the public-key pin agents and the installer's
// `curl --pinnedpubkey sha256//…` compare against. node:crypto only; no I/O.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { publicKeyPin } from '../../core/public-key-pin.js';

export { publicKeyPin };

export interface CertificateUpload {
  /** the server certificate first, then the intermediates that issued it, in PEM */
  certificatePem: string;
  keyPem: string;
}

export type CertificateCheck =
  | { ok: true; certificate: X509Certificate; chain: X509Certificate[]; pin: string }
  | { ok: false; problems: string[] };

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM bundle, in order; a block that does not parse is a problem. */
export function parseCertificates(pem: string, path = 'certificate'): { certs: X509Certificate[]; problems: string[] } {
  const blocks = pem.match(PEM_CERT) ?? [];
  const certs: X509Certificate[] = [];
  const problems: string[] = [];
  if (blocks.length === 0) problems.push(`${path}: no PEM certificate (-----BEGIN CERTIFICATE-----) found`);
  blocks.forEach((block, i) => {
    try {
      certs.push(new X509Certificate(block));
    } catch (e) {
      problems.push(`${i === 0 ? path : `chain[${i}]`}: not a valid X.509 certificate (${(e as Error).message})`);
    }
  });
  return { certs, problems };
}

/** TLS Web Server Authentication (RFC 5280 4.2.1.12) */
const SERVER_AUTH_OID = '1.3.6.1.5.5.7.3.1';

/** The names a certificate is for: its subjectAltName entries ("DNS:x", "IP Address:y"), else its CN. */
export function certificateNames(cert: X509Certificate): string[] {
  const alt = cert.subjectAltName;
  if (alt) return alt.split(/,\s*/).filter(Boolean);
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1];
  return cn ? [`CN:${cn}`] : [];
}

/** Whether the certificate is for `address` (a host name, wildcards as TLS matches them, or an IP address). */
export function namesAddress(cert: X509Certificate, address: string): boolean {
  return isIP(address) !== 0 ? cert.checkIP(address) !== undefined : cert.checkHost(address) !== undefined;
}

/**
 * Validates an uploaded certificate and key at time `nowMs`: both parse, the key is the
 * certificate's, the certificate is valid now, is for TLS servers, names `address` (what agents
 * and browsers connect to) when given, and each certificate of the chain was issued and signed
 * by the next one.
 */
export function checkCertificate(upload: CertificateUpload, nowMs: number, address?: string): CertificateCheck {
  const { certs, problems } = parseCertificates(upload.certificatePem);
  let key: KeyObject | null = null;
  try {
    key = createPrivateKey(upload.keyPem);
  } catch (e) {
    problems.push(`key: not a readable unencrypted private key in PEM (${(e as Error).message})`);
  }
  const leaf = certs[0];
  if (leaf && key && !leaf.checkPrivateKey(key)) problems.push('key: does not belong to the certificate (their public keys differ)');
  if (leaf && leaf.keyUsage !== undefined && !leaf.keyUsage.includes(SERVER_AUTH_OID)) {
    problems.push(`certificate: not for TLS servers (its extended key usage is ${leaf.keyUsage.join(', ')}, without serverAuth)`);
  }
  if (leaf && address !== undefined && !namesAddress(leaf, address)) {
    problems.push(`certificate: does not name ${address}, the appliance's address (--public-address) that agents and browsers connect to; it names ${certificateNames(leaf).join(', ') || 'nothing'}`);
  }
  certs.forEach((cert, i) => {
    const path = i === 0 ? 'certificate' : `chain[${i}]`;
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    if (nowMs < from) problems.push(`${path}: not valid before ${new Date(from).toISOString()}`);
    if (nowMs > to) problems.push(`${path}: expired on ${new Date(to).toISOString()}`);
    const issuer = certs[i + 1];
    if (!issuer) return;
    if (!cert.checkIssued(issuer)) problems.push(`${path}: not issued by chain[${i + 1}] (its issuer is "${cert.issuer}", chain[${i + 1}] is "${issuer.subject}")`);
    else if (!cert.verify(issuer.publicKey)) problems.push(`${path}: the signature does not verify with chain[${i + 1}]'s public key`);
  });
  if (problems.length > 0 || !leaf) return { ok: false, problems };
  return { ok: true, certificate: leaf, chain: certs, pin: publicKeyPin(leaf) };
}
