// The kernel's TCP sockets through NETLINK_SOCK_DIAG (sock_diag(7), the interface `ss` uses),
// for the tcp and visitors collectors: a fifth of the cost of reading /proc/net/tcp.
//
// Why. Both walk the whole established-connections hash table (262,144 buckets on a 24 GB
// machine, whatever the number of sockets), but /proc/net/tcp's iterator calls cond_resched()
// at every bucket and formats text; the netlink dump does neither. Measured on this machine
// with 7 sockets: 2.3 ms of kernel time per /proc/net/tcp reading against 0.3–0.45 ms per dump
// (scripts/bench/agent-footprint.ts; python's socket module for the raw dump).
//
// How. Node has no netlink sockets, so the socket comes from the `netlink` package's native
// addon (N-API, prebuilt for linux x64, arm64, arm and ia32: nothing to compile on a server).
// Only its native socket is used, not its JavaScript (which loads every netlink family it
// knows). The installer lays the addon for the server's architecture down next to the agent
// (`sock-diag-<platform>-<arch>.node`); from the sources it is found in node_modules. Where it
// cannot be loaded (another architecture, a C library it was not built for), the collectors read
// /proc/net/tcp as before: `loadSockDiag()` returns null and says why.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const NETLINK_SOCK_DIAG = 4;
const SOCK_DIAG_BY_FAMILY = 20;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLMSG_HEADER_BYTES = 16;
const INET_DIAG_REQ_V2_BYTES = 56;
const INET_DIAG_MSG_BYTES = 72;
const IPPROTO_TCP = 6;
export const AF_INET = 2;
export const AF_INET6 = 10;
/** Every TCP state, 1 (ESTABLISHED) to 11 (CLOSING); the kernel adds request sockets as SYN_RECV. */
export const ALL_TCP_STATES = 0xffe;
export const TCP_TIME_WAIT_BIT = 1 << 6;

/** The addon's native socket class (node_netlink's src/binding.cc). */
interface NativeNetlinkSocket {
  bind(port: number, groups: number): void;
  send(port: number, groups: number, data: Buffer[], callback: (error?: Error) => void): void;
  close(): void;
  ref(): void;
  unref(): void;
}
type NativeNetlinkClass = new (
  protocol: number,
  messageBufferBytes: number,
  onMessage: (data: Buffer, info: { truncated?: number }) => void,
  onError: (error: Error) => void,
) => NativeNetlinkSocket;

/** The addon's file name next to an installed agent. */
export function sockDiagAddonName(platform: string = process.platform, arch: string = process.arch): string {
  return `sock-diag-${platform}-${arch}.node`;
}

/** Where the addon may be: next to this file (the installed bundle), else the package's prebuild. */
function addonCandidates(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, sockDiagAddonName())];
  try {
    const pkg = createRequire(import.meta.url).resolve('netlink/package.json');
    candidates.push(path.join(path.dirname(pkg), 'prebuilds', `${process.platform}-${process.arch}`, 'node.napi.node'));
  } catch {
    // not installed next to node_modules: the installed agent
  }
  return candidates;
}

export type SockDiagLoad = { ok: true; socket: SockDiag } | { ok: false; why: string };

/** Opens a sock_diag socket, or says why it cannot (then /proc/net/tcp is the source). */
export function loadSockDiag(candidates: string[] = addonCandidates()): SockDiagLoad {
  const file = candidates.find((candidate) => existsSync(candidate));
  if (file === undefined) return { ok: false, why: `no netlink addon for ${process.platform}-${process.arch} (looked for ${candidates.join(', ')})` };
  try {
    const binding = createRequire(import.meta.url)(file) as { NativeNetlink?: NativeNetlinkClass };
    if (typeof binding.NativeNetlink !== 'function') return { ok: false, why: `${file} is not the netlink addon` };
    return { ok: true, socket: new SockDiag(binding.NativeNetlink) };
  } catch (error) {
    return { ok: false, why: `${file}: ${(error as Error).message}` };
  }
}

/** What the collectors need of one socket; the addresses are formatted only when asked for. */
export interface DiagSocket {
  state: number;
  localPort: number;
  remotePort: number;
  family: number;
  /** the message holding the socket, and where its 16 address bytes are (network order) */
  buffer: Buffer;
  remoteAt: number;
}

/** The remote address of `socket`: 4 bytes (IPv4) or 16, in network order. */
export function remoteBytes(socket: DiagSocket): number[] {
  const length = socket.family === AF_INET ? 4 : 16;
  const bytes: number[] = [];
  for (let i = 0; i < length; i++) bytes.push(socket.buffer[socket.remoteAt + i] ?? 0);
  return bytes;
}

/** Builds the dump request for one address family. */
function dumpRequest(family: number, states: number, sequence: number): Buffer {
  const request = Buffer.alloc(NLMSG_HEADER_BYTES + INET_DIAG_REQ_V2_BYTES);
  request.writeUInt32LE(request.length, 0);
  request.writeUInt16LE(SOCK_DIAG_BY_FAMILY, 4);
  request.writeUInt16LE(NLM_F_REQUEST | NLM_F_DUMP, 6);
  request.writeUInt32LE(sequence, 8);
  request[16] = family;
  request[17] = IPPROTO_TCP;
  request.writeUInt32LE(states, 20);
  return request;
}

/** A dump that has not ended by then has failed (and the collectors turn to /proc/net/tcp). */
const DUMP_TIMEOUT_MS = 5000;

/**
 * One netlink socket, kept open for the agent's life. Dumps run one at a time, in the order asked
 * (two collector groups may ask at once). The socket holds the event loop only while a dump runs:
 * the addon aborts the process if the loop ends with a dump under way.
 */
export class SockDiag {
  readonly #socket: NativeNetlinkSocket;
  #sequence = 0;
  #queue: Promise<void> = Promise.resolve();
  #pending: {
    sequence: number;
    visit: (socket: DiagSocket) => void;
    resolve: () => void;
    reject: (error: Error) => void;
    /** what the visitor threw: the rest of the dump is read and dropped, then the dump fails with it */
    visitorError?: Error;
  } | null = null;
  readonly #socketView: DiagSocket = { state: 0, localPort: 0, remotePort: 0, family: 0, buffer: Buffer.alloc(0), remoteAt: 0 };

  constructor(NativeNetlink: NativeNetlinkClass) {
    // nothing may throw out of these callbacks: the addon turns an exception there into abort()
    const onMessage = (data: Buffer, info: { truncated?: number }): void => {
      try {
        this.#receive(data, info);
      } catch (error) {
        this.#fail(error instanceof Error ? error : new Error(String(error)));
      }
    };
    this.#socket = new NativeNetlink(NETLINK_SOCK_DIAG, 0, onMessage, (error) => { this.#fail(error); });
    try {
      this.#socket.bind(0, 0); // the kernel picks the port
      this.#socket.unref();
    } catch (error) {
      this.#socket.close();
      throw error;
    }
  }

  /**
   * Calls `visit` for every TCP socket of `family` in one of `states` (bits 1 << state; the view
   * passed is reused: copy what is kept).
   */
  dump(family: number, visit: (socket: DiagSocket) => void, states = ALL_TCP_STATES, timeoutMs = DUMP_TIMEOUT_MS): Promise<void> {
    const run = this.#queue.then(() => this.#dumpNow(family, states, visit, timeoutMs));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #dumpNow(family: number, states: number, visit: (socket: DiagSocket) => void, timeoutMs: number): Promise<void> {
    const sequence = ++this.#sequence;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { this.#fail(new Error(`sock_diag: no complete answer within ${timeoutMs} ms`)); }, timeoutMs);
      const settle = (): void => { clearTimeout(timer); };
      this.#pending = {
        sequence, visit,
        resolve: () => { settle(); resolve(); },
        reject: (error) => { settle(); reject(error); },
      };
      this.#socket.ref();
      this.#socket.send(0, 0, [dumpRequest(family, states, sequence)], (error) => { if (error) this.#fail(error); });
    });
  }

  close(): void {
    this.#fail(new Error('sock_diag: closed'));
    this.#socket.close();
  }

  #fail(error: Error): void {
    const pending = this.#pending;
    this.#pending = null;
    this.#socket.unref();
    pending?.reject(error);
  }

  #receive(data: Buffer, info: { truncated?: number }): void {
    const pending = this.#pending;
    if (!pending) return;
    if (info.truncated !== undefined) {
      this.#fail(new Error(`sock_diag: a reply of ${info.truncated} bytes was cut`));
      return;
    }
    const view = this.#socketView;
    view.buffer = data;
    for (let at = 0; at + NLMSG_HEADER_BYTES <= data.length;) {
      const length = data.readUInt32LE(at);
      const type = data.readUInt16LE(at + 4);
      if (length < NLMSG_HEADER_BYTES || at + length > data.length) {
        this.#fail(new Error('sock_diag: a malformed reply'));
        return;
      }
      if (data.readUInt32LE(at + 8) === pending.sequence) {
        if (type === NLMSG_DONE) {
          this.#pending = null;
          this.#socket.unref();
          if (pending.visitorError) pending.reject(pending.visitorError);
          else pending.resolve();
          return;
        }
        if (type === NLMSG_ERROR) {
          const errno = -data.readInt32LE(at + NLMSG_HEADER_BYTES);
          this.#fail(new Error(`sock_diag: the kernel refused the dump (errno ${errno})`));
          return;
        }
        if (type === SOCK_DIAG_BY_FAMILY && length >= NLMSG_HEADER_BYTES + INET_DIAG_MSG_BYTES) {
          const body = at + NLMSG_HEADER_BYTES;
          view.family = data[body] ?? 0;
          view.state = data[body + 1] ?? 0;
          view.localPort = data.readUInt16BE(body + 4);
          view.remotePort = data.readUInt16BE(body + 6);
          view.remoteAt = body + 24;
          // A visitor that throws fails this dump, but the kernel goes on sending it: the socket
          // accepts no other dump (EBUSY) until it has all been read, so it is drained first.
          if (!pending.visitorError) {
            try {
              pending.visit(view);
            } catch (error) {
              pending.visitorError = error instanceof Error ? error : new Error(String(error));
            }
          }
        }
      }
      at += (length + 3) & ~3;
    }
  }
}
