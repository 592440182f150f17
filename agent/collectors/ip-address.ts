// IP addresses as the kernel prints them in /proc/net (hexadecimal), turned into the text a
// person reads. Pure.
//
// Two encodings occur: /proc/net/tcp, tcp6 and route print each 32-bit word of the address as a
// number in the host's byte order (so on little-endian x86 and ARM "0100007F" is 127.0.0.1),
// while /proc/net/ipv6_route prints the 16 bytes in network order.

/** The value of one hexadecimal digit (ASCII code), or -1. */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 65 && code <= 70) return code - 55; // A-F
  if (code >= 97 && code <= 102) return code - 87; // a-f
  return -1;
}

/** Bytes of a hex string (`text` or the ASCII bytes of `buffer` from `start` to `end`); null if not hex. */
export function hexBytes(source: string | Buffer, start = 0, end = source.length): number[] | null {
  if ((end - start) % 2 !== 0) return null;
  const bytes: number[] = [];
  for (let i = start; i < end; i += 2) {
    const hi = hexDigit(typeof source === 'string' ? source.charCodeAt(i) : (source[i] ?? 0));
    const lo = hexDigit(typeof source === 'string' ? source.charCodeAt(i + 1) : (source[i + 1] ?? 0));
    if (hi < 0 || lo < 0) return null;
    bytes.push(hi * 16 + lo);
  }
  return bytes;
}

/** Reverses each 4-byte word: host-order words on a little-endian machine → network order. */
export function swapWords(bytes: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) out.push(...bytes.slice(i, i + 4).reverse());
  return out;
}

export function formatIpv4(bytes: readonly number[]): string {
  return bytes.join('.');
}

/**
 * RFC 5952 text: lowercase groups without leading zeros, the longest run of two or more zero
 * groups (the first of equal runs) written "::", and an IPv4-mapped address (::ffff:a.b.c.d) as
 * the plain IPv4 address it stands for.
 */
export function formatIpv6(bytes: readonly number[]): string {
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return formatIpv4(bytes.slice(12));
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * An address from /proc/net/tcp, tcp6 or route: 8 hex digits (IPv4) or 32 (IPv6), each word in
 * the host's byte order. Null when the text is not that.
 */
export function procNetAddress(source: string | Buffer, start: number, end: number, littleEndian: boolean): string | null {
  const raw = hexBytes(source, start, end);
  if (!raw || (raw.length !== 4 && raw.length !== 16)) return null;
  const bytes = littleEndian ? swapWords(raw) : raw;
  return raw.length === 4 ? formatIpv4(bytes) : formatIpv6(bytes);
}

/** 127.0.0.0/8 and ::1 (an IPv4-mapped loopback has already become 127.x by formatIpv6). */
export function isLoopbackAddress(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
