// The appliance's current TLS identity (SEC; docs/security.md "TLS"): the key and certificate
// chain HTTPS and MQTT over TLS serve, what GET /api/v1/tls reports about them, and replacing
// them with an uploaded pair (PUT /api/v1/tls/certificate): checked (certificate-check.ts, then
// Node's own TLS), written 0600 to <data-dir>/tls/{key,cert}.pem, then handed to every listener
// that serves them, so the next handshake uses it without a restart. Connections already open
// keep the identity they were made with.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import path from 'node:path';
import { createSecureContext } from 'node:tls';
import type { TlsInfo, TlsUploadResponse } from '../../contract/tls-api.js';
import type { Logger } from '../../core/logger.js';
import { writeSecretFile } from '../../core/private-files.js';
import type { Parsed } from '../../core/validation-problems.js';
import { certificateNames, checkCertificate, parseCertificates, publicKeyPin } from './certificate-check.js';

export interface TlsKeyPair {
  key: Buffer;
  /** the certificate, then its chain, in PEM */
  cert: Buffer;
}

export interface TlsIdentityDeps {
  dataDir: string;
  initial: TlsKeyPair;
  /** the address agents and browsers use (--public-address): an upload must name it */
  publicAddress: string;
  now: () => number;
  logger: Logger;
}

export interface CertificateUploadRequest {
  /** PEM: the server certificate, then the intermediates that issued it */
  certificate: string;
  /** PEM private key; none: the appliance's current key (a certificate issued for it keeps every agent's pin) */
  key?: string;
}

export class TlsIdentity {
  private pair: TlsKeyPair;
  private currentPin: string;
  private readonly listeners: ((pair: TlsKeyPair) => void)[] = [];

  constructor(private readonly deps: TlsIdentityDeps) {
    this.pair = deps.initial;
    this.currentPin = publicKeyPin(createPrivateKey(deps.initial.key));
  }

  get current(): TlsKeyPair {
    return this.pair;
  }

  /** `sha256//…` of the current public key */
  get pin(): string {
    return this.currentPin;
  }

  /** Each listener gets every new identity (an HTTPS server, the MQTTS listener). */
  onChange(listener: (pair: TlsKeyPair) => void): void {
    this.listeners.push(listener);
  }

  info(): TlsInfo {
    const chain = parseCertificates(this.pair.cert.toString()).certs;
    const leaf = chain[0];
    if (!leaf) throw new Error('the TLS identity has no certificate');
    return describe(leaf, chain, this.pin);
  }

  /** Checks and installs an uploaded certificate (and key); its problems as "path: message". */
  replace(upload: CertificateUploadRequest): Parsed<TlsUploadResponse> {
    const keyPem = upload.key ?? this.pair.key.toString();
    const check = checkCertificate({ certificatePem: upload.certificate, keyPem }, this.deps.now(), this.deps.publicAddress);
    if (!check.ok) return { ok: false, problems: upload.key === undefined ? check.problems.map(withoutKeyHint) : check.problems };
    // only the PEM blocks, in order: whatever else the upload held (text, a key) is not served
    const certPem = check.chain.map((c) => c.toString()).join('');
    try {
      createSecureContext({ key: keyPem, cert: certPem, minVersion: 'TLSv1.2' });
    } catch (e) {
      return { ok: false, problems: [`key: Node's TLS cannot serve this key and certificate (${(e as Error).message})`] };
    }
    const previousPin = this.pin;
    const dir = path.join(this.deps.dataDir, 'tls');
    // the key first: a crash between the two leaves a pair that does not match, which the next
    // start replaces with a new self-signed one rather than serving half an upload
    writeSecretFile(path.join(dir, 'key.pem'), keyPem.endsWith('\n') ? keyPem : `${keyPem}\n`);
    writeSecretFile(path.join(dir, 'cert.pem'), certPem);
    this.pair = { key: Buffer.from(keyPem), cert: Buffer.from(certPem) };
    this.currentPin = check.pin;
    for (const listener of this.listeners) listener(this.pair);
    const info = describe(check.certificate, check.chain, check.pin);
    const pinChanged = check.pin !== previousPin;
    this.deps.logger.warn('installed an uploaded TLS certificate', { subject: info.subject, issuer: info.issuer, validTo: info.validTo, pinChanged });
    return {
      ok: true,
      value: {
        ...info, previousPin, pinChanged,
        ...(pinChanged ? { notice: `the public key changed: agents installed with --pin ${previousPin} refuse it until they are re-pinned (run the new install command on them, or set RW_PIN=${check.pin} and restart them)` } : {}),
      },
    };
  }
}

function withoutKeyHint(problem: string): string {
  return problem.startsWith('key: does not belong') ? 'certificate: is not for the appliance\'s current key; upload the key it was issued for as well' : problem;
}

function describe(leaf: X509Certificate, chain: X509Certificate[], pin: string): TlsInfo {
  // not checkIssued(leaf): OpenSSL also wants keyCertSign there, which a self-signed leaf lacks
  const selfSigned = leaf.issuer === leaf.subject && leaf.verify(leaf.publicKey);
  return {
    subject: leaf.subject.replaceAll('\n', ', '),
    issuer: leaf.issuer.replaceAll('\n', ', '),
    selfSigned,
    names: certificateNames(leaf),
    validFrom: new Date(leaf.validFrom).toISOString(),
    validTo: new Date(leaf.validTo).toISOString(),
    pin,
    fingerprint256: leaf.fingerprint256,
    chain: chain.slice(1).map((c) => ({ subject: c.subject.replaceAll('\n', ', '), validTo: new Date(c.validTo).toISOString() })),
  };
}
