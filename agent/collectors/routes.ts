// Routing-table collector (S1; snapshot `x.routes`): the IPv4 routes of /proc/net/route and the
// IPv6 routes of /proc/net/ipv6_route, as `ip route` and `ip -6 route` would list them.
//
// Each route: destination as CIDR ("0.0.0.0/0" is the default route), gateway ("" when the
// destination is on the link itself), interface, metric, family. Left out: routes that are not
// up, reject/blackhole routes (the contract has no way to say "unreachable"), and from the IPv6
// table the kernel's local, cached and multicast entries (`ip -6 route` does not show them
// either). A router with a full Internet table would list ~10⁶ routes: the files are read only
// up to 256 KiB each and the list is cut at the contract's 1,000 entries.
import path from 'node:path';
import { METRICS_LIMITS } from '../../contract/families.js';
import type { Snapshot } from '../../contract/metrics.js';
import type { SnapshotParts, SyncSnapshotCollector } from './collector.js';
import { formatIpv4, formatIpv6, hexBytes, HOST_IS_LITTLE_ENDIAN, swapWords } from './ip-address.js';
import { ProcFileReader } from './proc-file-reader.js';

export type Route = NonNullable<Snapshot['routes']>[number];

/** route(8) / include/uapi/linux/route.h and ipv6_route.h flags */
const RTF_UP = 0x0001;
const RTF_REJECT = 0x0200;
const RTF_CACHE = 0x01000000;
const RTF_LOCAL = 0x80000000;

const MAX_READ_BYTES = 256 * 1024;

function prefixLength(mask: readonly number[]): number {
  let bits = 0;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      if ((byte >> bit) & 1) bits++;
      else return bits;
    }
  }
  return bits;
}

/** Parses /proc/net/route (tab-separated, addresses as host-order hex words). */
export function parseIpv4Routes(text: string, littleEndian = HOST_IS_LITTLE_ENDIAN): Route[] {
  const routes: Route[] = [];
  for (const line of text.split('\n').slice(1)) {
    const [iface, destination, gateway, flags, , , metric, mask] = line.trim().split(/\s+/);
    if (!iface || !destination || !gateway || !flags || !metric || !mask) continue;
    const flagBits = parseInt(flags, 16);
    if (!(flagBits & RTF_UP) || flagBits & RTF_REJECT) continue;
    const [dest, gw, netmask] = [destination, gateway, mask].map((hex) => {
      const raw = hexBytes(hex);
      return raw && raw.length === 4 ? (littleEndian ? swapWords(raw) : raw) : null;
    });
    const metricValue = Number(metric);
    if (!dest || !gw || !netmask || !Number.isInteger(metricValue)) continue;
    routes.push({
      destination: `${formatIpv4(dest)}/${prefixLength(netmask)}`,
      gateway: gw.every((b) => b === 0) ? '' : formatIpv4(gw),
      iface,
      metric: metricValue,
      family: 'inet',
    });
  }
  return routes;
}

/** Parses /proc/net/ipv6_route (space-separated, addresses in network order, numbers in hex). */
export function parseIpv6Routes(text: string): Route[] {
  const routes: Route[] = [];
  for (const line of text.split('\n')) {
    const [destination, destinationLength, , , nextHop, metric, , , flags, iface] = line.trim().split(/\s+/);
    if (!destination || !destinationLength || !nextHop || !metric || !flags || !iface) continue;
    const flagBits = parseInt(flags, 16);
    if (!(flagBits & RTF_UP) || flagBits & (RTF_REJECT | RTF_CACHE | RTF_LOCAL)) continue;
    const dest = hexBytes(destination);
    const gw = hexBytes(nextHop);
    const length = parseInt(destinationLength, 16);
    const metricValue = parseInt(metric, 16);
    if (!dest || dest.length !== 16 || !gw || gw.length !== 16 || !Number.isInteger(length) || !Number.isInteger(metricValue)) continue;
    if (dest[0] === 0xff) continue; // multicast (ff00::/8) lives in the local table
    routes.push({
      destination: `${formatIpv6(dest)}/${length}`,
      gateway: gw.every((b) => b === 0) ? '' : formatIpv6(gw),
      iface,
      metric: metricValue,
      family: 'inet6',
    });
  }
  return routes;
}

export interface RoutesOptions {
  root?: string;
  littleEndian?: boolean;
}

export function createRoutesCollector(options: RoutesOptions = {}): SyncSnapshotCollector {
  const root = options.root ?? '/';
  const reader = new ProcFileReader(16 * 1024, MAX_READ_BYTES);
  /** complete lines only: a read cut at the limit may end mid-line */
  const readLines = (file: string): string => {
    const text = reader.readText(path.join(root, file));
    return reader.truncated ? text.slice(0, text.lastIndexOf('\n') + 1) : text;
  };
  return {
    name: 'routes',
    snapshot(): SnapshotParts {
      const routes = parseIpv4Routes(readLines('proc/net/route'), options.littleEndian);
      let v6 = '';
      try {
        v6 = readLines('proc/net/ipv6_route');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // a kernel without IPv6
      }
      routes.push(...parseIpv6Routes(v6));
      return { routes: routes.slice(0, METRICS_LIMITS.maxSnapshotEntries) };
    },
  };
}
