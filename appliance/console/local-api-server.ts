// The console's local API server (D5): a unix socket in `<dataDir>/run/` that only the appliance's
// user can open (the directory 0700, the socket 0600), so the technician's console works with the
// LAN down and the web UI dead. One JSON request per line, answered in order; a line past
// MAX_CONSOLE_REQUEST_BYTES, bad JSON or an unknown operation gets an RW_ERR_… answer and the
// server keeps serving (RES). The handlers (local-api-handlers.ts) do the work.
import { chmodSync, existsSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { CONSOLE_OPS, CONSOLE_SOCKET_NAME, MAX_CONSOLE_REQUEST_BYTES, type ConsoleAnswer, type ConsoleOp } from '../../contract/console-api.js';
import { isRwError, RwError } from '../../contract/errors.js';
import type { Logger } from '../../core/logger.js';

export type ConsoleHandler = (args: Record<string, unknown>) => unknown;

export interface LocalApiServerDeps {
  dataDir: string;
  handlers: Record<ConsoleOp, ConsoleHandler>;
  logger: Logger;
}

export function consoleSocketPath(dataDir: string): string {
  return path.join(dataDir, 'run', CONSOLE_SOCKET_NAME);
}

/** at most this many connections at once (RES): a console, an SSH session, a script */
const MAX_CONNECTIONS = 8;

/** The request in `line`; `onId` learns its id as soon as it is known, so a refusal carries it. */
function parseRequest(line: string, onId: (id: number) => void): { id: number; op: ConsoleOp; args: Record<string, unknown> } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new RwError('RW_ERR_BAD_REQUEST', 'the request is not JSON');
  }
  if (value === null || typeof value !== 'object') throw new RwError('RW_ERR_BAD_REQUEST', 'the request is not a JSON object');
  const { id, op, args } = value as Record<string, unknown>;
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw new RwError('RW_ERR_BAD_REQUEST', 'id: must be an integer');
  onId(id);
  if (!(CONSOLE_OPS as readonly unknown[]).includes(op)) throw new RwError('RW_ERR_BAD_REQUEST', `op: unknown operation ${JSON.stringify(op)}`);
  const plain = args === undefined ? {} : args;
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) throw new RwError('RW_ERR_BAD_REQUEST', 'args: must be an object');
  return { id, op: op as ConsoleOp, args: plain as Record<string, unknown> };
}

export class LocalApiServer {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly deps: LocalApiServerDeps) {}

  get socketPath(): string {
    return consoleSocketPath(this.deps.dataDir);
  }

  async start(): Promise<void> {
    const runDir = path.dirname(this.socketPath);
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    chmodSync(runDir, 0o700);
    // a socket left by a killed appliance: nobody listens on it, and listen() would fail on it
    if (existsSync(this.socketPath) && lstatSync(this.socketPath).isSocket()) rmSync(this.socketPath);
    const server = net.createServer((socket) => this.serve(socket));
    server.maxConnections = MAX_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(this.socketPath, 0o600);
    server.on('error', (e) => this.deps.logger.error('console socket failed', { error: e.message }));
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.socketPath, { force: true });
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = '';
    let queue = Promise.resolve();
    const send = (answer: ConsoleAnswer): void => {
      if (!socket.destroyed) socket.write(JSON.stringify(answer) + '\n');
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.trim() !== '') queue = queue.then(() => this.answer(line)).then(send);
      }
      if (Buffer.byteLength(buffered) > MAX_CONSOLE_REQUEST_BYTES) {
        buffered = '';
        void queue.then(() => {
          send({ id: -1, ok: false, error: { code: 'RW_ERR_BAD_REQUEST', message: `a request is at most ${MAX_CONSOLE_REQUEST_BYTES} bytes` } });
          socket.end();
        });
      }
    });
  }

  private async answer(line: string): Promise<ConsoleAnswer> {
    let id = -1;
    try {
      if (Buffer.byteLength(line) > MAX_CONSOLE_REQUEST_BYTES) throw new RwError('RW_ERR_BAD_REQUEST', `a request is at most ${MAX_CONSOLE_REQUEST_BYTES} bytes`);
      const request = parseRequest(line, (known) => { id = known; });
      const result = await this.deps.handlers[request.op](request.args);
      return { id, ok: true, result };
    } catch (e) {
      if (isRwError(e)) return { id, ok: false, error: { code: e.code, message: e.message } };
      this.deps.logger.error('console request failed', { error: (e as Error).message });
      return { id, ok: false, error: { code: 'RW_ERR_INTERNAL', message: (e as Error).message } };
    }
  }
}
