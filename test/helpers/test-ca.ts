// A certificate authority made with the openssl CLI for a test (SEC): a root, intermediates and
// server certificates with the names, dates and key usage a test asks for, in a temporary
// directory. `openssl ca` (not `x509 -req`) so that a certificate can be dated in the past.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Issued {
  name: string;
  keyPath: string;
  certPath: string;
  /** PEM */
  key: string;
  cert: string;
}

export interface IssueOptions {
  /** subjectAltName, e.g. "IP:127.0.0.1,DNS:localhost" (leaves only) */
  san?: string;
  /** extendedKeyUsage (leaves; default serverAuth) */
  eku?: string;
  /** YYYYMMDDHHMMSSZ; default: a day ago to in a year */
  start?: string;
  end?: string;
  /** a key file to certify instead of a new one (e.g. the appliance's own key.pem) */
  keyPath?: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
}

/** A time as `openssl ca -startdate/-enddate` takes it. */
export function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z').slice(2);
}

export class TestCa {
  private serial = 1;

  constructor(private readonly dir: string) {
    writeFileSync(path.join(dir, 'index.txt'), '');
    writeFileSync(path.join(dir, 'ca.cnf'), [
      '[ca]', 'default_ca = ca_default',
      '[ca_default]', 'database = index.txt', 'serial = serial', 'new_certs_dir = .', 'default_md = sha256', 'policy = any',
      'unique_subject = no', 'copy_extensions = none',
      '[any]', 'commonName = supplied',
      '[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', 'CN = unused', '',
    ].join('\n'));
  }

  private newKey(name: string): string {
    const keyPath = path.join(this.dir, `${name}.key`);
    openssl(this.dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyPath]);
    return keyPath;
  }

  private read(name: string, keyPath: string, certPath: string): Issued {
    return { name, keyPath, certPath, key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') };
  }

  /** A self-signed root CA. */
  root(name: string): Issued {
    const keyPath = this.newKey(name);
    const certPath = path.join(this.dir, `${name}.pem`);
    const ext = path.join(this.dir, `${name}.ext`);
    writeFileSync(ext, '[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = v3\n[dn]\nCN = ' + name + '\n[v3]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n');
    openssl(this.dir, ['req', '-x509', '-config', ext, '-key', keyPath, '-days', '3650', '-out', certPath]);
    return this.read(name, keyPath, certPath);
  }

  /** A certificate for `name` signed by `issuer`: an intermediate CA, or a server certificate. */
  issue(issuer: Issued, name: string, kind: 'ca' | 'leaf', o: IssueOptions = {}): Issued {
    const keyPath = o.keyPath ?? this.newKey(name);
    const certPath = path.join(this.dir, `${name}.pem`);
    const csr = path.join(this.dir, `${name}.csr`);
    const ext = path.join(this.dir, `${name}.ext`);
    writeFileSync(ext, kind === 'ca'
      ? '[v3]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n'
      : `[v3]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\nextendedKeyUsage = ${o.eku ?? 'serverAuth'}\n${o.san ? `subjectAltName = ${o.san}\n` : ''}`);
    openssl(this.dir, ['req', '-new', '-key', keyPath, '-subj', `/CN=${name}`, '-out', csr]);
    writeFileSync(path.join(this.dir, 'serial'), `${(this.serial++).toString(16).padStart(2, '0')}\n`);
    const now = Date.now();
    openssl(this.dir, [
      'ca', '-batch', '-config', 'ca.cnf', '-cert', issuer.certPath, '-keyfile', issuer.keyPath, '-in', csr, '-out', certPath,
      '-notext', '-extfile', ext, '-extensions', 'v3',
      '-startdate', o.start ?? stamp(now - 86_400_000), '-enddate', o.end ?? stamp(now + 365 * 86_400_000),
    ]);
    return this.read(name, keyPath, certPath);
  }
}
