// The console's side of the local API (D5): one connection per request, so a restarted appliance
// is simply reached again; a socket that is missing or refuses means "the appliance is down"
// (RW_ERR_APPLIANCE_DOWN), which the console shows while it keeps offering network, logs and reset.
import net from 'node:net';
import type { ConsoleAnswer, ConsoleOp, ConsoleOps } from '../../contract/console-api.js';
import { RwError } from '../../contract/errors.js';

/** an appliance that accepts but does not answer within this is treated as down (a hung loop) */
const ANSWER_TIMEOUT_MS = 5_000;

export class LocalApiClient {
  private nextId = 1;

  constructor(private readonly socketPath: string, private readonly timeoutMs = ANSWER_TIMEOUT_MS) {}

  request<K extends ConsoleOp>(op: K, args: ConsoleOps[K]['args']): Promise<ConsoleOps[K]['result']> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(this.socketPath);
      let buffered = '';
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        fn();
      };
      const timer = setTimeout(() => finish(() => reject(new RwError('RW_ERR_APPLIANCE_DOWN', `the appliance did not answer within ${this.timeoutMs} ms`))), this.timeoutMs);
      socket.setEncoding('utf8');
      socket.on('connect', () => socket.write(JSON.stringify({ id, op, args }) + '\n'));
      socket.on('data', (chunk: string) => {
        buffered += chunk;
        const nl = buffered.indexOf('\n');
        if (nl < 0) return;
        const answer = JSON.parse(buffered.slice(0, nl)) as ConsoleAnswer;
        finish(() => {
          if (answer.ok) resolve(answer.result as ConsoleOps[K]['result']);
          else reject(new RwError(answer.error.code, answer.error.message));
        });
      });
      socket.on('error', (e: NodeJS.ErrnoException) => finish(() => reject(new RwError('RW_ERR_APPLIANCE_DOWN', `the appliance is not running (${e.code ?? e.message})`))));
      socket.on('close', () => finish(() => reject(new RwError('RW_ERR_APPLIANCE_DOWN', 'the appliance closed the connection without answering'))));
    });
  }
}
