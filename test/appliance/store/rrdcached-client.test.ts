// The rrdcached line protocol, driven over an in-memory duplex pair with scripted replies in the
// exact wire format of rrdcached 1.7.2 (captured from a real daemon).
import t from 'tap';
import { Duplex, PassThrough } from 'node:stream';
import * as stream from 'node:stream';
import { isRwError } from '../../../contract/errors.js';
import { isStaleUpdate, parseFetch, RrdcachedClient } from '../../../appliance/store/rrdcached-client.js';

/** node:stream duplexPair (Node ≥ 20.17), or the same built from two PassThroughs on older Node 20. */
function pair(): [Duplex, Duplex] {
  const native = (stream as { duplexPair?: () => [Duplex, Duplex] }).duplexPair;
  if (native) return native();
  const aToB = new PassThrough();
  const bToA = new PassThrough();
  const side = (readFrom: PassThrough, writeTo: PassThrough): Duplex => {
    const d: Duplex = new Duplex({
      read() {
        // data is pushed from the readable side's 'data' events below
      },
      write(chunk: Buffer, _enc, cb) {
        writeTo.write(chunk, cb);
      },
      final(cb) {
        writeTo.end();
        cb();
      },
    });
    readFrom.on('data', (c: Buffer) => d.push(c));
    readFrom.on('end', () => d.push(null));
    return d;
  };
  return [side(bToA, aToB), side(aToB, bToA)];
}

/** The daemon's side: collects command lines; the test answers them with raw reply text. */
function fakeDaemonSide(d: Duplex): { lines: string[]; nextLine: () => Promise<string>; reply: (text: string) => void } {
  const lines: string[] = [];
  let buf = '';
  const waiting: ((l: string) => void)[] = [];
  let consumed = 0;
  d.on('data', (c: Buffer) => {
    buf += c.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      const w = waiting.shift();
      if (w) w(lines[consumed++] ?? '');
    }
  });
  return {
    lines,
    nextLine: () => (consumed < lines.length ? Promise.resolve(lines[consumed++] ?? '') : new Promise((r) => waiting.push(r))),
    reply: (text) => d.write(text),
  };
}

/** A client wired to a scripted daemon, closed when the test ends. */
function connected(t: { teardown: (fn: () => void) => void }): { client: RrdcachedClient; daemon: ReturnType<typeof fakeDaemonSide> } {
  const [a, b] = pair();
  const client = new RrdcachedClient(a);
  const daemon = fakeDaemonSide(b);
  t.teardown(() => client.close());
  return { client, daemon };
}

const FETCH_REPLY = [
  '13 Success',
  'FlushVersion: 1',
  'Start: 1700000000',
  'End: 1700000035',
  'Step: 5',
  'DSCount: 2',
  'DSName: user sys',
  '1700000005: 1.00000000000000000e+00 2.00000000000000000e+00',
  '1700000010: 3.00000000000000000e+00 -nan',
  '1700000015: 5.00000000000000000e+00 6.00000000000000000e+00',
  '1700000020: -nan -nan',
  '1700000025: nan nan',
  '1700000030: -nan -nan',
  '1700000035: -nan -nan',
].join('\n') + '\n';

void t.test('pipelined commands are answered in order, multi-line replies included', async (t) => {
  const { client, daemon } = connected(t);

  const ping = client.ping();
  const fetch = client.fetch('ag1/cpu.5s.rrd', 'AVERAGE', 1700000000, 1700000030);
  const stats = client.stats();
  // all three are on the wire before any reply: that is what pipelining means
  t.equal(await daemon.nextLine(), 'PING');
  t.equal(await daemon.nextLine(), 'FETCH ag1/cpu.5s.rrd AVERAGE 1700000000 1700000030');
  t.equal(await daemon.nextLine(), 'STATS');
  // replies arrive in arbitrary chunks, split mid-line
  const all = '0 PONG\n' + FETCH_REPLY + '3 Statistics follow\nQueueLength: 0\nUpdatesReceived: 30\nJournalBytes: 190\n';
  daemon.reply(all.slice(0, 20));
  daemon.reply(all.slice(20, 21));
  daemon.reply(all.slice(21));

  await ping;
  const f = await fetch;
  t.same(f.dsNames, ['user', 'sys']);
  t.equal(f.step, 5);
  t.equal(f.start, 1700000000);
  t.equal(f.rows.length, 7);
  t.same(f.rows[0], { t: 1700000005, values: [1, 2] });
  t.same(f.rows[1], { t: 1700000010, values: [3, null] }, '-nan is unknown');
  t.same(f.rows[4], { t: 1700000025, values: [null, null] }, 'nan is unknown');
  t.same(await stats, { QueueLength: 0, UpdatesReceived: 30, JournalBytes: 190 });
});

void t.test('updates go as one BATCH; a refused update fails alone, with RW_ERR_RRDCACHED and the daemon message', async (t) => {
  const { client, daemon } = connected(t);

  const results = client.updateMany([
    { file: 'ag1/cpu.5s.rrd', t: 1700000010, values: [1, null] },
    { file: 'ag1/cpu.5s.rrd', t: 1700000010, values: [2, 3] },
    { file: 'ag1/cpu.5s.rrd', t: 1700000015, values: [4, 5.5] },
  ]);
  t.equal(await daemon.nextLine(), 'BATCH');
  t.equal(await daemon.nextLine(), 'UPDATE ag1/cpu.5s.rrd 1700000010:1:U', 'null is sent as U');
  t.equal(await daemon.nextLine(), 'UPDATE ag1/cpu.5s.rrd 1700000010:2:3');
  t.equal(await daemon.nextLine(), 'UPDATE ag1/cpu.5s.rrd 1700000015:4:5.5');
  t.equal(await daemon.nextLine(), '.');
  // rrdcached 1.7.2's replies: the batch's opening, then the count of refusals and one line per
  // refused update, numbered by its place in the batch
  daemon.reply("0 Go ahead.  End with dot '.' on its own line.\n");
  daemon.reply('1 errors\n2 illegal attempt to update using time 1700000010.000000 when last update time is 1700000010.000000 (minimum one second step)\n');
  const [first, second, third] = await results;
  t.same(first, { ok: true });
  t.same(third, { ok: true });
  t.equal(second?.ok, false);
  if (second && !second.ok) {
    t.equal(second.error.code, 'RW_ERR_RRDCACHED');
    t.match(second.error.message, /^illegal attempt to update/);
    t.ok(isStaleUpdate(second.error), 'recognised as a stale update');
  }

  const bad = client.flush('ag1/nope.rrd');
  t.equal(await daemon.nextLine(), 'FLUSH ag1/nope.rrd');
  daemon.reply('-1 No such file: /data/rrd/ag1/nope.rrd\n');
  await t.rejects(bad, { code: 'RW_ERR_RRDCACHED', message: 'No such file: /data/rrd/ag1/nope.rrd' });
});

void t.test('an update that cannot be written is left out of the batch, and the places of the others still match', async (t) => {
  const { client, daemon } = connected(t);

  const results = client.updateMany([
    { file: 'ag1/a b.rrd', t: 1700000010, values: [1] },
    { file: 'ag1/gone.5s.rrd', t: 1700000010, values: [2] },
    { file: 'ag1/cpu.5s.rrd', t: 1700000010, values: [3] },
  ]);
  t.equal(await daemon.nextLine(), 'BATCH');
  t.equal(await daemon.nextLine(), 'UPDATE ag1/gone.5s.rrd 1700000010:2', 'the unsendable update is not on the wire');
  t.equal(await daemon.nextLine(), 'UPDATE ag1/cpu.5s.rrd 1700000010:3');
  t.equal(await daemon.nextLine(), '.');
  daemon.reply("0 Go ahead.  End with dot '.' on its own line.\n1 errors\n1 No such file: /data/rrd/ag1/gone.5s.rrd\n");
  const [unsendable, gone, stored] = await results;
  t.equal(unsendable?.ok === false && unsendable.error.code, 'RW_ERR_INTERNAL');
  t.equal(gone?.ok === false && gone.error.message, 'No such file: /data/rrd/ag1/gone.5s.rrd', 'place 1 is the first update sent');
  t.same(stored, { ok: true });
});

void t.test('a BATCH reply line that names no update of the batch fails the whole batch: none is called stored', async (t) => {
  const { client, daemon } = connected(t);

  const results = client.updateMany([
    { file: 'ag1/cpu.5s.rrd', t: 1700000010, values: [1] },
    { file: 'ag1/cpu.5s.rrd', t: 1700000015, values: [2] },
  ]);
  for (let i = 0; i < 4; i++) await daemon.nextLine();
  daemon.reply("0 Go ahead.  End with dot '.' on its own line.\n1 errors\n7 something odd\n");
  const outcomes = await results;
  t.same(outcomes.map((o) => o.ok), [false, false]);
  t.match(outcomes[0]?.ok === false ? outcomes[0].error.message : '', /unexpected line in a BATCH reply/);
  // the line was counted as part of the batch's reply: the next command gets its own reply
  const ping = client.ping();
  t.equal(await daemon.nextLine(), 'PING');
  daemon.reply('0 PONG\n');
  await ping;
  t.equal(client.closed, false);
});

void t.test('a refused BATCH gives the connection up: its updates fail with RW_ERR_RRDCACHED_DOWN, to be sent again', async (t) => {
  const [a, b] = pair();
  const client = new RrdcachedClient(a);
  const daemon = fakeDaemonSide(b);
  let closedWith: string | undefined;
  client.onClose((why) => { closedWith = why.code; });

  const results = client.updateMany([{ file: 'ag1/cpu.5s.rrd', t: 1700000010, values: [1] }]);
  const later = client.ping();
  for (let i = 0; i < 4; i++) await daemon.nextLine();
  // a daemon out of step would now answer the update and the "." one by one
  daemon.reply('-1 Already in BATCH\n');
  const [o] = await results;
  t.equal(o?.ok === false && o.error.code, 'RW_ERR_RRDCACHED_DOWN');
  await t.rejects(later, { code: 'RW_ERR_RRDCACHED_DOWN' }, 'commands behind it are not matched to the wrong replies');
  t.equal(closedWith, 'RW_ERR_RRDCACHED_DOWN');
  t.equal(client.closed, true);
});

void t.test('CREATE uses -O and treats "file exists" as success', async (t) => {
  const { client, daemon } = connected(t);

  const ds = ['DS:load1:GAUGE:15:U:U'];
  const rra = ['RRA:AVERAGE:0.5:1:10'];
  const first = client.create('ag1/load.5s.rrd', 5, 1699999999, ds, rra);
  t.equal(await daemon.nextLine(), 'CREATE ag1/load.5s.rrd -s 5 -b 1699999999 -O DS:load1:GAUGE:15:U:U RRA:AVERAGE:0.5:1:10');
  daemon.reply('0 RRD created OK\n');
  t.equal(await first, 'created');

  const again = client.create('ag1/load.5s.rrd', 5, 1699999999, ds, rra);
  await daemon.nextLine();
  daemon.reply("-1 RRD Error: creating '/data/rrd/ag1/load.5s.rrd': File exists\n");
  t.equal(await again, 'exists');

  const denied = client.create('ag1/load.5s.rrd', 5, 1699999999, ds, rra);
  await daemon.nextLine();
  daemon.reply("-1 RRD Error: opening '/data/rrd/ag1': Permission denied\n");
  await t.rejects(denied, { code: 'RW_ERR_RRDCACHED' });
});

void t.test('a stream closed with commands pending rejects them all with RW_ERR_RRDCACHED_DOWN', async (t) => {
  const [a, b] = pair();
  const client = new RrdcachedClient(a);
  const daemon = fakeDaemonSide(b);
  let closedWith: string | undefined;
  client.onClose((why) => { closedWith = why.code; });

  const answered = client.update('ag1/cpu.5s.rrd', 1700000005, [1, 2]);
  const pending1 = client.update('ag1/cpu.5s.rrd', 1700000010, [1, 2]);
  const pending2 = client.fetch('ag1/cpu.5s.rrd', 'AVERAGE', 1700000000, 1700000030);
  await daemon.nextLine();
  await daemon.nextLine();
  await daemon.nextLine();
  daemon.reply('0 errors, enqueued 1 value(s).\n');
  await answered;
  // half a FETCH reply, then the daemon dies
  daemon.reply('0 errors, enqueued 1 value(s).\n13 Success\nFlushVersion: 1\n');
  await pending1;
  b.end(); // the daemon side closes: on a socket this is the FIN of a dying rrdcached
  await t.rejects(pending2, { code: 'RW_ERR_RRDCACHED_DOWN' });
  t.equal(closedWith, 'RW_ERR_RRDCACHED_DOWN', 'close listeners are told');
  t.equal(client.closed, true);
  await t.rejects(client.ping(), { code: 'RW_ERR_RRDCACHED_DOWN' }, 'later commands fail at once');
});

void t.test('a stream error rejects pending commands with RW_ERR_RRDCACHED_DOWN', async (t) => {
  const [a, b] = pair();
  const client = new RrdcachedClient(a);
  fakeDaemonSide(b);
  const p = client.ping();
  a.destroy(new Error('EPIPE'));
  const err: unknown = await p.catch((e: unknown) => e);
  t.ok(isRwError(err, 'RW_ERR_RRDCACHED_DOWN'));
});

void t.test('arguments that would break the line protocol are refused before sending', async (t) => {
  const { client, daemon } = connected(t);
  await t.rejects(client.update('ag1/a b.rrd', 1, [1]), { code: 'RW_ERR_INTERNAL' });
  await t.rejects(client.send('PING\nFLUSHALL'), { code: 'RW_ERR_INTERNAL' });
  const [o] = await client.updateMany([{ file: 'x\ny.rrd', t: 1, values: [1] }]);
  t.equal(o?.ok, false);
  t.equal(daemon.lines.length, 0, 'nothing reached the daemon');
});

void t.test('a FETCH reply whose rows do not match DSCount is an error', (t) => {
  t.throws(() => parseFetch(['FlushVersion: 1', 'Start: 0', 'End: 10', 'Step: 5', 'DSCount: 2', 'DSName: a b', '5: 1']), { code: 'RW_ERR_RRDCACHED' });
  t.throws(() => parseFetch(['Start: 0', 'End: 10', 'Step: 5', 'DSCount: 2', 'DSName: a']), { code: 'RW_ERR_RRDCACHED' });
  t.end();
});
