// The durable SMS outbox (S12, D4; notes/sms.md §1): every message is a row in SQLite before the
// modem sees it, and one worker owns the transport and sends one message at a time.
//
//   queued ──► sending ──► sent ──► delivered          (status reports, +CDSI)
//     ▲           │          └────► failed             (a report said undeliverable)
//     └─ retry ◄──┤
//                 └──────► failed                      (permanent / fatal error, or too old)
//
// - Dedupe: `dedupeKey` is UNIQUE; queuing the same key again returns the existing row.
// - Retries by the driver's error class (gsm/modem/cms-errors.ts): transient (network,
//   module, timeout, port gone, modem rebooted) back off 5 s doubling to 2 min; 'state' (wrong
//   mode, PIN, storage, SMSC, modem not ready) waits until the modem is ready again; permanent and
//   fatal fail at once and raise the alarm (log + health). A message still not sent after
//   `maxAgeMs` fails as expired.
// - The 'sending' mark is committed before AT+CMGS is written. A row found in 'sending' at start
//   (the process died mid-send) is queued again: the recipient may get it twice, never zero times.
// - Every attempt of a multi-part message reuses the concat reference stored with it, taken from
//   a persisted counter (0–255, wrapping), so retried parts join the same message on the handset.
// - Each part the modem accepts is committed (sms_outbox_parts) before the next one is written, and
//   a retry, also after a restart, resumes at the first part not yet accepted (RES): a modem that
//   fails every nth send still gets a long message through, and each part goes out at most twice
//   (once more only when the process died, or the modem timed out, while that part was in flight).
import type { OutboxEntry, OutboxKind, OutboxPart, OutboxState, SmsCounters } from '../../../contract/alerts-api.js';
import { RwError } from '../../../contract/errors.js';
import type { Clock } from '../../../core/clock.js';
import type { Logger } from '../../../core/logger.js';
import type { Db } from '../../db/database.js';
import { segmentText } from '../../../gsm/sms/index.js';

/** What the outbox needs from the modem driver (appliance/notify/modem-transport.ts adapts it). */

/**
 * An outbox row (`o`) about an alert this appliance has already texted: the standby of a pair
 * that texted an alert while the primary was down also texts what follows it (its recovery) after
 * the primary is back, since the primary may never have seen that alert (docs/standby.md "SMS:
 * who sends"). Such rows are neither held nor retired.
 */
const TEXTED_HERE = `EXISTS (SELECT 1 FROM json_each(o.alert_ids) a WHERE EXISTS (
  SELECT 1 FROM sms_outbox s, json_each(s.alert_ids) b WHERE s.state IN ('sent', 'delivered') AND s.id <> o.id AND b.value = a.value))`;

export interface SmsTransport {
  /** true when a send can start now (the driver's state is 'ready') */
  isReady(): boolean;
  /**
   * Sends the parts from `firstPart` (0-based; default 0) on and calls `onPartSent` as soon as the
   * modem accepted each one. Resolves with the parts sent by this call.
   */
  send(req: SmsSendRequest): Promise<{ parts: readonly SentPart[] }>;
}

export interface SentPart {
  /** the part's index in the message, 0-based */
  seq: number;
  /** the TP-MR the modem assigned */
  mr: number;
}

export interface SmsSendRequest {
  to: string;
  text: string;
  concatRef?: number;
  statusReport: boolean;
  firstPart?: number;
  onPartSent?: (part: SentPart) => void;
}

export interface SmsToQueue {
  to: string;
  text: string;
  kind: OutboxKind;
  contactId?: string | null;
  alertIds?: readonly number[];
  dedupeKey: string;
}

export type ErrorClass = 'transient' | 'state' | 'permanent' | 'fatal';

export interface SmsOutboxOptions {
  /** first back-off of a transient failure (default 5 s) */
  backoffInitialMs?: number;
  /** largest back-off (default 2 min) */
  backoffMaxMs?: number;
  /** a 'state' failure is retried after this long even if the modem never reports ready (default 60 s) */
  stateRetryMs?: number;
  /** poll period while the transport is not ready (default 2 s) */
  notReadyPollMs?: number;
  /** a message not sent after this long fails as expired (default 24 h) */
  maxAgeMs?: number;
  /** stop() waits this long for the message being sent (default 5 s); after it the row stays 'sending' and is resent at the next start */
  drainTimeoutMs?: number;
  /** ask the SMSC for status reports (default true) */
  statusReports?: boolean;
  /** status reports match parts sent within this window (default 72 h) */
  reportWindowMs?: number;
}

export interface SmsOutboxDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  /** null with --modem none: messages can be listed but nothing is queued or sent */
  transport: SmsTransport | null;
  /** every state change of an entry (the live hub) */
  onChange?: (entry: OutboxEntry) => void;
  options?: SmsOutboxOptions;
  /** a write failed in the worker (RES: a full or read-only disk): told, and the worker tries again after backoffInitialMs */
  onWriteError?: (where: string, err: unknown) => void;
  /**
   * The standby of a pair holds its SMS while it hears the primary (S13, B4; docs/standby.md):
   * non-null, nothing is sent, and queued messages created before `retireCreatedBefore` (ms) are
   * retired as sent by the primary. Asked before every send; `holdChanged()` wakes the worker.
   */
  hold?: () => SmsHold | null;
}

export interface SmsHold {
  retireCreatedBefore: number;
  /** who sends instead, for the retired messages' error */
  primary: string;
}

interface Row {
  id: number;
  to_number: string;
  contact_id: string | null;
  kind: string;
  text: string;
  alert_ids: string;
  dedupe_key: string;
  state: OutboxState;
  attempts: number;
  created_at: number;
  updated_at: number;
  next_attempt_at: number | null;
  sent_at: number | null;
  delivered_at: number | null;
  concat_ref: number | null;
  error_class: string | null;
  last_error: string | null;
}

interface PartRow {
  outbox_id: number;
  seq: number;
  mr: number;
  delivery: OutboxPart['delivery'];
}

const CONCAT_REF_KEY = 'sms.concat-ref';

/** The class of a send failure: the driver's classification when it has one, else by code. */
export function classifySendError(e: unknown): ErrorClass {
  const err = e as { code?: unknown; classification?: { class?: unknown } } | null;
  const cls = err?.classification?.class;
  switch (cls) {
    case 'transient-network':
    case 'transient-module':
    case 'benign':
      return 'transient';
    case 'state':
      return 'state';
    case 'permanent':
      return 'permanent';
    case 'fatal':
      return 'fatal';
    default:
      break;
  }
  switch (err?.code) {
    case 'RW_ERR_MODEM_NOT_READY':
      return 'state';
    case 'RW_ERR_MODEM_PIN':
    case 'RW_ERR_MODEM_SIM':
      return 'fatal';
    case 'RW_ERR_SMS_ENCODE':
    case 'RW_ERR_SMS_TOO_LONG':
    case 'RW_ERR_PDU':
      return 'permanent';
    default:
      // timeouts, an unplugged port, a rebooted modem, anything unknown: a duplicate beats a loss
      return 'transient';
  }
}

export class SmsOutbox {
  private readonly o: Required<SmsOutboxOptions>;
  private running = false;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private wakeTimer: unknown = null;
  private retries = 0;
  private alarmState: { code: string; message: string; at: number } | null = null;

  constructor(private readonly deps: SmsOutboxDeps) {
    this.o = {
      backoffInitialMs: 5_000,
      backoffMaxMs: 120_000,
      stateRetryMs: 60_000,
      notReadyPollMs: 2_000,
      maxAgeMs: 24 * 3_600_000,
      drainTimeoutMs: 5_000,
      statusReports: true,
      reportWindowMs: 72 * 3_600_000,
      ...deps.options,
    };
  }

  get enabled(): boolean {
    return this.deps.transport !== null;
  }

  /** The last failure that needs a person (permanent or fatal), for health and the API. */
  get alarm(): { code: string; message: string; at: number } | null {
    return this.alarmState;
  }

  /** Recovers rows a killed process left in 'sending', then starts the worker. */
  start(): void {
    if (this.running) return;
    const now = this.deps.clock.now();
    const stuck = this.deps.db.prepare<[], Row>("SELECT * FROM sms_outbox WHERE state = 'sending' ORDER BY id").all();
    for (const row of stuck) {
      // the parts the modem accepted before the crash stay committed: the resend starts after them
      const resumeAt = this.partsSent(row.id);
      this.deps.logger.warn('resending an SMS that was being sent when the process stopped (the recipient may get it twice)', { id: row.id, to: row.to_number, attempts: row.attempts, resumeAtPart: resumeAt + 1 });
      this.deps.db.prepare("UPDATE sms_outbox SET state = 'queued', next_attempt_at = ?, updated_at = ? WHERE id = ?").run(now, now, row.id);
    }
    if (!this.deps.transport) return;
    this.running = true;
    this.loop = this.run().catch((e: unknown) => this.deps.logger.error('SMS outbox worker stopped on an error', { err: e }));
  }

  /**
   * Stops the worker: no new send starts; the one in flight gets `drainTimeoutMs` to finish. A
   * send still running after that stays 'sending' and is resent at the next start.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    const loop = this.loop;
    this.loop = null;
    if (!loop) return;
    let timer: unknown = null;
    const timeout = new Promise<void>((resolve) => {
      timer = this.deps.clock.setTimeout(resolve, this.o.drainTimeoutMs);
    });
    await Promise.race([loop, timeout]);
    this.deps.clock.clearTimeout(timer);
  }

  /** The pair's hold started or ended (docs/standby.md): the worker looks again now. */
  holdChanged(): void {
    this.wake();
  }

  /** The modem became ready (or changed state): messages waiting on its state are due now. */
  transportChanged(): void {
    if (!this.deps.transport?.isReady()) return;
    const now = this.deps.clock.now();
    this.deps.db
      .prepare("UPDATE sms_outbox SET next_attempt_at = ? WHERE state = 'queued' AND error_class = 'state' AND next_attempt_at > ?")
      .run(now, now);
    this.wake();
  }

  /**
   * Queues a message. Returns the stored entry and whether it was new; a message whose dedupeKey
   * is already in the outbox is not queued again. Throws RW_ERR_MODEM_DISABLED without a modem,
   * RW_ERR_SMS_TOO_LONG for a text beyond 255 parts.
   */
  enqueue(msg: SmsToQueue): { entry: OutboxEntry; created: boolean } {
    if (!this.deps.transport) throw new RwError('RW_ERR_MODEM_DISABLED');
    const parts = segmentText(msg.text).segments.length; // throws RW_ERR_SMS_TOO_LONG
    const now = this.deps.clock.now();
    const created = this.deps.db.transaction(() => {
      const existing = this.deps.db.prepare<[string], Row>('SELECT * FROM sms_outbox WHERE dedupe_key = ?').get(msg.dedupeKey);
      if (existing) return { row: existing, created: false };
      const concatRef = parts > 1 ? this.nextConcatRef() : null;
      const info = this.deps.db
        .prepare(
          `INSERT INTO sms_outbox (to_number, contact_id, kind, text, alert_ids, dedupe_key, state, attempts, created_at, updated_at, next_attempt_at, concat_ref)
           VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?)`,
        )
        .run(msg.to, msg.contactId ?? null, msg.kind, msg.text, JSON.stringify(msg.alertIds ?? []), msg.dedupeKey, now, now, now, concatRef);
      return { row: this.row(Number(info.lastInsertRowid)), created: true };
    })();
    const entry = this.entryOf(created.row);
    if (created.created) {
      this.deps.logger.debug('SMS queued', { id: entry.id, to: entry.to, kind: entry.kind, dedupeKey: entry.dedupeKey });
      this.changed(entry);
      this.wake();
    }
    return { entry, created: created.created };
  }

  /** The next concatenation reference (0–255, wrapping), persisted so a restart does not reuse recent ones. */
  nextConcatRef(): number {
    return this.deps.db.transaction(() => {
      const row = this.deps.db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?').get(CONCAT_REF_KEY);
      const ref = row ? (Number(row.value) + 1) & 0xff : 0;
      this.deps.db
        .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
        .run(CONCAT_REF_KEY, String(ref));
      return ref;
    })();
  }

  /**
   * A status report (+CDSI) for the part with TP-MR `mr` sent to `recipient`: the newest such part
   * inside the report window. 'pending' reports change nothing; a message is delivered when every
   * part is, failed when any part failed.
   */
  handleStatusReport(report: { mr: number; recipient: string; statusClass: 'delivered' | 'pending' | 'failed'; status?: number }): boolean {
    if (report.statusClass === 'pending') return false;
    const now = this.deps.clock.now();
    const candidates = this.deps.db
      .prepare<[number, number], PartRow & { to_number: string }>(
        `SELECT p.outbox_id, p.seq, p.mr, p.delivery, o.to_number FROM sms_outbox_parts p JOIN sms_outbox o ON o.id = p.outbox_id
         WHERE p.mr = ? AND p.sent_at >= ? AND p.delivery = 'pending' ORDER BY p.sent_at DESC, p.outbox_id DESC`,
      )
      .all(report.mr, now - this.o.reportWindowMs);
    const part = candidates.find((c) => sameNumber(c.to_number, report.recipient));
    if (!part) {
      this.deps.logger.debug('status report matches no sent part', { mr: report.mr, recipient: report.recipient });
      return false;
    }
    const entry = this.deps.db.transaction(() => {
      this.deps.db.prepare('UPDATE sms_outbox_parts SET delivery = ? WHERE outbox_id = ? AND seq = ?').run(report.statusClass, part.outbox_id, part.seq);
      const status = report.status === undefined ? '' : ` (TP-ST 0x${report.status.toString(16).padStart(2, '0')})`;
      return this.settleDelivery(part.outbox_id, report.statusClass === 'failed' ? { seq: part.seq, note: status } : undefined);
    })();
    if (entry) this.changed(entry);
    return true;
  }

  /**
   * A sent message is delivered when every part is, failed when any part failed. The reports of
   * the first parts of a resumed message may come in before its last part is sent, so this runs
   * on every report and again when the message is marked sent. Returns the entry if it changed.
   */
  private settleDelivery(id: number, reported?: { seq: number; note: string }): OutboxEntry | null {
    const row = this.row(id);
    if (row.state !== 'sent') return null;
    const parts = this.deps.db.prepare<[number], PartRow>('SELECT * FROM sms_outbox_parts WHERE outbox_id = ? ORDER BY seq').all(id);
    const now = this.deps.clock.now();
    const failed = parts.find((p) => p.delivery === 'failed');
    if (failed) {
      const error = { code: 'RW_ERR_SMS_FAILED', message: `the network reported part ${failed.seq + 1} undeliverable${reported?.seq === failed.seq ? reported.note : ''}`, class: 'permanent' };
      this.deps.db.prepare("UPDATE sms_outbox SET state = 'failed', updated_at = ?, error_class = 'permanent', last_error = ? WHERE id = ?").run(now, JSON.stringify(error), id);
      const entry = this.entryOf(this.row(id));
      this.raiseAlarm(entry, 'the network could not deliver an SMS');
      return entry;
    }
    if (parts.length > 0 && parts.length === segmentText(row.text).segments.length && parts.every((p) => p.delivery === 'delivered')) {
      this.deps.db.prepare("UPDATE sms_outbox SET state = 'delivered', delivered_at = ?, updated_at = ? WHERE id = ?").run(now, now, id);
    }
    return this.entryOf(this.row(id));
  }

  get(id: number): OutboxEntry | null {
    const row = this.deps.db.prepare<[number], Row>('SELECT * FROM sms_outbox WHERE id = ?').get(id);
    return row ? this.entryOf(row) : null;
  }

  /** Entries newest first. */
  list(query: { states?: readonly OutboxState[]; limit?: number; beforeId?: number; alertId?: number } = {}): OutboxEntry[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.states && query.states.length > 0) {
      where.push(`state IN (${query.states.map(() => '?').join(', ')})`);
      params.push(...query.states);
    }
    if (query.beforeId !== undefined) {
      where.push('id < ?');
      params.push(query.beforeId);
    }
    if (query.alertId !== undefined) {
      where.push('EXISTS (SELECT 1 FROM json_each(alert_ids) WHERE value = ?)');
      params.push(query.alertId);
    }
    const limit = Math.min(Math.max(1, Math.floor(query.limit ?? 100)), 1000);
    const sql = `SELECT * FROM sms_outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`;
    return this.deps.db.prepare<(string | number)[], Row>(sql).all(...params).map((r) => this.entryOf(r));
  }

  counters(): SmsCounters {
    const out: SmsCounters = { queued: 0, sending: 0, sent: 0, delivered: 0, failed: 0, retries: this.retries };
    for (const r of this.deps.db.prepare<[], { state: OutboxState; n: number }>('SELECT state, count(*) AS n FROM sms_outbox GROUP BY state').all()) {
      out[r.state] = r.n;
    }
    return out;
  }

  // --- the worker -------------------------------------------------------------------------------

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = null;
    w?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        this.deps.clock.clearTimeout(this.wakeTimer);
        this.wakeTimer = null;
        this.wakeUp = null;
        resolve();
      };
      this.wakeUp = done;
      this.wakeTimer = this.deps.clock.setTimeout(done, Math.max(0, ms));
    });
  }

  private async run(): Promise<void> {
    const transport = this.deps.transport;
    if (!transport) return;
    while (this.running) {
      try {
        await this.step(transport);
      } catch (e) {
        // RES: a full or read-only disk must not stop the worker for good
        this.deps.logger.error('SMS outbox worker step failed; trying again', { err: e, inMs: this.o.backoffInitialMs });
        this.deps.onWriteError?.('sms outbox', e);
        await this.sleep(this.o.backoffInitialMs);
      }
    }
  }

  private async step(transport: SmsTransport): Promise<void> {
    const hold = this.deps.hold?.() ?? null;
    if (hold) this.retireHeld(hold);
    {
      if (!transport.isReady()) {
        await this.sleep(this.o.notReadyPollMs);
        return;
      }
      const now = this.deps.clock.now();
      // holding, the standby still sends what follows an alert it texted itself (its recovery)
      const due = this.deps.db
        .prepare<[number], Row>(`SELECT * FROM sms_outbox o WHERE state = 'queued' AND next_attempt_at <= ?${hold ? ` AND ${TEXTED_HERE}` : ''} ORDER BY next_attempt_at, id LIMIT 1`)
        .get(now);
      if (!due && hold) {
        await this.sleep(this.o.notReadyPollMs);
        return;
      }
      if (!due) {
        const next = this.deps.db.prepare<[], { t: number | null }>("SELECT min(next_attempt_at) AS t FROM sms_outbox WHERE state = 'queued'").get()?.t ?? null;
        await this.sleep(next === null ? 60_000 : Math.min(60_000, next - now));
        return;
      }
      if (now - due.created_at > this.o.maxAgeMs) {
        this.fail(due, { code: 'RW_ERR_SMS_FAILED', message: `not sent within ${Math.round(this.o.maxAgeMs / 60_000)} min: expired`, class: null }, 'permanent');
        return;
      }
      await this.sendOne(transport, due);
    }
  }

  private async sendOne(transport: SmsTransport, row: Row): Promise<void> {
    const startedAt = this.deps.clock.now();
    this.deps.db.prepare("UPDATE sms_outbox SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE id = ?").run(startedAt, row.id);
    this.changed(this.entryOf(this.row(row.id)));
    const firstPart = this.partsSent(row.id);
    const total = segmentText(row.text).segments.length;
    if (firstPart < total) {
      const recordPart = this.deps.db.prepare(
        // IGNORE: a part recorded as it was sent is not overwritten by the list at the end (its report may be in)
        "INSERT OR IGNORE INTO sms_outbox_parts (outbox_id, seq, mr, sent_at, delivery) VALUES (?, ?, ?, ?, 'pending')",
      );
      const onPartSent = (p: SentPart): void => {
        try {
          recordPart.run(row.id, p.seq, p.mr, this.deps.clock.now());
        } catch (e) {
          // the database closed under a stop(): this part is sent once more at the next start
          this.deps.logger.warn('could not record a sent SMS part', { id: row.id, part: p.seq + 1, err: e });
        }
      };
      try {
        const result = await transport.send({
          to: row.to_number,
          text: row.text,
          statusReport: this.o.statusReports,
          ...(row.concat_ref !== null ? { concatRef: row.concat_ref } : {}),
          ...(firstPart > 0 ? { firstPart } : {}),
          onPartSent,
        });
        // a transport that reports its parts only at the end (no onPartSent) is recorded here
        if (this.running) this.deps.db.transaction(() => result.parts.forEach(onPartSent))();
      } catch (e) {
        // after stop() the database may already be closed: the row stays 'sending' and is resent at the next start
        if (!this.running) return;
        this.failedAttempt(this.row(row.id), e);
        return;
      }
      if (!this.running) return;
    }
    const now = this.deps.clock.now();
    const entry = this.deps.db.transaction(() => {
      this.deps.db
        .prepare("UPDATE sms_outbox SET state = 'sent', sent_at = ?, updated_at = ?, next_attempt_at = NULL, error_class = NULL WHERE id = ?")
        .run(now, now, row.id);
      return this.settleDelivery(row.id) ?? this.entryOf(this.row(row.id));
    })();
    this.deps.logger.info('SMS sent', { id: entry.id, to: entry.to, kind: entry.kind, parts: entry.parts.length, attempts: entry.attempts, resumedAtPart: firstPart + 1, ms: now - startedAt });
    this.changed(entry);
  }

  /** How many leading parts of a message the modem has accepted (committed in sms_outbox_parts). */
  private partsSent(id: number): number {
    const seqs = this.deps.db.prepare<[number], { seq: number }>('SELECT seq FROM sms_outbox_parts WHERE outbox_id = ? ORDER BY seq').all(id);
    let n = 0;
    while (seqs[n]?.seq === n) n++;
    return n;
  }

  private failedAttempt(row: Row, e: unknown): void {
    const cls = classifySendError(e);
    const err = e as { code?: unknown; message?: unknown; classification?: { class?: unknown } };
    const error = {
      code: typeof err.code === 'string' ? err.code : 'RW_ERR_INTERNAL',
      message: typeof err.message === 'string' ? err.message : String(e),
      class: typeof err.classification?.class === 'string' ? err.classification.class : null,
    };
    if (cls === 'permanent' || cls === 'fatal') {
      this.fail(row, error, cls);
      return;
    }
    const now = this.deps.clock.now();
    const delay =
      cls === 'state'
        ? this.o.stateRetryMs
        : Math.min(this.o.backoffMaxMs, this.o.backoffInitialMs * 2 ** Math.min(16, Math.max(0, row.attempts - 1)));
    this.retries++;
    this.deps.db
      .prepare("UPDATE sms_outbox SET state = 'queued', next_attempt_at = ?, updated_at = ?, error_class = ?, last_error = ? WHERE id = ?")
      .run(now + delay, now, cls, JSON.stringify(error), row.id);
    this.deps.logger.warn('SMS not sent; retrying', { id: row.id, to: row.to_number, attempts: row.attempts, class: cls, retryInMs: delay, code: error.code, error: error.message });
    this.changed(this.entryOf(this.row(row.id)));
  }

  /** The standby's messages the primary was up to send (docs/standby.md "SMS: who sends"). */
  private retireHeld(hold: SmsHold): void {
    const rows = this.deps.db.prepare<[number], Row>(`SELECT * FROM sms_outbox o WHERE state = 'queued' AND created_at < ? AND NOT ${TEXTED_HERE} ORDER BY id`).all(hold.retireCreatedBefore);
    if (rows.length === 0) return;
    const now = this.deps.clock.now();
    const error = JSON.stringify({ code: 'RW_ERR_PAIR_PRIMARY_SENDS', message: `not sent by this standby: the primary ${hold.primary} was up for the whole grace period after it was queued`, class: null });
    const retire = this.deps.db.prepare("UPDATE sms_outbox SET state = 'failed', next_attempt_at = NULL, updated_at = ?, error_class = 'pair', last_error = ? WHERE id = ? AND state = 'queued'");
    this.deps.db.transaction(() => rows.forEach((r) => retire.run(now, error, r.id)))();
    for (const r of rows) this.changed(this.entryOf(this.row(r.id)));
    this.deps.logger.info('the primary sent these SMS; the standby retired its copies', { count: rows.length, primary: hold.primary });
  }

  private fail(row: Row, error: { code: string; message: string; class: string | null }, cls: ErrorClass): void {
    const now = this.deps.clock.now();
    this.deps.db
      .prepare("UPDATE sms_outbox SET state = 'failed', next_attempt_at = NULL, updated_at = ?, error_class = ?, last_error = ? WHERE id = ?")
      .run(now, cls, JSON.stringify(error), row.id);
    const entry = this.entryOf(this.row(row.id));
    this.raiseAlarm(entry, `an SMS failed for good (${cls}): ${error.message}`);
    this.changed(entry);
  }

  private raiseAlarm(entry: OutboxEntry, message: string): void {
    this.alarmState = { code: 'RW_ERR_SMS_FAILED', message: `SMS #${entry.id} to ${entry.to}: ${message}`, at: this.deps.clock.now() };
    this.deps.logger.error('SMS failed and will not be retried', { code: 'RW_ERR_SMS_FAILED', id: entry.id, to: entry.to, kind: entry.kind, alertIds: entry.alertIds, error: entry.lastError });
  }

  private changed(entry: OutboxEntry): void {
    try {
      this.deps.onChange?.(entry);
    } catch (e) {
      this.deps.logger.error('SMS outbox change listener failed', { err: e });
    }
  }

  private row(id: number): Row {
    const row = this.deps.db.prepare<[number], Row>('SELECT * FROM sms_outbox WHERE id = ?').get(id);
    if (!row) throw new RwError('RW_ERR_NOT_FOUND', `no SMS outbox entry ${id}`);
    return row;
  }

  private entryOf(row: Row): OutboxEntry {
    const parts = this.deps.db
      .prepare<[number], PartRow>('SELECT * FROM sms_outbox_parts WHERE outbox_id = ? ORDER BY seq')
      .all(row.id)
      .map((p) => ({ mr: p.mr, delivery: p.delivery }));
    return {
      id: row.id,
      to: row.to_number,
      contactId: row.contact_id,
      kind: row.kind as OutboxKind,
      text: row.text,
      alertIds: JSON.parse(row.alert_ids) as number[],
      dedupeKey: row.dedupe_key,
      state: row.state,
      attempts: row.attempts,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      nextAttemptAt: row.state === 'queued' ? row.next_attempt_at : null,
      sentAt: row.sent_at,
      deliveredAt: row.delivered_at,
      concatRef: row.concat_ref,
      parts,
      lastError: row.last_error === null ? null : (JSON.parse(row.last_error) as OutboxEntry['lastError']),
    };
  }
}

/** The SMSC may write the recipient differently ('+8210…' vs '010…'): equal digits, or the same last 8. */
export function sameNumber(a: string, b: string): boolean {
  const da = a.replace(/\D/g, '');
  const db = b.replace(/\D/g, '');
  return da === db || (da.length >= 8 && db.length >= 8 && da.slice(-8) === db.slice(-8));
}
