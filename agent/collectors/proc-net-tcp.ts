// The TCP socket tables /proc/net/tcp and /proc/net/tcp6, scanned in place: shared by the `tcp`
// collector (connections by state) and the visitors collector (S15). On a busy server these
// files hold tens of thousands of lines, so the scan works on the raw bytes and makes no string
// per line; only the fields a caller asks for are decoded.
//
// Line format (net/ipv4/tcp_ipv4.c, get_tcp4_sock; IPv6 the same with 32-digit addresses):
//   "%4d: %08X:%04X %08X:%04X %02X %08X:%08X …"  sl, local address:port, remote, state, …

/** Kernel TCP states (include/net/tcp_states.h) by their code; 12 is NEW_SYN_RECV. */
export const TCP_STATE_CODES = {
  established: 1, syn_sent: 2, syn_recv: 3, fin_wait1: 4, fin_wait2: 5, time_wait: 6,
  close: 7, close_wait: 8, last_ack: 9, listen: 10, closing: 11,
} as const;

export type TcpStateName = keyof typeof TCP_STATE_CODES;

/** Code → contract field; NEW_SYN_RECV (a request socket before accept) counts as syn_recv. */
export const TCP_STATE_BY_CODE: readonly (TcpStateName | undefined)[] = (() => {
  const byCode: (TcpStateName | undefined)[] = [];
  for (const [name, code] of Object.entries(TCP_STATE_CODES) as [TcpStateName, number][]) byCode[code] = name;
  byCode[12] = 'syn_recv';
  return byCode;
})();

/** Byte offsets of one socket line's fields within the buffer being scanned. */
export interface SocketLine {
  state: number;
  /** local "ADDR:PORT" */
  localStart: number;
  localEnd: number;
  /** remote "ADDR:PORT" */
  remoteStart: number;
  remoteEnd: number;
}

const SPACE = 0x20;
const NEWLINE = 0x0a;
const COLON = 0x3a;

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/**
 * Calls `visit` for every socket line of a tcp/tcp6 table held in `buffer[0, length)`. The same
 * `SocketLine` object is reused for every call: copy what must outlive it. Malformed lines and
 * the header are skipped.
 */
export function scanTcpTable(buffer: Buffer, length: number, visit: (line: SocketLine) => void): void {
  const line: SocketLine = { state: 0, localStart: 0, localEnd: 0, remoteStart: 0, remoteEnd: 0 };
  let pos = 0;
  while (pos < length) {
    let end = buffer.indexOf(NEWLINE, pos);
    if (end < 0 || end > length) end = length;
    // fields: "sl:" local remote state
    let i = pos;
    while (i < end && buffer[i] === SPACE) i++;
    while (i < end && buffer[i] !== COLON && buffer[i] !== SPACE) i++; // the slot number
    if (i < end && buffer[i] === COLON) {
      i++;
      while (i < end && buffer[i] === SPACE) i++;
      line.localStart = i;
      while (i < end && buffer[i] !== SPACE) i++;
      line.localEnd = i;
      while (i < end && buffer[i] === SPACE) i++;
      line.remoteStart = i;
      while (i < end && buffer[i] !== SPACE) i++;
      line.remoteEnd = i;
      while (i < end && buffer[i] === SPACE) i++;
      const hi = hexValue(buffer[i] ?? 0);
      const lo = hexValue(buffer[i + 1] ?? 0);
      if (i + 1 < end && hi >= 0 && lo >= 0 && line.localEnd > line.localStart && line.remoteEnd > line.remoteStart) {
        line.state = hi * 16 + lo;
        visit(line);
      }
    }
    pos = end + 1;
  }
}

/** The port of an "ADDR:PORT" field (4 hex digits after the colon), or -1. */
export function portOf(buffer: Buffer, start: number, end: number): number {
  const colon = buffer.lastIndexOf(COLON, end - 1);
  if (colon < start || end - colon - 1 !== 4) return -1;
  let port = 0;
  for (let i = colon + 1; i < end; i++) {
    const digit = hexValue(buffer[i] ?? 0);
    if (digit < 0) return -1;
    port = port * 16 + digit;
  }
  return port;
}

/** The address part of an "ADDR:PORT" field: [start, colon). */
export function addressEnd(buffer: Buffer, start: number, end: number): number {
  const colon = buffer.lastIndexOf(COLON, end - 1);
  return colon < start ? end : colon;
}
