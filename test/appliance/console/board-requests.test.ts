// D1, D5: the console's side of its requests to root, in virtual time. It waits for root's answer
// to its own request (an older answer does not count), gives up after 30 s and withdraws the
// request so that it does not act later, unseen; a spool it cannot write is named with the cause.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { isRwError } from '../../../contract/errors.js';
import { ANSWER_TIMEOUT_MS, BoardRequests, boardNetworkTarget } from '../../../appliance/console/board-requests.js';
import { renderStatus } from '../../../appliance/console/console-requests.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';

function setup(t: Parameters<typeof tempDir>[0]): { spool: string; clock: VirtualClock; requests: BoardRequests; requestFile: string } {
  const spool = tempDir(t, 'rw-spool-');
  mkdirSync(path.join(spool, 'requests'));
  const clock = new VirtualClock();
  return { spool, clock, requests: new BoardRequests({ spool, clock }), requestFile: path.join(spool, 'requests', 'network.request') };
}

void t.test('only the answer to this request counts; with none in 30 s the request is withdrawn', async (t) => {
  const { spool, clock, requests, requestFile } = setup(t);
  // an answer to an earlier request is already there
  writeFileSync(path.join(spool, 'network.status'), renderStatus({ id: 'eeeeeeeeeeeeeeee', result: 'applied', message: 'DHCP', atMs: clock.now() }));
  let settled: unknown = 'waiting';
  const submitted = requests.submit('network', (id) => `id=${id}\nmode=dhcp\n`).then((s) => { settled = s; });
  await clock.advance(ANSWER_TIMEOUT_MS - 100);
  t.equal(settled, 'waiting', 'still waiting just before 30 s; the old answer was not taken for this one');
  t.match(readFileSync(requestFile, 'utf8'), /^id=[0-9a-f]{16}\nmode=dhcp\n$/, 'the request waits for root');
  await clock.advance(200);
  await submitted;
  t.equal(settled, null, 'no answer');
  t.notOk(existsSync(requestFile), 'withdrawn');
});

void t.test("root's answer ends the wait: refused becomes RW_ERR_VALIDATION with root's reason", async (t) => {
  const { spool, clock, requests, requestFile } = setup(t);
  const target = boardNetworkTarget(requests, path.join(spool, 'installed.network'));
  const installing = target.install(null).then(() => null, (e: unknown) => e);
  await clock.advance(100);
  const id = /^id=(\w+)$/m.exec(readFileSync(requestFile, 'utf8'))?.[1] ?? '';
  writeFileSync(path.join(spool, 'network.status'), renderStatus({ id, result: 'refused', message: 'mode: must be dhcp or static', atMs: clock.now() }));
  await clock.advance(100);
  const error = await installing;
  t.ok(isRwError(error, 'RW_ERR_VALIDATION'), 'RW_ERR_VALIDATION');
  t.equal((error as Error).message, 'refused by the board: mode: must be dhcp or static');
});

void t.test('a spool the console cannot write is named, with what to check', async (t) => {
  const spool = path.join(tempDir(t, 'rw-spool-'), 'missing');
  const requests = new BoardRequests({ spool, clock: new VirtualClock() });
  const error = await requests.submit('network', (id) => `id=${id}\nmode=dhcp\n`).then(() => null, (e: unknown) => e);
  t.ok(isRwError(error, 'RW_ERR_CONFIG'));
  t.match((error as Error).message, /cannot write .*missing\/requests\/network\.request \(ENOENT\): is rackwatch-console-init\.service done, and is this login in the group rwconsole\?/);
  t.throws(() => requests.readResetToken(), /no reset token in .*reset-token: is rackwatch-console-init\.service done\?/);
});
