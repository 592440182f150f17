// The CA file of a remote-write or Alertmanager endpoint (S19): an https endpoint signed by the
// company's own CA is trusted through a PEM file on the appliance (as Prometheus's own
// `tls_config.ca_file`). Read when the settings are saved (an unreadable file is a 400 naming
// the field) and when forwarding starts; bounded like the PEM text the API takes.
import { readFileSync, statSync } from 'node:fs';
import { FEDERATION_LIMITS } from '../../contract/federation-api.js';

/** The PEM text of `file`; throws with a message fit for an admin when it cannot be used. */
export function readCaFile(file: string): string {
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (size > FEDERATION_LIMITS.maxCaChars) throw new Error(`${file} is ${size} bytes, more than ${FEDERATION_LIMITS.maxCaChars}: not a CA bundle`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return text;
}

/** The CA certificates of an endpoint's settings: its PEM text, its file's, or null (the system's). */
export function endpointCa(s: { caCertificates: string | null; caFile: string | null }): string | null {
  return s.caFile !== null ? readCaFile(s.caFile) : s.caCertificates;
}
