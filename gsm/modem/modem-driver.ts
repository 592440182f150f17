// The GSM modem driver (D4): owns the port and its AT session, and is the one actor that talks to
// the modem. One loop per open port runs, in order: init (again after a boot banner), reading
// stored messages announced by +CMTI/+CDSI, the heartbeat, the signal/registration refresh and the
// AT+CMGL=4 sweep. sendSms() queues its commands on the same session, so nothing interleaves.
//
// Init (notes/sms.md §1; TS 27.007, TS 27.005): AT ×3, ATE0, AT+CMEE=1, AT+CPIN? (the PIN is sent
// once; a rejected PIN is never sent again: state 'pin-failed' and an alarm), AT+CREG?/AT+CEREG?,
// AT+CSQ, AT+COPS?, AT+CMGF=0, AT+CSCA? (set when empty and configured), AT+CPMS="ME","ME","ME",
// AT+CNMI=2,1,0,2,0 (store and notify: +CMTI / +CDSI).
//
// Reset ladder when the modem stops answering (heartbeat or a command timed out):
//   1. ESC + AT (then init) — in place;
//   2. close and reopen the port (drops DTR), re-resolving the path;
//   3. AT+CFUN=1,1, then wait for the device to come back;
//   4. keep reopening with exponential back-off.
// Every open re-resolves the configured path with fs.realpath, because a USB modem re-enumerates
// under another ttyUSBn and only the by-id symlink is stable; while it does not resolve the state
// is 'absent' and the driver polls for it. An unplug is noticed by the port closing (EIO) or by the
// heartbeat, whichever comes first (serialport's close event alone is not reliable:
// serialport/node-serialport#2351).
import { EventEmitter } from 'node:events';
import { realpath } from 'node:fs/promises';
import { RwError } from '../../contract/errors.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import { decodeIncoming, encodeSubmit, type TextEncoding } from '../sms/index.js';
import { AtSession, isRestartBanner, type AtTimeouts, type TraceEvent, type UrcEvent } from './at-session.js';
import { bestRegistration, isRegistered, parseCmgl, parseCmgr, parseCops, parseCpin, parseCsca, parseCsq, parseNewMessageIndication, parseRegistration, parseRoutedHeader, pduHasSmsc } from './at-parsers.js';
import { type RegistrationState } from '../../contract/alerting.js';
import { IncomingAssembler } from './incoming-assembler.js';
import { ModemError, isModemError, type ModemErrorCode } from './modem-error.js';
import type { IncomingSms, ModemAlarm, ModemDriverEvents } from './modem-status.js';
import type { ModemState, ModemStatus } from '../../contract/alerting.js';
import type { OpenedPort } from './serial-port-opener.js';
import { SentTracker } from './sent-tracker.js';

export interface ModemDriverOptions {
  /** The configured port path; may be a symlink such as /dev/serial/by-id/…, re-resolved on every open. */
  readonly path: string;
  /** SIM PIN, sent at most once per boot and never again after a rejection. */
  readonly pin?: string;
  /** SMSC number set with AT+CSCA when the SIM has none (home-assistant/core#67449). */
  readonly smsc?: string;
  /** The next concat reference (0–255) from a counter the caller persists; called once per multi-part message. */
  readonly nextConcatRef: () => number;
  readonly timeouts?: Partial<AtTimeouts>;
  /** Heartbeat `AT` period (default 30 s) and its timeout (3 s). */
  readonly heartbeatMs?: number;
  readonly heartbeatTimeoutMs?: number;
  /** Signal, registration and operator refresh (default 60 s). */
  readonly refreshMs?: number;
  /** AT+CMGL=4 sweep for messages whose +CMTI was lost (default 5 min). */
  readonly sweepMs?: number;
  /** Poll period while the path does not resolve (default 1 s). */
  readonly pathPollMs?: number;
  /** Back-off of ladder step 4 (default 2 s doubling to 60 s). */
  readonly backoffMs?: { readonly initial: number; readonly max: number };
  /** Wait after AT+CFUN=1,1 before reopening (default 10 s). */
  readonly rebootWaitMs?: number;
  /** Quiet time after a boot banner before re-init, so a burst of banners runs init once (default 1 s). */
  readonly bootSettleMs?: number;
  /**
   * +CPIN: READY / Call Ready / SMS Ready this soon after a handled restart (RDY) or an accepted
   * PIN belong to that boot and do not trigger another init (default 30 s). Without a recent RDY
   * (autobaud modules print none) they do.
   */
  readonly bootWindowMs?: number;
  /** Wait between AT+CPIN? retries while the SIM is busy (CME 14) or just unlocked (default 2 s). */
  readonly simRetryMs?: number;
  /** An incomplete multi-part message is handed on after this long (default 1 h). */
  readonly partTimeoutMs?: number;
  /** Status reports match parts sent within this window (default 72 h). */
  readonly statusReportWindowMs?: number;
}

export interface ModemDriverDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Opens a resolved device path: openSerialPort in production, a duplexPair side in tests. */
  readonly openPort: (device: string) => Promise<OpenedPort>;
  /** Resolves the configured path to a device, or null while it does not exist. Default: fs.realpath. */
  readonly resolvePath?: (path: string) => Promise<string | null>;
  /** Every line written and read, for transcripts and debugging. */
  readonly onTrace?: (event: TraceEvent) => void;
}

export interface SendSmsRequest {
  /** '+' and digits, or national digits. */
  readonly to: string;
  readonly text: string;
  /** Concat reference to use; default: options.nextConcatRef() when the text needs several parts. */
  readonly concatRef?: number;
  /** Ask the SMSC for a status report (TP-SRR); reports arrive as 'status-report' events. */
  readonly statusReport?: boolean;
  readonly validityMinutes?: number;
  /**
   * Resume a multi-part message: parts before this index (0-based) were accepted by an earlier
   * attempt and are not sent again (RES). Needs the same `concatRef` as that attempt.
   */
  readonly firstPart?: number;
  /** Called as soon as the modem accepted a part, before the next one is written, so the caller can persist it. */
  readonly onPartSent?: (part: { readonly seq: number; readonly mr: number }) => void;
}

export interface SendSmsResult {
  /** One entry per part sent by this call, in order: its index in the message and the TP-MR the modem assigned (wraps at 255). */
  readonly parts: readonly { readonly seq: number; readonly mr: number }[];
  readonly encoding: TextEncoding;
  /** The concat reference used, for multi-part messages. */
  readonly concatRef?: number;
}

/** Why serving an open port ended. */
type Outcome = 'stopped' | 'gone' | 'unresponsive' | 'rebooting';

const INIT_ATTEMPTS = 5;
const SIM_RETRIES = 5;
const MODULE_ERROR_STREAK = 3;
const CLOSE_TIMEOUT_MS = 2_000;

interface Sleeper {
  readonly wakeable: boolean;
  wake(): void;
}

export class ModemDriver extends EventEmitter<ModemDriverEvents> {
  readonly #o: Required<Omit<ModemDriverOptions, 'pin' | 'smsc' | 'timeouts'>> & Pick<ModemDriverOptions, 'pin' | 'smsc' | 'timeouts'>;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #openPort: (device: string) => Promise<OpenedPort>;
  readonly #resolvePath: (path: string) => Promise<string | null>;
  readonly #onTrace: ((event: TraceEvent) => void) | undefined;
  #status: ModemStatus;
  #running: Promise<void> | undefined;
  #stopped = false;
  #session: AtSession | undefined;
  readonly #sleepers = new Set<Sleeper>();
  /** 0 healthy; 1 ESC+AT tried; 2 reopened; 3 CFUN=1,1 sent; > 3 back-off rounds. */
  #ladder = 0;
  // work for the serving loop
  #reinit = false;
  #suspect = false;
  #sweepNow = false;
  readonly #inbox: number[] = [];
  #initDone = false;
  /** When the last restart banner arrived or the PIN was accepted: the start of the current boot. */
  #bootAt = -Infinity;
  #lastHeartbeat = 0;
  #lastRefresh = 0;
  #lastSweep = 0;
  // policy state
  #pinRejected = false;
  #moduleErrorStreak = 0;
  readonly #assembler: IncomingAssembler;
  readonly #sent: SentTracker;
  #sendChain: Promise<void> = Promise.resolve();

  constructor(options: ModemDriverOptions, deps: ModemDriverDeps) {
    super();
    this.#o = {
      heartbeatMs: 30_000,
      heartbeatTimeoutMs: 3_000,
      refreshMs: 60_000,
      sweepMs: 300_000,
      pathPollMs: 1_000,
      backoffMs: { initial: 2_000, max: 60_000 },
      rebootWaitMs: 10_000,
      bootSettleMs: 1_000,
      bootWindowMs: 30_000,
      simRetryMs: 2_000,
      partTimeoutMs: 3_600_000,
      statusReportWindowMs: 72 * 3_600_000,
      ...options,
    };
    this.#clock = deps.clock;
    this.#log = deps.logger;
    this.#openPort = deps.openPort;
    this.#resolvePath = deps.resolvePath ?? resolveDevice;
    this.#onTrace = deps.onTrace;
    this.#assembler = new IncomingAssembler({ partTimeoutMs: this.#o.partTimeoutMs });
    this.#sent = new SentTracker({ windowMs: this.#o.statusReportWindowMs });
    this.#status = {
      state: 'absent', signal: { csq: null, dbm: null }, registration: 'unknown', operator: null, sim: 'unknown',
      lastError: null, sentCount: 0, failedCount: 0, receivedCount: 0, resetCount: 0, path: options.path, device: null,
      since: this.#clock.now(),
    };
  }

  /** The current snapshot (health, API, UI). */
  get status(): ModemStatus {
    return this.#status;
  }

  /** Starts the driver: it finds, opens and initialises the modem, and keeps doing so. */
  start(): void {
    if (this.#running) return;
    this.#stopped = false;
    this.#running = this.#run().catch((e: unknown) => this.#log.error('modem driver loop failed', { error: e }));
  }

  /** Stops every timer, the session and the port. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const s of [...this.#sleepers]) s.wake();
    this.#session?.dispose();
    await this.#running;
    this.#running = undefined;
  }

  /**
   * Sends one text as one or more SMS-SUBMIT parts (PDU mode). Rejects with RW_ERR_MODEM_NOT_READY
   * unless the state is 'ready', or with the ModemError of the failing part (`partsSent` says how
   * many parts went out before it: resending the whole text may duplicate them, which beats a loss).
   */
  sendSms(req: SendSmsRequest): Promise<SendSmsResult> {
    // One message at a time, so the parts of one message go out back to back.
    const result = this.#sendChain.then(() => this.#send(req));
    this.#sendChain = result.then(noop, noop);
    return result;
  }

  async #send(req: SendSmsRequest): Promise<SendSmsResult> {
    const session = this.#session;
    if (this.#status.state !== 'ready' || !session) {
      throw new ModemError('RW_ERR_MODEM_NOT_READY', { message: `RW_ERR_MODEM_NOT_READY: the modem is ${this.#status.state}` });
    }
    const base = { to: req.to, text: req.text, statusReport: req.statusReport ?? false, ...(req.validityMinutes === undefined ? {} : { validityMinutes: req.validityMinutes }) };
    let concatRef = req.concatRef;
    let pdus;
    try {
      pdus = encodeSubmit({ ...base, concatRef: concatRef ?? 0 });
      if (pdus.length > 1 && concatRef === undefined) {
        concatRef = this.#o.nextConcatRef() & 0xff;
        pdus = encodeSubmit({ ...base, concatRef });
      }
    } catch (e) {
      this.#patch({ failedCount: this.#status.failedCount + 1 });
      throw e;
    }
    const firstPart = req.firstPart ?? 0;
    if (!Number.isInteger(firstPart) || firstPart < 0 || firstPart >= pdus.length) {
      throw new RwError('RW_ERR_SMS_ENCODE', `RW_ERR_SMS_ENCODE: part ${firstPart + 1} does not exist in this ${pdus.length}-part message`);
    }
    const parts: { seq: number; mr: number }[] = [];
    for (let seq = firstPart; seq < pdus.length; seq++) {
      const pdu = pdus[seq] as (typeof pdus)[number];
      let mr: number;
      try {
        ({ mr } = await session.sendPdu(pdu.tpduLength, pdu.pduHex));
      } catch (e) {
        throw this.#sendFailed(e, parts.length);
      }
      parts.push({ seq, mr });
      if (base.statusReport) this.#sent.record(mr, req.to, this.#clock.now());
      req.onPartSent?.({ seq, mr });
    }
    this.#moduleErrorStreak = 0;
    this.#patch({ sentCount: this.#status.sentCount + 1 });
    return { parts, encoding: pdus[0]?.encoding ?? 'gsm7', ...(pdus.length > 1 && concatRef !== undefined ? { concatRef } : {}) };
  }

  // ---- lifecycle ----

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const device = await this.#waitForDevice();
      if (device === undefined) break;
      let port: OpenedPort;
      try {
        port = await this.#openPort(device);
      } catch (e) {
        this.#error(e);
        this.#patch({ state: 'absent' });
        await this.#sleep(this.#backoff(), false);
        continue;
      }
      if (this.#stopped) {
        await this.#close(port);
        break;
      }
      this.#patch({ device, state: 'initializing' });
      this.#log.info('modem port open', { path: this.#o.path, device });
      let outcome: Outcome;
      try {
        outcome = await this.#serve(port);
      } catch (e) {
        // A bug, not a modem condition: log it and go on as if the modem stopped answering,
        // because the appliance's only alert channel must not die with it.
        this.#log.error('modem driver failed while serving the port', { error: e });
        this.#error(e);
        outcome = this.#stopped ? 'stopped' : 'unresponsive';
      } finally {
        await this.#close(port);
      }
      this.#log.info('modem port closed', { outcome, ladder: this.#ladder });
      switch (outcome) {
        case 'stopped':
          return;
        case 'gone':
          this.#patch({ state: 'absent', device: null });
          await this.#sleep(this.#o.pathPollMs, false);
          break;
        case 'unresponsive':
          this.#countReset();
          if (this.#ladder < 2) this.#ladder = 2; // step 2: reopen now
          else {
            this.#ladder += 1; // step 4: back off, then reopen
            await this.#sleep(this.#backoff(), false);
          }
          break;
        case 'rebooting':
          this.#countReset();
          await this.#sleep(this.#o.rebootWaitMs, false);
          break;
      }
    }
  }

  /** Resolves the configured path, polling while it does not exist. Undefined when stopped. */
  async #waitForDevice(): Promise<string | undefined> {
    while (!this.#stopped) {
      let device: string | null;
      try {
        device = await this.#resolvePath(this.#o.path);
      } catch (e) {
        this.#error(e);
        device = null;
      }
      if (device !== null) return device;
      if (this.#status.state !== 'absent' || this.#status.device !== null) this.#patch({ state: 'absent', device: null });
      await this.#sleep(this.#o.pathPollMs, false);
    }
    return undefined;
  }

  async #close(port: OpenedPort): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = this.#clock.setTimeout(resolve, CLOSE_TIMEOUT_MS);
      port.close().then(
        () => {
          this.#clock.clearTimeout(timer);
          resolve();
        },
        (e: unknown) => {
          this.#log.warn('closing the modem port failed', { error: e });
          this.#clock.clearTimeout(timer);
          resolve();
        },
      );
    });
  }

  /** Serves one open port until it goes away, stops answering, or the driver stops. */
  async #serve(port: OpenedPort): Promise<Outcome> {
    const session = new AtSession(port.stream, { clock: this.#clock, logger: this.#log, ...(this.#o.timeouts ? { timeouts: this.#o.timeouts } : {}) });
    this.#session = session;
    this.#initDone = false;
    this.#reinit = false;
    this.#suspect = false;
    this.#inbox.length = 0;
    session.on('urc', (u) => this.#guardListener('urc', () => this.#onUrc(u)));
    session.on('boot', (line) => this.#onBanner(line));
    session.on('closed', (e) => {
      this.#log.warn('modem port went away', { error: e });
      this.#poke();
    });
    session.on('trace', (t) => {
      this.#onTrace?.(t);
      this.#log.debug(`${t.dir} ${t.text}`);
    });
    try {
      let outcome = await this.#initOrRecover(session);
      while (outcome === undefined) outcome = await this.#step(session);
      return outcome;
    } finally {
      session.dispose();
      if (this.#session === session) this.#session = undefined;
    }
  }

  #onBanner(line: string): void {
    const now = this.#clock.now();
    if (isRestartBanner(line)) this.#bootAt = now;
    else if (now - this.#bootAt < this.#o.bootWindowMs) {
      this.#log.debug('boot banner of the boot already handled', { line });
      return;
    }
    this.#log.info('modem boot banner: init again', { line });
    this.#reinit = true;
    this.#poke();
  }

  /** One unit of work of the serving loop, or a sleep until the next one is due. */
  async #step(session: AtSession): Promise<Outcome | undefined> {
    if (this.#stopped) return 'stopped';
    if (session.closed) return 'gone';
    if (this.#reinit) {
      await this.#sleep(this.#o.bootSettleMs, false); // let the rest of the banner burst arrive
      this.#reinit = false;
      return this.#initOrRecover(session);
    }
    if (this.#suspect) {
      this.#suspect = false;
      return this.#heartbeat(session);
    }
    const index = this.#inbox.shift();
    if (index !== undefined) return this.#work(session, () => this.#readStored(session, index));
    const now = this.#clock.now();
    if (now >= this.#lastHeartbeat + this.#o.heartbeatMs) return this.#heartbeat(session);
    if (now >= this.#lastRefresh + this.#o.refreshMs) return this.#work(session, () => this.#refresh(session));
    if (this.#initDone && (this.#sweepNow || now >= this.#lastSweep + this.#o.sweepMs)) return this.#work(session, () => this.#sweep(session));
    for (const sms of this.#assembler.expire(now)) this.#emitSms(sms);
    const due = Math.min(
      this.#lastHeartbeat + this.#o.heartbeatMs,
      this.#lastRefresh + this.#o.refreshMs,
      this.#initDone ? this.#lastSweep + this.#o.sweepMs : Infinity,
    );
    await this.#sleep(Math.max(1, due - now), true);
    return undefined;
  }

  /** Runs init, retrying failures that are not timeouts, and climbing the ladder on timeouts. */
  async #initOrRecover(session: AtSession): Promise<Outcome | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#init(session);
        this.#ladder = 0;
        return undefined;
      } catch (e) {
        if (this.#stopped) return 'stopped';
        if (isModemError(e, 'RW_ERR_MODEM_GONE')) return session.closed ? 'gone' : 'stopped';
        this.#error(e);
        if (isModemError(e, 'RW_ERR_MODEM_TIMEOUT')) return this.#recover(session);
        // ERROR / CMS / CME during init: often the module is still booting (CMS 302). Retry a few times.
        if (attempt >= INIT_ATTEMPTS) return 'unresponsive';
        await this.#sleep(this.#o.simRetryMs, false);
      }
    }
  }

  /** Ladder step 1 in place (ESC + AT, init); step 3 (AT+CFUN=1,1) when a reopen did not help. */
  async #recover(session: AtSession): Promise<Outcome | undefined> {
    this.#countReset();
    this.#patch({ state: 'resetting' });
    this.#log.warn('modem not answering: ESC + AT', { ladder: this.#ladder });
    try {
      await session.resync(this.#o.heartbeatTimeoutMs);
      await this.#init(session);
      this.#ladder = 0;
      return undefined;
    } catch (e) {
      if (this.#stopped) return 'stopped';
      if (session.closed) return 'gone';
      this.#error(e);
    }
    if (this.#ladder === 2) {
      this.#ladder = 3;
      this.#log.warn('modem still not answering after a reopen: AT+CFUN=1,1');
      try {
        await session.command('AT+CFUN=1,1', { timeoutMs: this.#o.heartbeatTimeoutMs });
      } catch (e) {
        this.#log.warn('AT+CFUN=1,1 got no answer', { error: e });
      }
      return 'rebooting';
    }
    if (this.#ladder < 2) this.#ladder = 1;
    return 'unresponsive';
  }

  async #heartbeat(session: AtSession): Promise<Outcome | undefined> {
    this.#lastHeartbeat = this.#clock.now();
    try {
      await session.command('AT', { timeoutMs: this.#o.heartbeatTimeoutMs });
      return undefined;
    } catch (e) {
      if (this.#stopped) return 'stopped';
      if (session.closed) return 'gone';
      this.#error(e);
      if (isModemError(e, 'RW_ERR_MODEM_TIMEOUT')) return this.#recover(session);
      return undefined; // ERROR to a bare AT: alive, if odd
    }
  }

  /** Runs one piece of work; a timeout makes the next step a liveness check. */
  async #work(session: AtSession, fn: () => Promise<void>): Promise<Outcome | undefined> {
    try {
      await fn();
    } catch (e) {
      if (this.#stopped) return 'stopped';
      if (session.closed) return 'gone';
      this.#error(e);
      if (isModemError(e, 'RW_ERR_MODEM_TIMEOUT')) this.#suspect = true;
    }
    return undefined;
  }

  // ---- init ----

  async #init(session: AtSession): Promise<void> {
    this.#initDone = false;
    this.#patch({ state: 'initializing' });
    let alive: unknown;
    for (let i = 0; i < 3; i++) {
      try {
        await session.command('AT', { timeoutMs: this.#o.heartbeatTimeoutMs }); // also syncs autobaud
        alive = true;
        break;
      } catch (e) {
        // no answer while booting, or the RDY of the boot cut the command short
        if (!isModemError(e, 'RW_ERR_MODEM_TIMEOUT') && !isModemError(e, 'RW_ERR_MODEM_REBOOTED')) throw e;
        alive = e;
      }
    }
    if (alive !== true) throw alive;
    // Everything from here on configures the modem as it is now: banners so far are handled.
    this.#reinit = false;
    await session.command('ATE0'); // V.250 §6.2.4: no echo
    await session.command('AT+CMEE=1'); // TS 27.007 §9.1: numeric +CME ERROR codes
    if (!(await this.#unlockSim(session))) {
      this.#lastHeartbeat = this.#lastRefresh = this.#lastSweep = this.#clock.now();
      return;
    }
    await this.#refresh(session);
    await session.command('AT+CMGF=0'); // TS 27.005 §3.2.3: PDU mode
    await this.#checkSmsc(session);
    await this.#selectStorage(session);
    await session.command('AT+CNMI=2,1,0,2,0'); // TS 27.005 §3.4.1: +CMTI for SMS, +CDSI for status reports
    const now = this.#clock.now();
    this.#lastHeartbeat = this.#lastRefresh = now;
    this.#sweepNow = true; // messages that arrived while the port was closed
    this.#initDone = true;
    this.#patch({ state: isRegistered(this.#status.registration) ? 'ready' : 'no-network' });
    this.#log.info('modem ready', { state: this.#status.state, operator: this.#status.operator, signal: this.#status.signal });
  }

  /** AT+CPIN? (TS 27.007 §8.3). Returns true when the SIM is ready; otherwise sets the state and alarms. */
  async #unlockSim(session: AtSession): Promise<boolean> {
    let pinSent = false;
    for (let attempt = 0; ; attempt++) {
      let line: string;
      try {
        line = (await session.command('AT+CPIN?')).lines[0] ?? '';
      } catch (e) {
        const cls = isModemError(e) ? e.classification : undefined;
        if (cls && (cls.kind === 'cme' ? cls.code === 14 : cls.code === 314) && attempt < SIM_RETRIES) {
          await this.#sleep(this.#o.simRetryMs, false); // SIM busy right after boot
          continue;
        }
        if (cls && (cls.kind === 'cme' ? cls.code === 10 : cls.code === 310)) {
          this.#simProblem('absent', 'no-network', 'RW_ERR_MODEM_SIM', 'no SIM card is inserted');
          return false;
        }
        if (cls?.class === 'fatal') {
          this.#simProblem('error', 'no-network', 'RW_ERR_MODEM_SIM', `the SIM reports ${cls.meaning}`);
          return false;
        }
        throw e;
      }
      const sim = parseCpin(line) ?? 'unknown';
      switch (sim) {
        case 'ready':
          this.#patch({ sim });
          return true;
        case 'pin-required':
          if (this.#pinRejected) {
            this.#simProblem(sim, 'pin-failed', 'RW_ERR_MODEM_PIN', 'the SIM PIN was rejected earlier and is not sent again');
            return false;
          }
          if (this.#o.pin === undefined) {
            this.#simProblem(sim, 'pin-required', 'RW_ERR_MODEM_PIN', 'the SIM needs a PIN and none is configured');
            return false;
          }
          if (pinSent) {
            // accepted, but the SIM has not caught up yet
            if (attempt >= SIM_RETRIES) {
              this.#simProblem(sim, 'pin-failed', 'RW_ERR_MODEM_PIN', 'the SIM still asks for its PIN after accepting it');
              return false;
            }
            await this.#sleep(this.#o.simRetryMs, false);
            continue;
          }
          pinSent = true;
          try {
            // Sent at most once: three wrong PINs lock the SIM behind its PUK.
            await session.command(`AT+CPIN="${this.#o.pin}"`, { redactedAs: 'AT+CPIN="****"' });
          } catch (e) {
            // Any failure counts: a timeout may have consumed an attempt too.
            this.#pinRejected = true;
            this.#error(e);
            this.#simProblem(sim, 'pin-failed', 'RW_ERR_MODEM_PIN', 'the SIM rejected the configured PIN; it will not be tried again');
            if (isModemError(e, 'RW_ERR_MODEM_GONE')) throw e;
            return false;
          }
          this.#log.info('SIM PIN accepted');
          this.#bootAt = this.#clock.now(); // +CPIN: READY / SMS Ready will follow
          await this.#sleep(this.#o.simRetryMs, false);
          continue;
        case 'puk-required':
          this.#simProblem(sim, 'pin-failed', 'RW_ERR_MODEM_SIM', 'the SIM is blocked and needs its PUK');
          return false;
        case 'absent':
        case 'error':
        case 'unknown':
          this.#simProblem(sim, 'no-network', 'RW_ERR_MODEM_SIM', `the SIM is not usable (${line})`);
          return false;
      }
    }
  }

  async #checkSmsc(session: AtSession): Promise<void> {
    try {
      const sca = parseCsca((await session.command('AT+CSCA?')).lines[0] ?? '');
      if (sca) return;
      if (this.#o.smsc) {
        await session.command(`AT+CSCA="${this.#o.smsc}",${this.#o.smsc.startsWith('+') ? 145 : 129}`); // TS 27.005 §3.3.1
        this.#log.info('SMSC was empty: set it', { smsc: this.#o.smsc });
      } else {
        this.#log.warn('the SIM has no SMSC and none is configured: sends will fail with CMS 330');
      }
    } catch (e) {
      if (isModemError(e, 'RW_ERR_MODEM_TIMEOUT') || isModemError(e, 'RW_ERR_MODEM_GONE')) throw e;
      this.#log.warn('cannot read or set the SMSC', { error: e });
    }
  }

  /** AT+CPMS (TS 27.005 §3.2.2): phone memory, or the SIM's on modules without ME storage. */
  async #selectStorage(session: AtSession): Promise<void> {
    try {
      await session.command('AT+CPMS="ME","ME","ME"');
    } catch (e) {
      if (isModemError(e, 'RW_ERR_MODEM_TIMEOUT') || isModemError(e, 'RW_ERR_MODEM_GONE')) throw e;
      await session.command('AT+CPMS="SM","SM","SM"');
    }
  }

  /** Registration, signal and operator; moves between 'ready' and 'no-network'. */
  async #refresh(session: AtSession): Promise<void> {
    this.#lastRefresh = this.#clock.now();
    if (!this.#initDone && this.#status.state !== 'initializing') {
      // SIM missing or PIN needed: look again at the refresh pace (never re-sends a rejected PIN)
      this.#reinit = this.#status.state !== 'pin-failed';
      return;
    }
    const creg = await this.#optional(session, 'AT+CREG?');
    const cereg = await this.#optional(session, 'AT+CEREG?');
    const registration: RegistrationState = bestRegistration(
      parseRegistration(creg ?? '', true) ?? 'unknown',
      parseRegistration(cereg ?? '', true) ?? 'unknown',
    );
    const signal = parseCsq((await session.command('AT+CSQ')).lines[0] ?? '') ?? { csq: null, dbm: null };
    const operator = isRegistered(registration) ? (parseCops((await session.command('AT+COPS?')).lines[0] ?? '') ?? null) : null;
    this.#patch({ registration, signal, operator });
    this.#updateReadiness();
  }

  /** A query some modules do not know (AT+CEREG? on a 2G module): its first line, or undefined on ERROR. */
  async #optional(session: AtSession, cmd: string): Promise<string | undefined> {
    try {
      return (await session.command(cmd)).lines[0];
    } catch (e) {
      if (isModemError(e, 'RW_ERR_MODEM_TIMEOUT') || isModemError(e, 'RW_ERR_MODEM_GONE')) throw e;
      return undefined;
    }
  }

  #updateReadiness(): void {
    const { state, registration } = this.#status;
    if (!this.#initDone) return;
    if (state === 'ready' && !isRegistered(registration)) this.#patch({ state: 'no-network' });
    if (state === 'no-network' && isRegistered(registration) && this.#status.sim === 'ready') this.#patch({ state: 'ready' });
  }

  #simProblem(sim: ModemStatus['sim'], state: ModemState, code: ModemAlarm['code'], message: string): void {
    const changed = this.#status.state !== state || this.#status.sim !== sim;
    this.#patch({ sim, state, lastError: { code, message, at: this.#clock.now() } });
    if (changed) {
      this.#log.error(message, { code });
      this.#emitSafe('alarm', { code, message });
    }
  }

  // ---- incoming ----

  #onUrc(u: UrcEvent): void {
    const indication = parseNewMessageIndication(u.line);
    if (indication) {
      this.#inbox.push(indication.index);
      this.#poke();
      return;
    }
    const routed = parseRoutedHeader(u.line);
    if (routed && u.pdu !== undefined) {
      this.#handlePdu(u.pdu, routed.length);
      return;
    }
    if (/^\+C(?:E|G)?REG:/.test(u.line)) {
      const registration = parseRegistration(u.line, false);
      if (registration) {
        this.#patch({ registration });
        this.#updateReadiness();
      }
      return;
    }
    if (/^\^SMMEMFULL/.test(u.line)) {
      this.#sweepNow = true;
      this.#poke();
      return;
    }
    this.#log.debug('URC', { line: u.line });
  }

  /** AT+CMGR then AT+CMGD (TS 27.005 §3.4.3, §3.5.4). An empty index (CMS 321) is benign. */
  async #readStored(session: AtSession, index: number): Promise<void> {
    let lines: readonly string[];
    try {
      lines = (await session.command(`AT+CMGR=${index}`)).lines;
    } catch (e) {
      if (isModemError(e, 'RW_ERR_MODEM_CMS') && e.classification?.class === 'benign') return; // already swept
      throw e;
    }
    const stored = parseCmgr(lines, index);
    if (stored) this.#handlePdu(stored.pdu, stored.length);
    await session.command(`AT+CMGD=${index}`);
  }

  /** AT+CMGL=4 (all messages, TS 27.005 §3.4.2): catches messages whose URC was lost. */
  async #sweep(session: AtSession): Promise<void> {
    this.#lastSweep = this.#clock.now();
    this.#sweepNow = false;
    const listed = parseCmgl((await session.command('AT+CMGL=4', { timeoutMs: this.#timeoutsCommand() * 3 })).lines);
    for (const stored of listed) {
      this.#handlePdu(stored.pdu, stored.length);
      await session.command(`AT+CMGD=${stored.index}`);
    }
  }

  #timeoutsCommand(): number {
    return this.#session?.timeouts.commandMs ?? 5_000;
  }

  #handlePdu(hex: string, tpduLength: number): void {
    let pdu;
    try {
      pdu = decodeIncoming(hex, { withSmsc: pduHasSmsc(hex, tpduLength) });
    } catch (e) {
      this.#log.warn('cannot decode a stored PDU: deleted', { error: e, hex });
      return;
    }
    const now = this.#clock.now();
    switch (pdu.kind) {
      case 'deliver':
        for (const sms of this.#assembler.add(pdu.message, now)) this.#emitSms(sms);
        return;
      case 'status-report': {
        const r = pdu.report;
        const matched = this.#sent.match(r.mr, r.recipient, now, r.statusClass === 'pending');
        this.#emitSafe('status-report', {
          mr: r.mr, recipient: r.recipient, statusClass: r.statusClass, status: r.status, matched, dischargeTime: r.dischargeTime.epochMs,
        });
        return;
      }
      case 'submit':
        return; // a stored outgoing message: not ours to handle
    }
  }

  #emitSms(sms: IncomingSms): void {
    this.#patch({ receivedCount: this.#status.receivedCount + 1 });
    this.#emitSafe('sms', sms);
  }

  // ---- errors, status, events, sleeping ----

  #sendFailed(e: unknown, partsSent: number): unknown {
    this.#patch({ failedCount: this.#status.failedCount + 1 });
    this.#error(e);
    if (!isModemError(e)) return e;
    if (e.code === 'RW_ERR_MODEM_TIMEOUT') {
      this.#suspect = true;
      this.#poke();
    }
    const cls = e.classification?.class;
    if (cls === 'transient-module' && ++this.#moduleErrorStreak >= MODULE_ERROR_STREAK) {
      this.#moduleErrorStreak = 0;
      this.#reinit = true;
      this.#poke();
    }
    if (cls === 'state') {
      this.#reinit = true; // init fixes mode, SMSC and PIN
      this.#poke();
    }
    return new ModemError(e.code as ModemErrorCode, {
      message: e.message, cause: e, partsSent,
      ...(e.command === undefined ? {} : { command: e.command }),
      ...(e.phase === undefined ? {} : { phase: e.phase }),
      ...(e.classification === undefined ? {} : { classification: e.classification }),
    });
  }

  #error(e: unknown): void {
    const code = e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : 'RW_ERR_INTERNAL';
    const message = e instanceof Error ? e.message : String(e);
    this.#patch({ lastError: { code, message, at: this.#clock.now() } });
  }

  #countReset(): void {
    this.#patch({ resetCount: this.#status.resetCount + 1 });
  }

  #backoff(): number {
    const { initial, max } = this.#o.backoffMs;
    const rounds = Math.max(0, this.#ladder - 3);
    return Math.min(max, initial * 2 ** Math.min(rounds, 16));
  }

  #patch(change: Partial<ModemStatus>): void {
    const next = { ...this.#status, ...change };
    const keys = Object.keys(change) as (keyof ModemStatus)[];
    if (keys.every((k) => JSON.stringify(next[k]) === JSON.stringify(this.#status[k]))) return;
    this.#status = { ...next, since: this.#clock.now() };
    this.#emitSafe('status', this.#status);
  }

  /** Emits without letting a listener's exception reach the driver loop (docs/conventions.md 7). */
  #emitSafe<K extends keyof ModemDriverEvents>(event: K, ...args: ModemDriverEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: ModemDriverEvents[K]) => boolean)(event, ...args);
    } catch (e) {
      this.#log.error(`a modem '${String(event)}' listener threw`, { error: e });
    }
  }

  #guardListener(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.#log.error(`handling a modem ${what} failed`, { error: e });
    }
  }

  /** Wakes the serving loop's idle sleep (new work). */
  #poke(): void {
    for (const s of [...this.#sleepers]) if (s.wakeable) s.wake();
  }

  /** Sleeps on the Clock; stop() always wakes it, #poke() only when `wakeable`. */
  #sleep(ms: number, wakeable: boolean): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const sleeper: Sleeper = {
        wakeable,
        wake: () => {
          this.#clock.clearTimeout(timer);
          this.#sleepers.delete(sleeper);
          resolve();
        },
      };
      const timer = this.#clock.setTimeout(() => sleeper.wake(), ms);
      this.#sleepers.add(sleeper);
    });
  }
}

function noop(): void {
  // a settled link of the send chain: its outcome belongs to the caller of sendSms
}

/** fs.realpath of the configured path; null while it (or a link in it) does not exist. */
export async function resolveDevice(path: string): Promise<string | null> {
  try {
    return await realpath(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
}
