// The durable SMS outbox (S12) against a real SQLite file and a scripted transport, in virtual
// time: the state machine, retries by the modem's error class, dedupe, the persisted concat
// reference, status reports, and recovery of a message left 'sending' by a killed process.
import path from 'node:path';
import t, { type Test } from 'tap';
import type { OutboxEntry } from '../../../../contract/alerts-api.js';
import { silentLogger } from '../../../../core/logger.js';
import { openDatabase, type Db } from '../../../../appliance/db/database.js';
import { ModemError, classifyCms } from '../../../../gsm/modem/index.js';
import { SmsOutbox, classifySendError, type SentPart, type SmsOutboxOptions, type SmsSendRequest, type SmsTransport } from '../../../../appliance/alerting/outbox/sms-outbox.js';
import { segmentText } from '../../../../gsm/sms/index.js';
import { VirtualClock, settle } from '../../../helpers/virtual-clock.js';

const T0 = Date.UTC(2025, 2, 3, 5, 2, 0);

/** 'ok', fail at once, hang, or fail after the modem accepted `accepted` parts */
type Behaviour = 'ok' | Error | 'hang' | { accepted: number; then: Error };

interface Call {
  to: string;
  text: string;
  concatRef: number | undefined;
  statusReport: boolean;
  firstPart: number;
  at: number;
}

/** A transport that follows a script (default: every send succeeds) and records every call. */
class ScriptedTransport implements SmsTransport {
  ready = true;
  readonly calls: Call[] = [];
  readonly script: Behaviour[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** every part the "modem" accepted, in order */
  readonly partsSent: (SentPart & { concatRef: number | undefined })[] = [];
  private mr = 0;
  private readonly hanging: (() => void)[] = [];

  constructor(private readonly clock: VirtualClock) {}

  isReady(): boolean {
    return this.ready;
  }

  async send(req: SmsSendRequest): Promise<{ parts: SentPart[] }> {
    const firstPart = req.firstPart ?? 0;
    this.calls.push({ to: req.to, text: req.text, concatRef: req.concatRef, statusReport: req.statusReport, firstPart, at: this.clock.now() });
    const behaviour = this.script.shift() ?? 'ok';
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (behaviour === 'hang') await new Promise<void>((resolve) => this.hanging.push(resolve));
      else await Promise.resolve();
      if (behaviour instanceof Error) throw behaviour;
      const total = segmentText(req.text).segments.length;
      const last = behaviour === 'ok' || behaviour === 'hang' ? total : Math.min(total, firstPart + behaviour.accepted);
      const parts: SentPart[] = [];
      for (let seq = firstPart; seq < last; seq++) {
        const part = { seq, mr: this.mr++ & 0xff };
        parts.push(part);
        this.partsSent.push({ ...part, concatRef: req.concatRef });
        req.onPartSent?.(part);
      }
      if (typeof behaviour === 'object' && !(behaviour instanceof Error)) throw behaviour.then;
      return { parts };
    } finally {
      this.inFlight--;
    }
  }

  release(): void {
    for (const r of this.hanging.splice(0)) r();
  }
}

const cms = (code: number): ModemError => new ModemError('RW_ERR_MODEM_CMS', { command: 'AT+CMGS=20', phase: 'final', classification: classifyCms(code) });

interface Rig {
  db: Db;
  clock: VirtualClock;
  transport: ScriptedTransport;
  outbox: SmsOutbox;
  changes: OutboxEntry[];
}

function rig(t: Test, options: { file?: string; clock?: VirtualClock; outbox?: SmsOutboxOptions; start?: boolean } = {}): Rig {
  const db = openDatabase(options.file ?? path.join(t.testdir(), 'rackwatch.sqlite'));
  const clock = options.clock ?? new VirtualClock(T0);
  const transport = new ScriptedTransport(clock);
  const changes: OutboxEntry[] = [];
  const outbox = new SmsOutbox({ db, clock, logger: silentLogger, transport, onChange: (e) => changes.push(e), ...(options.outbox ? { options: options.outbox } : {}) });
  if (options.start !== false) outbox.start();
  t.teardown(async () => {
    await outbox.stop();
    transport.release();
    await settle();
    db.close();
  });
  return { db, clock, transport, outbox, changes };
}

const msg = (n: number, text = `alert ${n}`): Parameters<SmsOutbox['enqueue']>[0] => ({
  to: '+821012345678', text, kind: 'fired', contactId: 'kim', alertIds: [n], dedupeKey: `alert:${n}:fired:critical:kim`,
});

void t.test('a message goes queued → sending → sent with its message references, then delivered by a status report', async (t) => {
  const r = rig(t);
  const { entry, created } = r.outbox.enqueue(msg(1));
  t.ok(created);
  t.equal(entry.state, 'queued');
  await r.clock.advance(0);
  const sent = r.outbox.get(entry.id);
  t.equal(sent?.state, 'sent');
  t.same(sent?.parts, [{ mr: 0, delivery: 'pending' }]);
  t.equal(sent?.attempts, 1);
  t.same(r.changes.map((c) => c.state), ['queued', 'sending', 'sent'], 'every state change is announced');
  t.equal(r.transport.calls[0]?.statusReport, true, 'a status report is requested');

  t.equal(r.outbox.handleStatusReport({ mr: 0, recipient: '01012345678', statusClass: 'pending' }), false, "a 'still trying' report changes nothing");
  t.equal(r.outbox.handleStatusReport({ mr: 0, recipient: '01012345678', statusClass: 'delivered' }), true, 'matched by mr and the recipient in another format');
  const delivered = r.outbox.get(entry.id);
  t.equal(delivered?.state, 'delivered');
  t.equal(delivered?.deliveredAt, T0);
  t.equal(r.outbox.handleStatusReport({ mr: 0, recipient: '+821099999999', statusClass: 'delivered' }), false, 'another recipient does not match');
  t.same(r.outbox.counters(), { queued: 0, sending: 0, sent: 0, delivered: 1, failed: 0, retries: 0 });
});

void t.test('a multi-part message is delivered only when every part is; a failed part fails it', async (t) => {
  const r = rig(t);
  const long = r.outbox.enqueue(msg(1, 'x'.repeat(200))).entry;
  const other = r.outbox.enqueue(msg(2, 'y'.repeat(200))).entry;
  await r.clock.advance(0);
  t.same(r.outbox.get(long.id)?.parts.map((p) => p.mr), [0, 1]);
  r.outbox.handleStatusReport({ mr: 0, recipient: '+821012345678', statusClass: 'delivered' });
  t.equal(r.outbox.get(long.id)?.state, 'sent', 'one part of two');
  r.outbox.handleStatusReport({ mr: 1, recipient: '+821012345678', statusClass: 'delivered' });
  t.equal(r.outbox.get(long.id)?.state, 'delivered');
  r.outbox.handleStatusReport({ mr: 3, recipient: '+821012345678', statusClass: 'failed', status: 0x41 });
  const failed = r.outbox.get(other.id);
  t.equal(failed?.state, 'failed');
  t.equal(failed?.lastError?.code, 'RW_ERR_SMS_FAILED');
  t.match(r.outbox.alarm?.message ?? '', /could not deliver/);
});

void t.test('the same dedupeKey is queued once', async (t) => {
  const r = rig(t);
  const a = r.outbox.enqueue(msg(1));
  const b = r.outbox.enqueue({ ...msg(1), text: 'something else' });
  t.ok(a.created);
  t.notOk(b.created, 'the second one is refused');
  t.equal(b.entry.id, a.entry.id);
  await r.clock.advance(0);
  t.equal(r.transport.calls.length, 1);
  t.notOk(r.outbox.enqueue(msg(1)).created, 'also after it was sent');
  t.equal(r.outbox.list().length, 1);
});

void t.test('transient errors back off from 5 s doubling to 2 min, then the message is sent', async (t) => {
  const r = rig(t);
  // network failure, congestion, module error, timeout, port gone, … then success
  r.transport.script.push(cms(38), cms(42), cms(500), new ModemError('RW_ERR_MODEM_TIMEOUT'), new ModemError('RW_ERR_MODEM_GONE'), cms(17), cms(41), 'ok');
  const { entry } = r.outbox.enqueue(msg(1));
  await r.clock.advance(0);
  t.equal(r.outbox.get(entry.id)?.state, 'queued', 'back in the queue');
  t.equal(r.outbox.get(entry.id)?.lastError?.class, 'transient-network');
  t.equal(r.outbox.get(entry.id)?.nextAttemptAt, T0 + 5_000);
  await r.clock.advance(4_999);
  t.equal(r.transport.calls.length, 1, 'not before the back-off');
  await r.clock.advance(1);
  t.equal(r.transport.calls.length, 2);
  await r.clock.advance(10 * 60_000);
  t.equal(r.outbox.get(entry.id)?.state, 'sent');
  const gaps = r.transport.calls.slice(1).map((c, i) => c.at - (r.transport.calls[i]?.at ?? 0));
  t.same(gaps, [5_000, 10_000, 20_000, 40_000, 80_000, 120_000, 120_000], 'doubling, capped at 2 min');
  t.equal(r.outbox.get(entry.id)?.attempts, 8);
  t.equal(r.outbox.counters().retries, 7);
});

void t.test('a state error waits until the modem is ready again', async (t) => {
  const r = rig(t);
  r.transport.script.push(cms(302));
  const { entry } = r.outbox.enqueue(msg(1));
  await r.clock.advance(0);
  t.equal(r.outbox.get(entry.id)?.state, 'queued');
  r.transport.ready = false;
  await r.clock.advance(20_000);
  t.equal(r.transport.calls.length, 1, 'nothing is sent while the modem is not ready');
  r.transport.ready = true;
  r.outbox.transportChanged();
  await r.clock.advance(0);
  t.equal(r.outbox.get(entry.id)?.state, 'sent', 'sent as soon as the modem is ready, not after the fallback wait');
  t.equal(r.transport.calls.length, 2);
  t.equal(r.transport.calls[1]?.at, T0 + 20_000);

  t.equal(classifySendError(new ModemError('RW_ERR_MODEM_NOT_READY')), 'state');
  t.equal(classifySendError(cms(311)), 'state');
  t.equal(classifySendError(cms(330)), 'state');
});

void t.test('permanent and fatal errors fail at once and raise the alarm', async (t) => {
  const r = rig(t);
  r.transport.script.push(cms(304), cms(316));
  const a = r.outbox.enqueue(msg(1)).entry;
  const b = r.outbox.enqueue(msg(2)).entry;
  await r.clock.advance(0);
  t.equal(r.outbox.get(a.id)?.state, 'failed', 'malformed PDU: permanent');
  t.equal(r.outbox.get(b.id)?.state, 'failed', 'PUK: fatal');
  t.equal(r.outbox.get(b.id)?.lastError?.class, 'fatal');
  await r.clock.advance(10 * 60_000);
  t.equal(r.transport.calls.length, 2, 'never retried');
  t.equal(r.outbox.alarm?.code, 'RW_ERR_SMS_FAILED');
  t.same(r.outbox.counters(), { queued: 0, sending: 0, sent: 0, delivered: 0, failed: 2, retries: 0 });
});

void t.test('one worker sends one message at a time, oldest first', async (t) => {
  const r = rig(t);
  for (let i = 1; i <= 5; i++) r.outbox.enqueue(msg(i));
  await r.clock.advance(0);
  t.equal(r.transport.maxInFlight, 1);
  t.same(r.transport.calls.map((c) => c.text), ['alert 1', 'alert 2', 'alert 3', 'alert 4', 'alert 5']);
});

void t.test('a message left in sending by a killed process is sent again after the restart, once', async (t) => {
  const file = path.join(t.testdir(), 'crash.sqlite');
  const clock = new VirtualClock(T0);
  // process 1: the send hangs (the modem holds the +CMGS result) and the process is "killed":
  // nothing is stopped, the database file is simply left as it is
  const db1 = openDatabase(file);
  const t1 = new ScriptedTransport(clock);
  t1.script.push('hang');
  const o1 = new SmsOutbox({ db: db1, clock, logger: silentLogger, transport: t1 });
  o1.start();
  const { entry } = o1.enqueue(msg(1));
  await clock.advance(0);
  t.equal(o1.get(entry.id)?.state, 'sending', 'committed as sending before the modem answered');
  t.equal(t1.calls.length, 1);

  // process 2 on the same file
  const r = rig(t, { file, clock, start: false });
  t.equal(r.outbox.get(entry.id)?.state, 'sending');
  r.outbox.start();
  await clock.advance(0);
  const after = r.outbox.get(entry.id);
  t.equal(after?.state, 'sent');
  t.equal(after?.attempts, 2);
  t.equal(r.transport.calls.length, 1, 'sent again exactly once: at most one duplicate, never a loss');
  t.equal(r.outbox.list().length, 1);
  // the abandoned process's send finally returns: its worker no longer owns anything
  const stopped = o1.stop();
  t1.release();
  await stopped;
  await settle();
  t.equal(r.outbox.get(entry.id)?.attempts, 2, 'and it writes nothing');
  db1.close();
});

void t.test('stop() lets the message in flight finish, or leaves it to be resent', async (t) => {
  const r = rig(t, { outbox: { drainTimeoutMs: 1_000 } });
  r.transport.script.push('hang');
  const { entry } = r.outbox.enqueue(msg(1));
  await r.clock.advance(0);
  const stopping = r.outbox.stop();
  await r.clock.advance(1_000);
  await stopping;
  t.equal(r.outbox.get(entry.id)?.state, 'sending', 'a send still running after the drain time stays sending');
  r.transport.release();
  await settle();
  t.equal(r.outbox.get(entry.id)?.state, 'sending', 'its late result is ignored: the next start resends it');
});

void t.test('the concat reference is persisted, wraps at 255 and is reused by every attempt of a message', async (t) => {
  const file = path.join(t.testdir(), 'ref.sqlite');
  {
    const db = openDatabase(file);
    db.prepare("INSERT INTO settings (key, value) VALUES ('sms.concat-ref', '253')").run();
    db.close();
  }
  const r = rig(t, { file });
  t.equal(r.outbox.nextConcatRef(), 254);
  r.transport.script.push(cms(38));
  const { entry } = r.outbox.enqueue(msg(1, 'z'.repeat(200)));
  t.equal(entry.concatRef, 255, 'taken when queued');
  const single = r.outbox.enqueue(msg(2, 'short')).entry;
  t.equal(single.concatRef, null, 'a one-part message needs none');
  t.equal(r.outbox.nextConcatRef(), 0, 'wraps to 0');
  await r.clock.advance(10_000);
  t.equal(r.outbox.get(entry.id)?.state, 'sent');
  const attempts = r.transport.calls.filter((c) => c.text.startsWith('z'));
  t.equal(attempts.length, 2);
  t.same(attempts.map((c) => c.concatRef), [255, 255], 'the retry reuses the reference');
  await r.outbox.stop();
  r.db.close();
  const reopened = openDatabase(file);
  t.teardown(() => reopened.close());
  const o = new SmsOutbox({ db: reopened, clock: r.clock, logger: silentLogger, transport: null });
  t.equal(o.nextConcatRef(), 1, 'the counter survives a restart');
});

// RES: 5 UCS2 parts (Korean), a modem that refuses every 3rd submit; before the fix every retry began at part 1 again and the message never completed
const KOREAN_5_PARTS = '서버 경보: web-01의 디스크 사용률이 95%를 넘었습니다. 즉시 확인하세요. '.repeat(9).slice(0, 330);

void t.test('a multi-part message that fails midway resumes at the first part not accepted, with the same reference (RES)', async (t) => {
  const r = rig(t, { outbox: { backoffInitialMs: 1_000 } });
  t.equal(segmentText(KOREAN_5_PARTS).segments.length, 5);
  r.transport.script.push({ accepted: 2, then: cms(500) }, { accepted: 2, then: cms(500) });
  const { entry } = r.outbox.enqueue(msg(1, KOREAN_5_PARTS));
  await r.clock.advance(0);
  t.equal(r.outbox.get(entry.id)?.state, 'queued', 'a retry is due');
  t.same(r.outbox.get(entry.id)?.parts.map((p) => p.mr), [0, 1], 'the parts accepted are kept');
  await r.clock.advance(10_000);
  const sent = r.outbox.get(entry.id);
  t.equal(sent?.state, 'sent');
  t.equal(sent?.attempts, 3);
  t.same(r.transport.calls.map((c) => c.firstPart), [0, 2, 4], 'each attempt starts at the first part not accepted');
  t.same(r.transport.partsSent.map((p) => p.seq), [0, 1, 2, 3, 4], 'every part went out once');
  t.same(new Set(r.transport.partsSent.map((p) => p.concatRef)), new Set([entry.concatRef]), 'all with the reference taken when queued');
  t.equal(sent?.parts.length, 5);
});

void t.test('the reports of the first parts may come before the last part is sent: the message is delivered when all are in (RES)', async (t) => {
  const r = rig(t, { outbox: { backoffInitialMs: 1_000 } });
  r.transport.script.push({ accepted: 3, then: cms(500) });
  const { entry } = r.outbox.enqueue(msg(1, KOREAN_5_PARTS));
  await r.clock.advance(0);
  for (const mr of [0, 1, 2]) r.outbox.handleStatusReport({ mr, recipient: '+821012345678', statusClass: 'delivered' });
  t.equal(r.outbox.get(entry.id)?.state, 'queued', 'not delivered while parts are missing');
  await r.clock.advance(1_000);
  t.equal(r.outbox.get(entry.id)?.state, 'sent');
  t.same(r.outbox.get(entry.id)?.parts.map((p) => p.delivery), ['delivered', 'delivered', 'delivered', 'pending', 'pending'], 'the early reports are kept');
  for (const mr of [3, 4]) r.outbox.handleStatusReport({ mr, recipient: '+821012345678', statusClass: 'delivered' });
  t.equal(r.outbox.get(entry.id)?.state, 'delivered');
});

void t.test('a message interrupted midway by a killed process resumes after the restart at the first part not accepted (RES)', async (t) => {
  const file = path.join(t.testdir(), 'resume.sqlite');
  const clock = new VirtualClock(T0);
  const db1 = openDatabase(file);
  const t1 = new ScriptedTransport(clock);
  // parts 1 and 2 accepted, then the process dies while part 3 is in flight
  t1.script.push({ accepted: 2, then: new Error('never seen: the process is gone') });
  const o1 = new SmsOutbox({ db: db1, clock, logger: silentLogger, transport: t1 });
  const origSend = t1.send.bind(t1);
  t1.send = async (req) => {
    await origSend(req).catch(() => undefined);
    return new Promise(() => undefined); // "killed": no answer ever
  };
  o1.start();
  const { entry } = o1.enqueue(msg(1, KOREAN_5_PARTS));
  await clock.advance(0);
  t.equal(o1.get(entry.id)?.state, 'sending');
  t.equal(o1.get(entry.id)?.parts.length, 2, 'each accepted part was committed at once');

  const r = rig(t, { file, clock });
  await clock.advance(0);
  const after = r.outbox.get(entry.id);
  t.equal(after?.state, 'sent');
  t.same(r.transport.calls.map((c) => [c.firstPart, c.concatRef]), [[2, entry.concatRef]], 'resumed at part 3 with the same reference');
  t.same(after?.parts.map((p) => p.mr), [0, 1, 0, 1, 2], 'parts 1–2 from the first process, 3–5 from the second');
  db1.close();
});

void t.test('a message not sent within maxAgeMs fails as expired', async (t) => {
  const r = rig(t, { outbox: { maxAgeMs: 60_000 } });
  r.transport.ready = false;
  const { entry } = r.outbox.enqueue(msg(1));
  await r.clock.advance(61_000);
  r.transport.ready = true;
  r.outbox.transportChanged();
  await r.clock.advance(0);
  t.equal(r.outbox.get(entry.id)?.state, 'failed');
  t.match(r.outbox.get(entry.id)?.lastError?.message ?? '', /expired/);
  t.equal(r.transport.calls.length, 0);
});

void t.test('without a modem nothing can be queued', (t) => {
  const db = openDatabase(path.join(t.testdir(), 'none.sqlite'));
  t.teardown(() => db.close());
  const o = new SmsOutbox({ db, clock: new VirtualClock(T0), logger: silentLogger, transport: null });
  o.start();
  t.throws(() => o.enqueue(msg(1)), { code: 'RW_ERR_MODEM_DISABLED' });
  t.throws(() => new SmsOutbox({ db, clock: new VirtualClock(T0), logger: silentLogger, transport: { isReady: () => true, send: () => Promise.reject(new Error('x')) } }).enqueue(msg(2, '가'.repeat(70 * 300))), { code: 'RW_ERR_SMS_TOO_LONG' });
  t.end();
});
