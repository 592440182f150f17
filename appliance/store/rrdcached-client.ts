// rrdcached's line protocol (rrdcached(1) "PROTOCOL", checked against 1.7.2) over any Duplex
// stream: the unix socket in production, a duplexPair in unit tests. Commands are pipelined; the
// daemon answers them in order, so replies are matched to a FIFO of pending commands. A reply is
// a status line "N message": N < 0 is an error, N > 0 says that N more lines follow.
import type { Duplex } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { RwError } from '../../contract/errors.js';

export interface Reply {
  status: number;
  message: string;
  lines: string[];
}

export interface FetchRow {
  /** unix seconds at the END of the row's interval (rrdtool's convention) */
  t: number;
  values: (number | null)[];
}

export interface FetchResult {
  start: number;
  end: number;
  step: number;
  dsNames: string[];
  rows: FetchRow[];
}

/** Consolidation functions FETCH reads: the consolidated archives, and Holt-Winters' forecast and deviation (B9). */
export type FetchCf = 'AVERAGE' | 'MIN' | 'MAX' | 'HWPREDICT' | 'DEVPREDICT' | 'FAILURES';

export interface UpdateCommand {
  file: string;
  t: number;
  values: readonly (number | null)[];
}

export type UpdateOutcome = { ok: true } | { ok: false; error: RwError };

const OK: UpdateOutcome = Object.freeze({ ok: true });

interface Pending {
  resolve: (r: Reply) => void;
  reject: (e: RwError) => void;
  /** set once the status line has arrived and more lines are expected */
  reply?: Reply;
  remaining: number;
}

/** The outcomes of one updateMany: settled slot by slot, resolved when the last one is. */
class UpdateBatch {
  private open: number;
  readonly outcomes: UpdateOutcome[];
  constructor(size: number, private readonly done: (outcomes: UpdateOutcome[]) => void) {
    this.open = size;
    this.outcomes = new Array<UpdateOutcome>(size);
  }
  settle(i: number, outcome: UpdateOutcome): void {
    this.outcomes[i] = outcome;
    if (--this.open === 0) this.done(this.outcomes);
  }
}

/**
 * The reply to "BATCH": "0 Go ahead.  End with dot '.' on its own line." A refusal means the
 * daemon is not in batch mode and would answer every update of the batch on its own, which no
 * longer matches the FIFO of reply slots: the connection is given up (its commands fail with
 * RW_ERR_RRDCACHED_DOWN and are sent again on the next one).
 */
class BatchOpened implements Pending {
  remaining = 0;
  reply?: Reply;
  constructor(private readonly refused: (error: RwError) => void) {}
  resolve(): void {
    // nothing to keep: the batch's outcome is the reply to its "."
  }
  reject(error: RwError): void {
    this.refused(error);
  }
}

/**
 * The reply to the "." that ends a BATCH (rrd_daemon.c batch_done): "N errors", then one line
 * "<i> <message>" per update the daemon refused, i its 1-based place in the batch. An update
 * not named there was taken (and journaled).
 */
class BatchClosed implements Pending {
  remaining = 0;
  reply?: Reply;
  /** `slots[k]`: the updateMany index of the batch's command k + 1 */
  constructor(private readonly batch: UpdateBatch, private readonly slots: readonly number[]) {}
  resolve(reply?: Reply): void {
    // "0 errors" comes with no reply to read (see onLine): the usual batch allocates nothing here
    let refused: Map<number, RwError> | undefined;
    for (const line of reply?.lines ?? []) {
      const m = BATCH_ERROR_LINE_RE.exec(line);
      const place = m ? Number(m[1]) : NaN;
      if (!m || !(place >= 1 && place <= this.slots.length)) {
        // no way to tell which update it speaks of: none of them can be called stored
        this.reject(new RwError('RW_ERR_RRDCACHED', `unexpected line in a BATCH reply: ${JSON.stringify(line)}`));
        return;
      }
      (refused ??= new Map()).set(place, new RwError('RW_ERR_RRDCACHED', m[2] ?? ''));
    }
    for (let k = 0; k < this.slots.length; k++) {
      const error = refused?.get(k + 1);
      this.batch.settle(this.slots[k] as number, error ? { ok: false, error } : OK);
    }
  }
  reject(error: RwError): void {
    for (const slot of this.slots) this.batch.settle(slot, { ok: false, error });
  }
}

/** "<place in the batch> <message>" */
const BATCH_ERROR_LINE_RE = /^(\d+) (.*)$/;

// rrdcached's wording for an update not newer than the file's last one (rrd_daemon.c,
// handle_request_update); it is the only error the store treats as "the sample is a duplicate".
const STALE_UPDATE_RE = /^illegal attempt to update using time/;
const NO_SUCH_FILE_RE = /^No such file/;
/** "RRD Error: creating '…': File exists": CREATE -O of a file that is already there. */
const FILE_EXISTS_RE = /File exists/;

/** rrdcached refused an update because its time is not after the file's last update. */
export function isStaleUpdate(e: unknown): boolean {
  return e instanceof RwError && e.code === 'RW_ERR_RRDCACHED' && STALE_UPDATE_RE.test(e.message);
}

/** rrdcached refused an update because the file does not exist (removed behind its back). */
export function isNoSuchFile(e: unknown): boolean {
  return e instanceof RwError && e.code === 'RW_ERR_RRDCACHED' && NO_SUCH_FILE_RE.test(e.message);
}

/** An argument that would split a protocol line (the protocol has no quoting). */
const UNSAFE_ARG_RE = /[\s\0]/;

export class RrdcachedClient {
  /** FIFO of commands awaiting replies: pending[pendingHead] is answered next */
  private pending: Pending[] = [];
  private pendingHead = 0;
  private readonly decoder = new StringDecoder('utf8');
  private buffered = '';
  /** command lines not yet written (see write) */
  private outgoing = '';
  private flushQueued = false;
  private closedWith: RwError | null = null;
  private readonly closeListeners = new Set<(why: RwError) => void>();

  constructor(private readonly stream: Duplex) {
    stream.on('data', this.onData);
    stream.on('error', this.onError);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  /** Called once when the stream ends or breaks; returns an unsubscribe function. */
  onClose(listener: (why: RwError) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /**
   * CREATE with -O (never overwrite). Resolves 'exists' when the file is already there: after a
   * restart the store does not know which files exist, and "create if missing" is what it means.
   */
  async create(file: string, step: number, startS: number, dsDefs: readonly string[], rraDefs: readonly string[]): Promise<'created' | 'exists'> {
    try {
      await this.send(`CREATE ${arg(file)} -s ${int(step)} -b ${int(startS)} -O ${[...dsDefs, ...rraDefs].map(arg).join(' ')}`);
      return 'created';
    } catch (e) {
      if (e instanceof RwError && e.code === 'RW_ERR_RRDCACHED' && FILE_EXISTS_RE.test(e.message)) return 'exists';
      throw e;
    }
  }

  /** One update; null values are sent as U (unknown). Resolves when the daemon has queued (and journaled) it. */
  async update(file: string, t: number, values: readonly (number | null)[]): Promise<void> {
    await this.send(updateLine({ file, t, values }));
  }

  /**
   * Updates sent as one BATCH (rrdcached(1)): the daemon answers the batch, not each update, and
   * names only the updates it refused. Each update gets its own outcome, because one refused
   * update (a duplicate timestamp) must not hide the others' acknowledgements. One reply per
   * update (as pipelined UPDATEs get) was ~24,000 replies a second at 10,000 agents: the daemon
   * stalled in send() whenever this process was slow to read them, and so did ingest.
   * `lines[i]`, when given, is updates[i]'s line as updateLine() made it already (the store
   * journals the same lines: formatted once); undefined there means "make it here".
   */
  updateMany(updates: readonly UpdateCommand[], lines?: readonly (string | undefined)[]): Promise<UpdateOutcome[]> {
    if (updates.length === 0) return Promise.resolve([]);
    return new Promise((resolve) => {
      const batch = new UpdateBatch(updates.length, resolve);
      const slots: number[] = [];
      let text = 'BATCH\n';
      for (let i = 0; i < updates.length; i++) {
        const u = updates[i] as UpdateCommand;
        let line: string;
        try {
          line = lines?.[i] ?? updateLine(u);
        } catch (error) {
          batch.settle(i, { ok: false, error: asRwError(error) });
          continue;
        }
        if (this.closedWith) {
          batch.settle(i, { ok: false, error: this.closedWith });
          continue;
        }
        slots.push(i);
        text += line + '\n';
      }
      if (slots.length === 0) return;
      this.pending.push(new BatchOpened(this.abandon), new BatchClosed(batch, slots));
      this.write(text + '.\n');
    });
  }

  /**
   * FETCH flushes the file's pending updates first, then runs rrd_fetch, which picks the
   * finest archive of this consolidation function that covers the start of the range.
   */
  async fetch(file: string, cf: FetchCf, startS: number, endS: number): Promise<FetchResult> {
    const reply = await this.send(`FETCH ${arg(file)} ${cf} ${int(startS)} ${int(endS)}`);
    return parseFetch(reply.lines);
  }

  /** Writes the file's pending updates to disk; resolves when they are written. */
  async flush(file: string): Promise<void> {
    await this.send(`FLUSH ${arg(file)}`);
  }

  /** Starts writing every pending update; the daemon answers before the writes are done. */
  async flushAll(): Promise<void> {
    await this.send('FLUSHALL');
  }

  /** Last update time of a file as written on disk (pending updates not included). */
  async last(file: string): Promise<number> {
    const reply = await this.send(`LAST ${arg(file)}`);
    const t = Number(reply.message);
    if (!Number.isInteger(t)) throw new RwError('RW_ERR_RRDCACHED', `LAST replied ${JSON.stringify(reply.message)}`);
    return t;
  }

  /** STATS: QueueLength, UpdatesReceived, JournalBytes… as numbers. */
  async stats(): Promise<Record<string, number>> {
    const reply = await this.send('STATS');
    const out: Record<string, number> = {};
    for (const line of reply.lines) {
      const m = /^(\w+):\s+(-?\d+)$/.exec(line);
      if (m?.[1] !== undefined && m[2] !== undefined) out[m[1]] = Number(m[2]);
    }
    return out;
  }

  async ping(): Promise<void> {
    await this.send('PING');
  }

  /** Sends a raw command line (no newline) and resolves with the reply; errors reject as RW_ERR_RRDCACHED. */
  send(command: string): Promise<Reply> {
    if (command.includes('\n')) return Promise.reject(new RwError('RW_ERR_INTERNAL', 'rrdcached command contains a newline'));
    const reply = this.enqueue();
    // The reply is what tells the caller the command arrived; write()'s false (buffer full) only
    // asks to slow down, and callers already wait on replies, so it is not awaited here.
    if (!this.closedWith) this.write(command + '\n');
    return reply;
  }

  /** Registers a command's reply slot; the caller writes the command line right after. */
  private enqueue(): Promise<Reply> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise<Reply>((resolve, reject) => {
      this.pending.push({ resolve, reject, remaining: 0 });
    });
  }

  /** Closes the stream; pending commands reject with RW_ERR_RRDCACHED_DOWN. */
  close(): void {
    this.fail(new RwError('RW_ERR_RRDCACHED_DOWN', 'rrdcached connection closed'));
    this.stream.destroy();
  }

  private readonly onData = (chunk: Buffer | string): void => {
    const text = this.buffered + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    let from = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', from)) >= 0) {
      const line = text.slice(from, nl);
      from = nl + 1;
      this.onLine(line);
      if (this.closedWith) return;
    }
    this.buffered = text.slice(from);
  };

  private onLine(line: string): void {
    const head = this.pending[this.pendingHead];
    if (!head) {
      this.fail(new RwError('RW_ERR_RRDCACHED', `unexpected line from rrdcached: ${JSON.stringify(line)}`));
      this.stream.destroy();
      return;
    }
    if ((head instanceof BatchOpened && line.startsWith('0 ')) || (head instanceof BatchClosed && line === '0 errors')) {
      // the usual replies of a batch, "0 Go ahead…" and "0 errors": nothing in them to keep
      this.shift();
      head.resolve();
      return;
    }
    if (head.reply) {
      head.reply.lines.push(line);
      head.remaining -= 1;
    } else {
      const m = /^(-?\d+)\s*(.*)$/.exec(line);
      if (!m?.[1]) {
        this.fail(new RwError('RW_ERR_RRDCACHED', `malformed status line from rrdcached: ${JSON.stringify(line)}`));
        this.stream.destroy();
        return;
      }
      const status = Number(m[1]);
      head.reply = { status, message: m[2] ?? '', lines: [] };
      head.remaining = Math.max(0, status);
    }
    if (head.remaining > 0) return;
    this.shift();
    const reply = head.reply;
    if (reply.status < 0) {
      head.reject(new RwError('RW_ERR_RRDCACHED', reply.message || `rrdcached error ${reply.status}`));
    } else {
      head.resolve(reply);
    }
  }

  /**
   * Queues command lines; what is queued in one turn of the event loop goes out in one write. A
   * write per command (or per batch of updates: ingest makes ~2,000 a second at 10,000 agents)
   * costs a syscall, or a chunk of a writev, each. The order is the order of the reply slots.
   */
  private write(text: string): void {
    this.outgoing += text;
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(this.flushOutgoing);
    }
  }

  private readonly flushOutgoing = (): void => {
    this.flushQueued = false;
    const text = this.outgoing;
    this.outgoing = '';
    if (text !== '' && !this.closedWith) this.stream.write(text);
  };

  /** Drops the answered head of the FIFO. */
  private shift(): void {
    this.pendingHead++;
    if (this.pendingHead === this.pending.length) {
      this.pending = [];
      this.pendingHead = 0;
    } else if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
  }

  /** Gives the connection up after a reply that leaves the FIFO of reply slots out of step. */
  private readonly abandon = (why: RwError): void => {
    if (this.closedWith) return;
    this.fail(new RwError('RW_ERR_RRDCACHED_DOWN', `rrdcached connection given up: ${why.message}`, { cause: why }));
    this.stream.destroy();
  };

  private readonly onError = (err: Error): void => {
    this.fail(new RwError('RW_ERR_RRDCACHED_DOWN', `rrdcached connection failed: ${err.message}`, { cause: err }));
  };

  private readonly onEnd = (): void => {
    this.fail(new RwError('RW_ERR_RRDCACHED_DOWN', 'rrdcached closed the connection'));
  };

  private fail(why: RwError): void {
    if (this.closedWith) return;
    this.closedWith = why;
    this.outgoing = '';
    this.stream.off('data', this.onData);
    // keep an error listener: a late 'error' after close must not become an uncaught exception
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    const pending = this.pending.slice(this.pendingHead);
    this.pending = [];
    this.pendingHead = 0;
    for (const p of pending) p.reject(why);
    for (const l of [...this.closeListeners]) l(why);
    this.closeListeners.clear();
  }
}

/** The UPDATE command line of one update (no newline): what the store's sample journal keeps, too. */
export function updateLine(u: UpdateCommand): string {
  let line = `UPDATE ${arg(u.file)} ${int(u.t)}`;
  for (const v of u.values) line += v === null ? ':U' : `:${num(v)}`;
  return line;
}

function arg(s: string): string {
  if (s === '' || UNSAFE_ARG_RE.test(s)) throw new RwError('RW_ERR_INTERNAL', `rrdcached argument ${JSON.stringify(s)} is empty or contains whitespace`);
  return s;
}

function int(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RwError('RW_ERR_INTERNAL', `expected an integer, got ${n}`);
  return String(n);
}

function num(v: number): string {
  // rrd_update parses with strtod: "1e+21" is fine, "NaN"/"Infinity" are not values it stores
  if (!Number.isFinite(v)) throw new RwError('RW_ERR_INTERNAL', `cannot store ${v} in an RRD`);
  return String(v);
}

function asRwError(e: unknown): RwError {
  if (e instanceof RwError) return e;
  return new RwError('RW_ERR_INTERNAL', e instanceof Error ? e.message : String(e), { cause: e });
}

/**
 * FETCH reply body (rrd_daemon.c handle_request_fetch):
 *   FlushVersion: 1 / Start: <s> / End: <s> / Step: <s> / DSCount: <n> / DSName: a b c
 *   then one "<t>: v v v" line per row, unknown values as "nan"/"-nan".
 */
export function parseFetch(lines: readonly string[]): FetchResult {
  const header = new Map<string, string>();
  const rows: FetchRow[] = [];
  for (const line of lines) {
    const row = /^(\d+):\s(.*)$/.exec(line);
    if (row?.[1] !== undefined && row[2] !== undefined) {
      rows.push({ t: Number(row[1]), values: row[2].trim().split(/\s+/).map(parseValue) });
      continue;
    }
    const h = /^(\w+):\s*(.*)$/.exec(line);
    if (h?.[1] !== undefined && h[2] !== undefined) header.set(h[1], h[2]);
    else throw new RwError('RW_ERR_RRDCACHED', `unexpected FETCH line ${JSON.stringify(line)}`);
  }
  const need = (k: string): number => {
    const v = Number(header.get(k));
    if (!Number.isFinite(v)) throw new RwError('RW_ERR_RRDCACHED', `FETCH reply lacks ${k}`);
    return v;
  };
  const dsNames = (header.get('DSName') ?? '').split(/\s+/).filter(Boolean);
  if (dsNames.length !== need('DSCount')) throw new RwError('RW_ERR_RRDCACHED', 'FETCH reply: DSName does not match DSCount');
  for (const r of rows) {
    if (r.values.length !== dsNames.length) throw new RwError('RW_ERR_RRDCACHED', `FETCH row ${r.t} has ${r.values.length} values, expected ${dsNames.length}`);
  }
  return { start: need('Start'), end: need('End'), step: need('Step'), dsNames, rows };
}

/**
 * An UPDATE line as updateLine() wrote it (the sample journal's records), or null when it is not
 * one: "UPDATE <file> <t>:<v>:…", U for unknown.
 */
export function parseUpdateLine(line: string): UpdateCommand | null {
  const parts = line.split(' ');
  if (parts.length !== 3 || parts[0] !== 'UPDATE' || !parts[1] || !parts[2]) return null;
  const fields = parts[2].split(':');
  const t = Number(fields[0]);
  if (!Number.isSafeInteger(t) || fields.length < 2) return null;
  const values: (number | null)[] = [];
  for (let i = 1; i < fields.length; i++) {
    const text = fields[i] as string;
    const v = text === 'U' ? null : Number(text);
    if (v !== null && (text === '' || !Number.isFinite(v))) return null;
    values.push(v);
  }
  return { file: parts[1], t, values };
}

function parseValue(text: string): number | null {
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}
