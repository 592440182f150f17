// The address agents and browsers reach the appliance at (SEC, docs/security.md "The appliance's
// address"): --public-address, else the listen address when it is a single one, else the host
// name. The installer, the install command and the HTTPS redirect build their URLs from it and
// never from a request's Host header, which whoever sends the request chooses. Pure: no I/O.
import { isIP } from 'node:net';

/** a DNS name (letters, digits, '-', dots between labels) */
const HOST_NAME_RE = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** A host name or a bare IP address (IPv6 without brackets): safe in a URL and a shell word. */
export function isHostOrAddress(value: string): boolean {
  return isIP(value) !== 0 || HOST_NAME_RE.test(value);
}

/** The listen address when it names one interface; for the wildcards, the machine's host name. */
export function defaultPublicAddress(listen: string, hostname: string): string {
  const bare = listen.replace(/^\[(.*)\]$/, '$1');
  return bare === '0.0.0.0' || bare === '::' || !isHostOrAddress(bare) ? hostname : bare;
}

/** `https://address[:port]`: IPv6 in brackets, no port when it is 443. */
export function httpsOrigin(address: string, port: number): string {
  const host = isIP(address) === 6 ? `[${address}]` : address;
  return port === 443 ? `https://${host}` : `https://${host}:${port}`;
}
