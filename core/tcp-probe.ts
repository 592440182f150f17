// One TCP service check (S5): connect with a timeout, optionally send bytes, optionally wait for
// a reply that satisfies `expect` (an SMTP banner, an HTTP status line), and report the check's
// state with the response time as perfdata, thresholds on that time giving WARNING or CRITICAL.
// Shared by the agent's port check and the appliance's TCP probe, which differ only in where
// they run. (The threshold test is passed in: it is contract/checks.ts's, and core/ stands below
// contract/.)
import net from 'node:net';
import type { CheckState, Perfdatum } from './check-result.js';

export interface TcpProbeRequest {
  host: string;
  port: number;
  timeoutMs: number;
  /** written once connected */
  send?: string;
  /** the reply is read until this accepts it (or the bound, the timeout, the peer's close) */
  expect?: (reply: string) => boolean;
  /** threshold ranges on the response time in seconds (contract/checks.ts) */
  warn?: string | null;
  crit?: string | null;
  /** the state of a time against the ranges: contract/checks.ts's stateOfValue */
  stateOfTime: (seconds: number, warn: string | null, crit: string | null) => CheckState;
  /** reply bytes read at most (default 4 KiB): a pattern never runs on more */
  maxReplyBytes?: number;
}

export interface TcpProbeResult {
  state: CheckState;
  output: string;
  perfdata: Perfdatum[];
  durationMs: number;
}

const DEFAULT_MAX_REPLY_BYTES = 4096;

/** The first line of a reply, printable and short, for an output line. */
function firstLine(reply: string): string {
  const line = (reply.split(/\r?\n/, 1)[0] ?? '').replace(/[^\x20-\x7e\u00a0-\uffff]/g, '?');
  return line.length > 80 ? `${line.slice(0, 80)}…` : line;
}

export function probeTcp(r: TcpProbeRequest): Promise<TcpProbeResult> {
  const started = performance.now();
  const where = `${r.host} port ${r.port}`;
  const maxReply = r.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
  return new Promise((resolve) => {
    const socket = net.connect({ host: r.host, port: r.port, noDelay: true });
    let reply = '';
    let replyBytes = 0;
    let settled = false;
    const finish = (state: CheckState | 'by-time', output: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const durationMs = performance.now() - started;
      const seconds = durationMs / 1000;
      const time: Perfdatum = { label: 'time', value: Number(seconds.toFixed(6)), unit: 's', warn: r.warn ?? null, crit: r.crit ?? null, min: 0, max: r.timeoutMs / 1000 };
      const final = state === 'by-time' ? r.stateOfTime(seconds, r.warn ?? null, r.crit ?? null) : state;
      const label = final === 'ok' ? 'TCP OK' : final === 'warning' ? 'TCP WARNING' : final === 'critical' ? 'TCP CRITICAL' : 'TCP UNKNOWN';
      // a response time only where there was a connection to time
      resolve({ state: final, output: `${label} - ${output}`, perfdata: connected ? [time] : [], durationMs });
    };
    let connected = false;
    const timer = setTimeout(() => {
      const s = r.timeoutMs / 1000;
      if (!connected) finish('critical', `no connection within ${s} s to ${where}`);
      else if (reply === '') finish('critical', `no reply within ${s} s from ${where}`);
      else finish('critical', `unexpected reply from ${where}: ${firstLine(reply)}`);
    }, r.timeoutMs);
    socket.once('connect', () => {
      connected = true;
      if (r.send !== undefined) socket.write(r.send);
      if (!r.expect) finish('by-time', `${((performance.now() - started) / 1000).toFixed(3)} s response time on ${where}`);
    });
    socket.on('data', (chunk: Buffer) => {
      if (!r.expect) return;
      replyBytes += chunk.length;
      reply += chunk.toString('utf8');
      if (reply.length > maxReply) reply = reply.slice(0, maxReply);
      if (r.expect(reply)) {
        finish('by-time', `${((performance.now() - started) / 1000).toFixed(3)} s response time on ${where}: ${firstLine(reply)}`);
      } else if (replyBytes >= maxReply) {
        finish('critical', `unexpected reply from ${where} (${maxReply} bytes read): ${firstLine(reply)}`);
      }
    });
    socket.once('end', () => {
      finish('critical', reply === '' ? `${where} closed the connection without a reply` : `unexpected reply from ${where}: ${firstLine(reply)}`);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ECONNREFUSED' ? 'connection refused' : e.code === 'EHOSTUNREACH' ? 'host unreachable' : e.code === 'ENETUNREACH' ? 'network unreachable' : e.message;
      finish('critical', `${where}: ${why}`);
    });
  });
}
