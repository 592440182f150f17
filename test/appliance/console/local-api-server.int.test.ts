// D5, RES, SEC: the console's local API on its unix socket: only the appliance's user can open it
// (run/ 0700, the socket 0600); a request past its bound, bad JSON or an unknown operation gets an
// RW_ERR_… answer and the server keeps serving; a stale socket left by a killed appliance is
// replaced; the client reports a missing socket as RW_ERR_APPLIANCE_DOWN.
import { statSync, writeFileSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import t from 'tap';
import { MAX_CONSOLE_REQUEST_BYTES, type ConsoleAnswer, type ConsoleOp } from '../../../contract/console-api.js';
import { isRwError } from '../../../contract/errors.js';
import { createLogger } from '../../../core/logger.js';
import { LocalApiClient } from '../../../appliance/console/local-api-client.js';
import { consoleSocketPath, LocalApiServer, type ConsoleHandler } from '../../../appliance/console/local-api-server.js';
import { tempDir } from '../../helpers/temp-dir.js';

const quiet = createLogger('test', 'error', () => undefined);

function handlers(): Record<ConsoleOp, ConsoleHandler> {
  const answer = (op: string): ConsoleHandler => (args) => ({ op, args });
  return {
    status: answer('status'), alerts: answer('alerts'), modem: answer('modem'), 'setup-code': answer('setup-code'),
    ack: () => { throw new Error('boom'); },
    'sms-test': answer('sms-test'), 'password-reset': answer('password-reset'), 'pair-promote': answer('pair-promote'),
  };
}

/** Sends raw bytes and collects the answers until `count` lines came or the socket closed. */
function exchange(socketPath: string, bytes: string, count: number): Promise<{ answers: ConsoleAnswer[]; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.createConnection(socketPath);
    let buf = '';
    const done = (closed: boolean): void => {
      s.destroy();
      resolve({ answers: buf.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as ConsoleAnswer), closed });
    };
    s.setEncoding('utf8');
    s.on('connect', () => s.write(bytes));
    s.on('data', (d: string) => {
      buf += d;
      if (buf.split('\n').length - 1 >= count) done(false);
    });
    s.on('close', () => done(true));
    s.on('error', () => done(true));
  });
}

void t.test('the local API', async (t) => {
  const dataDir = tempDir(t, 'rw-api-');
  // a socket file left by a killed appliance: nobody listens on it
  mkdirSync(path.join(dataDir, 'run'), { recursive: true });
  const stale = net.createServer();
  await new Promise<void>((r) => stale.listen(consoleSocketPath(dataDir), r));
  stale.close();
  writeFileSync(path.join(dataDir, 'run', 'keep'), '');
  const server = new LocalApiServer({ dataDir, handlers: handlers(), logger: quiet });
  await server.start();
  t.teardown(() => server.stop());
  const sock = consoleSocketPath(dataDir);

  await t.test('only the appliance user can reach it', (t) => {
    t.equal((statSync(path.dirname(sock)).mode & 0o777).toString(8), '700');
    t.equal((statSync(sock).mode & 0o777).toString(8), '600');
    t.end();
  });

  await t.test('requests on one connection are answered in order; errors are coded and the server keeps serving', async (t) => {
    const { answers } = await exchange(sock, [
      JSON.stringify({ id: 1, op: 'status', args: {} }), 'not json', JSON.stringify({ id: 3, op: 'format-disk' }),
      JSON.stringify({ id: 4, op: 'ack', args: { alertId: 1 } }), JSON.stringify({ id: 5, op: 'alerts', args: [] }), JSON.stringify({ id: 6, op: 'modem' }),
    ].join('\n') + '\n', 6);
    t.same(answers.map((a) => [a.id, a.ok ? 'ok' : a.error.code]), [
      [1, 'ok'], [-1, 'RW_ERR_BAD_REQUEST'], [3, 'RW_ERR_BAD_REQUEST'], [4, 'RW_ERR_INTERNAL'], [5, 'RW_ERR_BAD_REQUEST'], [6, 'ok'],
    ]);
  });

  await t.test(`a request longer than ${MAX_CONSOLE_REQUEST_BYTES} bytes is refused and its connection closed`, async (t) => {
    const { answers, closed } = await exchange(sock, 'x'.repeat(MAX_CONSOLE_REQUEST_BYTES + 10), 1);
    t.equal(answers[0]?.ok, false);
    t.equal(answers[0]?.ok === false ? answers[0].error.code : '', 'RW_ERR_BAD_REQUEST');
    t.ok(closed || answers.length === 1);
    const client = new LocalApiClient(sock);
    t.same(await client.request('status', {}), { op: 'status', args: {} }, 'the next client is served');
  });

  await t.test('the client says the appliance is down when nobody listens', async (t) => {
    const client = new LocalApiClient(path.join(dataDir, 'run', 'nobody.sock'));
    const error = await client.request('status', {}).then(() => null, (e: unknown) => e);
    t.ok(isRwError(error, 'RW_ERR_APPLIANCE_DOWN'));
  });
});
