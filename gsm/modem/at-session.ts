// The AT command engine over any Duplex stream (docs/conventions.md 4): the serial port in production, one
// side of a duplexPair in tests. One command at a time (a serial queue); per-command timeouts on
// an injected Clock; every line classified as a final result, a response to the pending command,
// or an unsolicited result code (URC), which is emitted as an event even when it arrives in the
// middle of a response (TS 27.007 §4.1, §9.2; TS 27.005 §3.2.5, §3.4.1).
//
// The two-phase AT+CMGS (TS 27.005 §3.5.1): write `AT+CMGS=<length><CR>`, wait for the `> `
// prompt, write the hex PDU and Ctrl-Z, then wait (long) for `+CMGS: <mr>` and OK. When the prompt
// does not come, ESC cancels the input mode and a plain `AT` resynchronises the session.
//
// Hazard: a final result that arrives after its command timed out cannot be told apart from the
// next command's. The session does not guess: the driver answers a timeout with a heartbeat and,
// if that fails too, the reset ladder.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { AtTokenizer, type AtToken } from './at-tokenizer.js';
import { ModemError, errorFromFinal } from './modem-error.js';

export interface AtTimeouts {
  /** Plain commands (the notes: 2–5 s). */
  readonly commandMs: number;
  /** From writing AT+CMGS to the `> ` prompt (5–10 s). */
  readonly promptMs: number;
  /** From writing the PDU to `+CMGS`/OK: the network round trip (≥ 60 s; some manuals say 120 s). */
  readonly sendFinalMs: number;
  /** Quiet time after ESC before the resynchronising `AT`, so a late OK of the cancelled send is not taken for it. */
  readonly escQuietMs: number;
}

export const DEFAULT_AT_TIMEOUTS: AtTimeouts = { commandMs: 5_000, promptMs: 10_000, sendFinalMs: 60_000, escQuietMs: 500 };

export interface CommandOptions {
  readonly timeoutMs?: number;
  /**
   * Response lines start with this prefix. Default: derived from the command (`AT+CSQ` →
   * `+CSQ:`). `null`: the command answers with bare lines (AT+CGMI, ATI); every line that is not a
   * known URC is then its response.
   */
  readonly responsePrefix?: string | null;
  /** Written to logs and errors instead of the command (e.g. for AT+CPIN="…"). */
  readonly redactedAs?: string;
}

export interface AtResponse {
  /** Response lines in order; a PDU line follows its +CMGR/+CMGL header. */
  readonly lines: readonly string[];
}

export interface UrcEvent {
  readonly line: string;
  /** The PDU line of a two-line URC (+CMT, +CDS: TS 27.005 §3.4.1). */
  readonly pdu?: string;
}

export interface TraceEvent {
  readonly dir: 'tx' | 'rx';
  readonly text: string;
}

export interface AtSessionEvents {
  urc: [UrcEvent];
  /**
   * A boot banner (RDY, SMS Ready, an unsolicited +CPIN: READY…): the modem restarted, run init
   * again. RDY-type banners first fail the command in flight with RW_ERR_MODEM_REBOOTED.
   */
  boot: [string];
  /** The stream ended or failed; every pending command was rejected with RW_ERR_MODEM_GONE. */
  closed: [ModemError];
  trace: [TraceEvent];
}

/** Lines that mean the module has just booted (SIMCom, Quectel, u-blox, Huawei variants). */
const BOOT_BANNERS = /^(RDY|SMS Ready|Call Ready|\+CPIN: READY|\+PBREADY|\^SYSSTART|START)$/;
/** The first banner of a restart: a command in flight will never be answered. (+CPIN: READY and SMS Ready also follow a PIN.) */
const RESTART_BANNERS = /^(RDY|\^SYSSTART|START)$/;
/** Lines that are never a prefix-less response (used when responsePrefix is null). */
const URC_LINE = /^(\+CMTI|\+CDSI|\+CMT|\+CDS|\+CBM|\+CREG|\+CEREG|\+CGREG|\+CLIP|\+CRING|\+CUSD|\^[A-Z]+|RING)(:|$)/;
const FINAL_OK = 'OK';
const FINAL_ERROR = /^(ERROR|\+CMS ERROR:.*|\+CME ERROR:.*|NO CARRIER)$/;
const TWO_LINE_URC = /^\+(CMT|CDS):/;
const HEX_LINE = /^[0-9A-Fa-f]+$/;
const CTRL_Z = '\x1a';
const ESC = '\x1b';

interface Job {
  readonly cmd: string;
  readonly shown: string;
  readonly prefix: string | null | undefined;
  readonly timeoutMs: number;
  /** Present for AT+CMGS: what to write after the prompt. */
  readonly pdu?: { readonly hex: string; readonly finalMs: number };
  /** Write ESC when the job's turn comes, then wait `delayMs` (the quiet time) before the command. */
  readonly escapeFirst: boolean;
  readonly delayMs: number;
  readonly lines: string[];
  phase: 'prompt' | 'final';
  /** False during the quiet time: a final result then belongs to an earlier, cancelled command. */
  written: boolean;
  expectPduLine: boolean;
  timer: unknown;
  resolve(r: AtResponse): void;
  reject(e: ModemError): void;
}

export class AtSession extends EventEmitter<AtSessionEvents> {
  readonly #stream: Duplex;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #timeouts: AtTimeouts;
  readonly #tokenizer = new AtTokenizer();
  readonly #queue: Job[] = [];
  #current: Job | undefined;
  #closed: ModemError | undefined;
  /** A +CMT:/+CDS: header waiting for its PDU line. */
  #urcHeader: string | undefined;
  readonly #onData = (chunk: Buffer | string): void => this.#receive(chunk);
  readonly #onEnd = (): void => this.#fail(new ModemError('RW_ERR_MODEM_GONE', { message: 'RW_ERR_MODEM_GONE: the modem port ended' }));
  readonly #onError = (e: Error): void => this.#fail(new ModemError('RW_ERR_MODEM_GONE', { message: `RW_ERR_MODEM_GONE: ${e.message}`, cause: e }));

  constructor(stream: Duplex, deps: { clock: Clock; logger: Logger; timeouts?: Partial<AtTimeouts> }) {
    super();
    this.#stream = stream;
    this.#clock = deps.clock;
    this.#log = deps.logger;
    this.#timeouts = { ...DEFAULT_AT_TIMEOUTS, ...deps.timeouts };
    stream.on('data', this.#onData);
    stream.on('end', this.#onEnd);
    stream.on('close', this.#onEnd);
    stream.on('error', this.#onError);
  }

  get timeouts(): AtTimeouts {
    return this.#timeouts;
  }

  /** True once the stream closed or dispose() was called. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Commands waiting, including the one in flight. */
  get pending(): number {
    return this.#queue.length + (this.#current ? 1 : 0);
  }

  /**
   * Queues one command (without the CR) and resolves with its response lines on OK. Rejects with
   * RW_ERR_MODEM_TIMEOUT, RW_ERR_MODEM_ERROR, RW_ERR_MODEM_CMS, RW_ERR_MODEM_CME, RW_ERR_MODEM_REBOOTED
   * (an RDY arrived while it waited) or RW_ERR_MODEM_GONE.
   */
  command(cmd: string, options: CommandOptions = {}): Promise<AtResponse> {
    return this.#enqueue({
      cmd,
      shown: options.redactedAs ?? cmd,
      prefix: options.responsePrefix === undefined ? defaultPrefix(cmd) : options.responsePrefix,
      timeoutMs: options.timeoutMs ?? this.#timeouts.commandMs,
      escapeFirst: false,
      delayMs: 0,
    });
  }

  /**
   * Sends one SMS-SUBMIT in PDU mode (TS 27.005 §3.5.1). `tpduLength` counts the TPDU octets
   * without the SMSC field; `pduHex` is what follows the prompt (SMSC field first). Resolves with
   * the message reference TP-MR from `+CMGS: <mr>`.
   */
  async sendPdu(tpduLength: number, pduHex: string, options: { promptMs?: number; finalMs?: number } = {}): Promise<{ mr: number }> {
    const r = await this.#enqueue({
      cmd: `AT+CMGS=${tpduLength}`,
      shown: `AT+CMGS=${tpduLength}`,
      prefix: '+CMGS:',
      timeoutMs: options.promptMs ?? this.#timeouts.promptMs,
      escapeFirst: false,
      delayMs: 0,
      pdu: { hex: pduHex, finalMs: options.finalMs ?? this.#timeouts.sendFinalMs },
    });
    const m = /^\+CMGS:\s*(\d+)/.exec(r.lines[0] ?? '');
    if (!m) throw new ModemError('RW_ERR_MODEM_ERROR', { command: `AT+CMGS=${tpduLength}`, message: 'RW_ERR_MODEM_ERROR: OK without +CMGS: <mr>' });
    return { mr: Number(m[1]) };
  }

  /**
   * Step 1 of the reset ladder and the recovery after a missed prompt: ESC (leaves SMS input
   * mode), a quiet time, then `AT`. Goes ahead of queued commands, after the one in flight.
   */
  resync(timeoutMs = this.#timeouts.commandMs): Promise<AtResponse> {
    return this.#enqueue({ cmd: 'AT', shown: 'AT', prefix: undefined, timeoutMs, escapeFirst: true, delayMs: this.#timeouts.escQuietMs }, true);
  }

  /** Detaches from the stream and rejects everything pending with RW_ERR_MODEM_GONE. Does not close the stream. */
  dispose(): void {
    this.#fail(new ModemError('RW_ERR_MODEM_GONE', { message: 'RW_ERR_MODEM_GONE: the session was closed' }), false);
  }

  #enqueue(spec: Omit<Job, 'lines' | 'phase' | 'written' | 'expectPduLine' | 'timer' | 'resolve' | 'reject'>, first = false): Promise<AtResponse> {
    if (this.#closed) return Promise.reject(this.#closed);
    return new Promise<AtResponse>((resolve, reject) => {
      const job: Job = { ...spec, lines: [], phase: spec.pdu ? 'prompt' : 'final', written: false, expectPduLine: false, timer: undefined, resolve, reject };
      if (first) this.#queue.unshift(job);
      else this.#queue.push(job);
      this.#next();
    });
  }

  #next(): void {
    if (this.#current || this.#closed) return;
    const job = this.#queue.shift();
    if (!job) return;
    this.#current = job;
    const start = (): void => {
      if (this.#current !== job || this.#closed) return;
      job.written = true;
      this.#write(`${job.cmd}\r`, job.shown);
      this.#arm(job, job.timeoutMs);
    };
    if (job.escapeFirst) this.#write(ESC, '<ESC>');
    if (job.delayMs > 0) job.timer = this.#clock.setTimeout(start, job.delayMs);
    else start();
  }

  #arm(job: Job, ms: number): void {
    this.#clock.clearTimeout(job.timer);
    job.timer = this.#clock.setTimeout(() => this.#timeout(job), ms);
  }

  #timeout(job: Job): void {
    if (this.#current !== job) return;
    const error = new ModemError('RW_ERR_MODEM_TIMEOUT', { command: job.shown, phase: job.pdu ? job.phase : 'final' });
    this.#log.warn('modem command timed out', { command: job.shown, phase: error.phase });
    // A missed prompt leaves the modem possibly in SMS input mode: cancel it and resynchronise
    // before anything else is written (TS 27.005 §3.5.1: ESC aborts the edit).
    const missedPrompt = job.pdu !== undefined && job.phase === 'prompt';
    this.#finish(job, error, !missedPrompt);
    if (missedPrompt) this.resync().catch((e: unknown) => this.#log.warn('resync after a missed prompt failed', { error: e }));
  }

  #finish(job: Job, outcome: ModemError | AtResponse, next = true): void {
    this.#clock.clearTimeout(job.timer);
    if (this.#current === job) this.#current = undefined;
    if (outcome instanceof ModemError) job.reject(outcome);
    else job.resolve(outcome);
    if (next) this.#next();
  }

  #write(text: string, shown: string): void {
    this.emit('trace', { dir: 'tx', text: shown });
    this.#stream.write(text);
  }

  #receive(chunk: Buffer | string): void {
    for (const token of this.#tokenizer.push(chunk)) {
      if (this.#closed) return;
      this.#token(token);
    }
  }

  #token(token: AtToken): void {
    if (token.kind === 'prompt') {
      this.emit('trace', { dir: 'rx', text: '> ' });
      const job = this.#current;
      if (job?.pdu && job.phase === 'prompt') {
        job.phase = 'final';
        this.#write(job.pdu.hex + CTRL_Z, `<PDU ${job.pdu.hex.length / 2} octets><Ctrl-Z>`);
        this.#arm(job, job.pdu.finalMs);
      } else {
        // The modem waits for a PDU nobody will send and would swallow the next command: cancel it.
        this.#log.warn('unexpected > prompt: cancelling with ESC');
        this.#write(ESC, '<ESC>');
      }
      return;
    }
    const line = token.text;
    this.emit('trace', { dir: 'rx', text: line });
    if (this.#urcHeader !== undefined) {
      const header = this.#urcHeader;
      this.#urcHeader = undefined;
      if (HEX_LINE.test(line)) {
        this.emit('urc', { line: header, pdu: line });
        return;
      }
      this.emit('urc', { line: header }); // header without its PDU: report it and go on with this line
    }
    const job = this.#current;
    if (/^AT/i.test(line)) return; // echo (ATE1, or before ATE0 took effect): no modem output starts with AT
    if (job?.pdu && job.phase === 'final' && line === job.pdu.hex) return; // echo of the PDU
    // The PDU line after a +CMGR/+CMGL header; a URC squeezed in between is classified below and
    // the PDU is still awaited.
    if (job?.expectPduLine && HEX_LINE.test(line)) {
      job.expectPduLine = false;
      job.lines.push(line);
      return;
    }
    if (line === FINAL_OK || FINAL_ERROR.test(line)) {
      if (!job?.written) {
        this.#log.debug('final result with no command pending', { line });
        return;
      }
      this.#finish(job, line === FINAL_OK ? { lines: job.lines } : errorFromFinal(line, job.shown, job.pdu ? job.phase : 'final'));
      return;
    }
    if (job && job.prefix && line.startsWith(job.prefix)) {
      job.lines.push(line);
      job.expectPduLine = job.prefix === '+CMGR:' || job.prefix === '+CMGL:';
      return;
    }
    if (job && job.prefix === null && !URC_LINE.test(line) && !BOOT_BANNERS.test(line)) {
      job.lines.push(line);
      return;
    }
    this.#unsolicited(line);
  }

  #unsolicited(line: string): void {
    if (BOOT_BANNERS.test(line)) {
      const job = this.#current;
      if (job?.written && RESTART_BANNERS.test(line)) {
        this.#finish(job, new ModemError('RW_ERR_MODEM_REBOOTED', { command: job.shown, phase: job.pdu ? job.phase : 'final' }));
      }
      this.emit('boot', line);
      return;
    }
    if (TWO_LINE_URC.test(line)) {
      this.#urcHeader = line;
      return;
    }
    this.emit('urc', { line });
  }

  #fail(error: ModemError, announce = true): void {
    if (this.#closed) return;
    this.#closed = error;
    this.#stream.off('data', this.#onData);
    this.#stream.off('end', this.#onEnd);
    this.#stream.off('close', this.#onEnd);
    this.#stream.off('error', this.#onError);
    // Keep an error listener: a late 'error' from a dying port must not crash the process.
    this.#stream.on('error', noop);
    const jobs = [...(this.#current ? [this.#current] : []), ...this.#queue.splice(0)];
    this.#current = undefined;
    for (const job of jobs) {
      this.#clock.clearTimeout(job.timer);
      job.reject(error);
    }
    if (announce) this.emit('closed', error);
  }
}

/** RDY, ^SYSSTART, START: the module restarted (as opposed to +CPIN: READY / SMS Ready, which also follow a PIN). */
export function isRestartBanner(line: string): boolean {
  return RESTART_BANNERS.test(line);
}

function noop(): void {
  // intentionally empty
}

/** `AT+CSQ` → `+CSQ:`, `AT^SYSINFO` → `^SYSINFO:`; plain V.250 commands (AT, ATE0) have none. */
export function defaultPrefix(cmd: string): string | undefined {
  const m = /^AT([+^$%#][A-Za-z0-9]+)/.exec(cmd);
  return m?.[1] ? `${m[1].toUpperCase()}:` : undefined;
}
