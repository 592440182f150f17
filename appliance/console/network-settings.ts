// The appliance's own network settings as the console edits them (D5): DHCP, or a static address
// with a gateway and DNS servers, kept as one systemd-networkd `.network` file (on the board,
// /etc/systemd/network/10-rackwatch.network links to the copy on /data). Pure: check, render and
// read back; every problem is reported as "field: message" (docs/conventions.md 6).
import { isIP } from 'node:net';

export type NetworkSettings =
  | { mode: 'dhcp' }
  | { mode: 'static'; address: string; prefix: number; gateway: string | null; dns: string[] };

/** RES: at most this many DNS servers (systemd-networkd takes more; a console screen shows three) */
export const MAX_DNS_SERVERS = 3;

export interface StaticInput {
  /** `192.168.1.20/24` (a missing prefix is /24) */
  address: string;
  /** empty: none */
  gateway: string;
  /** comma- or space-separated; empty: none */
  dns: string;
}

/** 4 or 6 for an address networkd takes as written; 0 otherwise (node's isIP also takes an IPv6 zone, `fe80::1%eth0`) */
function isPlainIP(text: string): 0 | 4 | 6 {
  return text.includes('%') ? 0 : (isIP(text) as 0 | 4 | 6);
}

/** Checks what the technician typed; returns the settings or the list of problems. */
export function checkStatic(input: StaticInput): { ok: true; settings: NetworkSettings } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const [ip = '', prefixText, ...more] = input.address.trim().split('/');
  const family = isPlainIP(ip);
  if (family === 0) problems.push(`address: "${ip}" is not an IP address (write 192.168.1.20/24)`);
  const maxPrefix = family === 6 ? 128 : 32;
  // digits only: Number() would also take "0x18" or "2e1"
  const prefix = prefixText === undefined ? (family === 6 ? 64 : 24) : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (more.length > 0 || !Number.isInteger(prefix) || prefix < 1 || prefix > maxPrefix) problems.push(`address: the prefix /${[prefixText ?? '', ...more].join('/')} must be 1–${maxPrefix}`);
  const gateway = input.gateway.trim();
  if (gateway !== '' && isPlainIP(gateway) === 0) problems.push(`gateway: "${gateway}" is not an IP address`);
  const dns = input.dns.split(/[\s,]+/).filter((d) => d !== '');
  for (const d of dns) if (isPlainIP(d) === 0) problems.push(`dns: "${d}" is not an IP address`);
  if (dns.length > MAX_DNS_SERVERS) problems.push(`dns: at most ${MAX_DNS_SERVERS} servers`);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, settings: { mode: 'static', address: ip, prefix, gateway: gateway === '' ? null : gateway, dns } };
}

/** The systemd-networkd file for `iface` (systemd.network(5): [Match] Name=, [Network] DHCP= Address= Gateway= DNS=). */
export function renderNetworkFile(iface: string, s: NetworkSettings): string {
  const lines = ['# written by rackwatch-console; edit it there', '[Match]', `Name=${iface}`, '', '[Network]'];
  if (s.mode === 'dhcp') lines.push('DHCP=yes');
  else {
    lines.push(`Address=${s.address}/${s.prefix}`);
    if (s.gateway) lines.push(`Gateway=${s.gateway}`);
    for (const d of s.dns) lines.push(`DNS=${d}`);
  }
  return lines.join('\n') + '\n';
}

/** Reads back a file this module wrote; anything it does not recognise reads as DHCP (the default). */
export function parseNetworkFile(text: string): NetworkSettings {
  const values = (key: string): string[] => text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
  const [address] = values('Address');
  if (address === undefined) return { mode: 'dhcp' };
  const [ip = '', prefix = '24'] = address.split('/');
  return { mode: 'static', address: ip, prefix: Number(prefix), gateway: values('Gateway')[0] ?? null, dns: values('DNS') };
}

/** One line for the screen: "DHCP" or "192.168.1.20/24 via 192.168.1.1, DNS 1.1.1.1". */
export function describeSettings(s: NetworkSettings): string {
  if (s.mode === 'dhcp') return 'DHCP';
  return `${s.address}/${s.prefix}${s.gateway ? ` via ${s.gateway}` : ''}${s.dns.length > 0 ? `, DNS ${s.dns.join(' ')}` : ''}`;
}
