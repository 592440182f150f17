// The TCP socket tables /proc/net/tcp and /proc/net/tcp6, scanned in place: shared by the `tcp`
// collector (connections by state) and the visitors collector (S15). On a busy server these
// files hold tens of thousands of lines, so the scan makes no string per line and finds the
// fields with String.prototype.indexOf, which runs as native code even in V8's interpreter (the
// agent runs without the optimizing compiler: see agent/main.ts); only the fields a caller asks
// for are decoded.
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

/** Offsets of one socket line's fields within the text being scanned. */
export interface SocketLine {
  state: number;
  /** local "ADDR:PORT" */
  localStart: number;
  localEnd: number;
  /** remote "ADDR:PORT" */
  remoteStart: number;
  remoteEnd: number;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** The index of the first character at or after `from` that is not a blank. */
function skipBlanks(text: string, from: number, end: number): number {
  let i = from;
  while (i < end && text.charCodeAt(i) === 0x20) i++;
  return i;
}

/**
 * Calls `visit` for every socket line of a tcp/tcp6 table held in `text` (whole lines). The same
 * `SocketLine` object is reused for every call: copy what must outlive it. Malformed lines and
 * the header are skipped.
 */
export function scanTcpTable(text: string, visit: (line: SocketLine) => void): void {
  const line: SocketLine = { state: 0, localStart: 0, localEnd: 0, remoteStart: 0, remoteEnd: 0 };
  const length = text.length;
  let pos = 0;
  while (pos < length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = length;
    // "   12: LOCAL REMOTE ST …": the header line has no colon before its first blank-separated word ends
    const colon = text.indexOf(':', pos);
    if (colon > 0 && colon < end && text.charCodeAt(colon + 1) === 0x20) {
      const localStart = skipBlanks(text, colon + 1, end);
      const localEnd = text.indexOf(' ', localStart);
      const remoteStart = localEnd < 0 ? end : skipBlanks(text, localEnd, end);
      const remoteEnd = text.indexOf(' ', remoteStart);
      const stateAt = remoteEnd < 0 ? end : skipBlanks(text, remoteEnd, end);
      const hi = hexValue(text.charCodeAt(stateAt));
      const lo = hexValue(text.charCodeAt(stateAt + 1));
      if (localEnd > localStart && localEnd < end && remoteEnd > remoteStart && stateAt + 1 < end && hi >= 0 && lo >= 0) {
        line.state = hi * 16 + lo;
        line.localStart = localStart;
        line.localEnd = localEnd;
        line.remoteStart = remoteStart;
        line.remoteEnd = remoteEnd;
        visit(line);
      }
    }
    pos = end + 1;
  }
}

/** The port of an "ADDR:PORT" field (4 hex digits after the colon), or -1. */
export function portOf(text: string, start: number, end: number): number {
  const colon = text.lastIndexOf(':', end - 1);
  if (colon < start || end - colon - 1 !== 4) return -1;
  let port = 0;
  for (let i = colon + 1; i < end; i++) {
    const digit = hexValue(text.charCodeAt(i));
    if (digit < 0) return -1;
    port = port * 16 + digit;
  }
  return port;
}

/** The address part of an "ADDR:PORT" field: [start, colon). */
export function addressEnd(text: string, start: number, end: number): number {
  const colon = text.lastIndexOf(':', end - 1);
  return colon < start ? end : colon;
}
