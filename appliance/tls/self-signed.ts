// The appliance's own TLS identity (SEC): at first start a P-256 key (node:crypto) and a
// self-signed certificate for it, valid 10 years (an appliance is not re-keyed by hand every
// year; agents pin the key, not the certificate, so re-issuing on the same key changes nothing
// for them), with the configured addresses and the host name as subjectAltName. Kept in
// `<data-dir>/tls/` as `key.pem` (0600) and `cert.pem`, and reused while they still check.
//
// Node has no X.509 writer. The certificate is signed by the `openssl` CLI (Debian's openssl,
// as rrdcached is rrdtool's): @peculiar/x509 (and `selfsigned`, built on it) needs a global
// Reflect-metadata polyfill (tsyringe) and ~19 packages for one certificate written once per box.
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { tiedToParent } from '../../core/child-lifetime.js';
import { checkCertificate } from './certificate-check.js';

export const SELF_SIGNED_VALIDITY_DAYS = 3650;

export interface ApplianceTlsFiles {
  keyPath: string;
  certPath: string;
  key: Buffer;
  cert: Buffer;
  /** `sha256//…` of the public key */
  pin: string;
  created: boolean;
}

export interface SelfSignedDeps {
  dataDir: string;
  /** host names and IP addresses the certificate names (subjectAltName) */
  names: string[];
  nowMs: number;
  /** the openssl executable (tests may point elsewhere) */
  openssl?: string;
}

/** subjectAltName entries for names and addresses; the wildcard addresses name nothing. */
export function subjectAltNames(names: string[]): string[] {
  const out = new Set<string>();
  for (const raw of names) {
    const name = raw.trim().replace(/^\[(.*)\]$/, '$1');
    if (!name || name === '0.0.0.0' || name === '::') continue;
    out.add(isIP(name) ? `IP:${name}` : `DNS:${name}`);
  }
  return [...out];
}

/** The openssl config of the self-signed server certificate (a leaf: CA:FALSE, serverAuth). */
export function opensslConfig(commonName: string, altNames: string[]): string {
  return [
    '[req]', 'distinguished_name = dn', 'prompt = no', 'x509_extensions = ext',
    '[dn]', `CN = ${commonName.replace(/[^A-Za-z0-9._ -]/g, '')}`, 'O = rackwatch appliance',
    '[ext]', 'basicConstraints = critical,CA:FALSE', 'keyUsage = critical,digitalSignature',
    'extendedKeyUsage = serverAuth', 'subjectKeyIdentifier = hash',
    ...(altNames.length > 0 ? [`subjectAltName = ${altNames.join(',')}`] : []), '',
  ].join('\n');
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // openssl dies with the appliance (core/child-lifetime.ts) instead of finishing for nobody
    const run = tiedToParent(cmd, args, 'KILL');
    execFile(run.command, run.args, { timeout: 30_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${cmd} ${args[0] ?? ''} failed: ${stderr.trim() || error.message}`));
      else resolve();
    });
  });
}

/** Loads `<data-dir>/tls/{key,cert}.pem`, or makes them when absent or no longer valid. */
export async function loadOrCreateSelfSigned(deps: SelfSignedDeps): Promise<ApplianceTlsFiles> {
  const dir = path.join(deps.dataDir, 'tls');
  const keyPath = path.join(dir, 'key.pem');
  const certPath = path.join(dir, 'cert.pem');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (existsSync(keyPath) && existsSync(certPath)) {
    const key = readFileSync(keyPath);
    const cert = readFileSync(certPath);
    const check = checkCertificate({ certificatePem: cert.toString(), keyPem: key.toString() }, deps.nowMs);
    if (check.ok) return { keyPath, certPath, key, cert, pin: check.pin, created: false };
    // an expired or broken pair is replaced; a valid uploaded one is never touched
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  const tmpKey = `${keyPath}.new`;
  const tmpCert = `${certPath}.new`;
  const cnf = path.join(dir, 'req.cnf');
  writeFileSync(tmpKey, keyPem, { mode: 0o600 });
  chmodSync(tmpKey, 0o600);
  const alt = subjectAltNames(deps.names);
  writeFileSync(cnf, opensslConfig(deps.names.find((n) => n && isIP(n) === 0) ?? 'rackwatch', alt));
  try {
    // a positive 128-bit serial (RFC 5280 4.1.2.2: unique per issuer, at most 20 octets)
    const serial = `0x1${randomBytes(15).toString('hex')}`;
    await run(deps.openssl ?? 'openssl', ['req', '-x509', '-config', cnf, '-key', tmpKey, '-days', String(SELF_SIGNED_VALIDITY_DAYS), '-sha256', '-set_serial', serial, '-out', tmpCert]);
  } finally {
    rmSync(cnf, { force: true });
  }
  const key = readFileSync(tmpKey);
  const cert = readFileSync(tmpCert);
  // openssl stamps notBefore with its own clock, in whole seconds, possibly a second after nowMs
  const check = checkCertificate({ certificatePem: cert.toString(), keyPem: key.toString() }, Math.max(deps.nowMs, Date.now()));
  if (!check.ok) throw new Error(`the generated certificate does not check: ${check.problems.join('; ')}`);
  // the key first: a cert.pem without its key.pem is never left behind
  renameSync(tmpKey, keyPath);
  renameSync(tmpCert, certPath);
  return { keyPath, certPath, key, cert, pin: check.pin, created: true };
}
