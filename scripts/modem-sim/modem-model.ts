// A simulated GSM modem (the DCE): the state machine of an AT modem in PDU mode, answering the
// commands rackwatch's driver sends with realistic replies and delays (TS 27.007, TS 27.005).
// It talks through two plain functions: `receive(bytes)` in, `write(text)` out, and keeps time on
// an injected Clock, so the SAME model drives the engine tests over a duplexPair with fake time
// and the end-to-end tests on a socat pty with real time.
//
// Modelled: echo (on after boot, ATE0), +CMEE, SIM PIN/PUK (3 attempts), registration, CSQ,
// operator, SMSC (empty → +CMS 330), ME storage for CMGR/CMGL/CMGD with +CMTI, SMS-SUBMIT through
// the `> ` prompt (each PDU decoded with the real codec into the log), TP-MR numbering,
// status reports after a send with TP-SRR (+CDSI or +CDS), CFUN=1,1 and boot banners, and the
// faults of sim-faults.ts.
import type { Clock } from '../../core/clock.js';
import { decodeSubmit, encodeDeliver, encodeStatusReport, segmentText, type SmsTimestampFields } from '../../gsm/sms/index.js';
import { SimFaults } from './sim-faults.js';
import { SimLog } from './sim-log.js';

export interface ModemDelays {
  /** Reply to a plain command. */
  readonly replyMs: number;
  /** AT+CMGS → `> `. */
  readonly promptMs: number;
  /** PDU written → `+CMGS: <mr>` (the network round trip). */
  readonly sendMs: number;
  /** `+CMGS` → the status report (+CDSI). */
  readonly reportMs: number;
  /** Power-on or CFUN=1,1 → `RDY` (commands get no answer until then). */
  readonly bootMs: number;
  /** Boot (or a correct PIN) → `+CPIN: READY`, `SMS Ready`. */
  readonly simReadyMs: number;
}

export const REALISTIC_DELAYS: ModemDelays = { replyMs: 15, promptMs: 40, sendMs: 1_200, reportMs: 3_000, bootMs: 800, simReadyMs: 400 };

export interface ModemModelOptions {
  /** The SIM asks for this PIN after each power-on; undefined: no PIN. */
  readonly pin?: string;
  readonly simPresent?: boolean;
  readonly operator?: string;
  /** AT+CSQ rssi (0–31, 99 unknown). */
  readonly csq?: number;
  /** +CREG stat: 1 home, 5 roaming, 2 searching, 3 denied, 0 not registered. */
  readonly registration?: number;
  /** Answers AT+CEREG? (an LTE module); a 2G module answers ERROR. */
  readonly lte?: boolean;
  /** The SIM's SMSC ('' = empty, as in home-assistant/core#67449). */
  readonly smsc?: string;
  /** TP-ST of status reports (0x00 delivered; 0x41 … failed). */
  readonly reportStatus?: number;
  /** Answer ESC in SMS input mode with OK (many modules do; some stay silent). */
  readonly escAnswersOk?: boolean;
  readonly storageSize?: number;
  readonly delays?: Partial<ModemDelays>;
}

interface Stored {
  stat: 0 | 1; // 0 REC UNREAD, 1 REC READ (TS 27.005 §3.1 <stat>)
  readonly pdu: string;
  readonly length: number;
}

type Sim = 'ready' | 'pin' | 'puk' | 'absent';

export class ModemModel {
  readonly log = new SimLog();
  readonly faults = new SimFaults();
  readonly #clock: Clock;
  readonly #o: Required<Omit<ModemModelOptions, 'pin' | 'delays'>> & { pin: string | undefined };
  readonly #d: ModemDelays;
  #write: ((text: string) => void) | undefined;
  readonly #timers = new Set<unknown>();
  readonly #storage = new Map<number, Stored>();
  // ---- state that a power cycle resets ----
  #powered = false;
  #booting = false;
  #echo = true;
  #cmee = 0;
  #cmgf = 0;
  #cnmi = { mt: 0, ds: 0 };
  #sim: Sim = 'ready';
  #pinAttempts = 3;
  #input = '';
  /** SMS input mode after AT+CMGS: the announced TPDU length, and whether the prompt was shown. */
  #pduMode: { length: number; prompted: boolean; timer: unknown } | undefined;
  #mr = 0;
  #incomingRef = 0;
  #smsc: string;
  #csq: number;
  #registration: number;
  #operator: string;

  constructor(options: ModemModelOptions, deps: { clock: Clock }) {
    this.#clock = deps.clock;
    this.#o = {
      pin: options.pin,
      simPresent: options.simPresent ?? true,
      operator: options.operator ?? 'SKTelecom',
      csq: options.csq ?? 21,
      registration: options.registration ?? 1,
      lte: options.lte ?? true,
      smsc: options.smsc ?? '+821000000000',
      reportStatus: options.reportStatus ?? 0,
      escAnswersOk: options.escAnswersOk ?? true,
      storageSize: options.storageSize ?? 50,
    };
    this.#d = { ...REALISTIC_DELAYS, ...options.delays };
    this.#smsc = this.#o.smsc;
    this.#csq = this.#o.csq;
    this.#registration = this.#o.registration;
    this.#operator = this.#o.operator;
  }

  /** Connects the model's output (the DCE side of the line). */
  attach(write: (text: string) => void): void {
    this.#write = write;
  }

  /** Disconnects the output and cancels everything scheduled (unplugged: no power). */
  detach(): void {
    this.#write = undefined;
    this.#powered = false;
    this.#cancelAll();
  }

  /** Powers the modem on: after bootMs it prints its banners and answers commands. */
  powerOn(options: { banners?: boolean } = {}): void {
    this.#reset();
    this.#powered = true;
    this.#booting = true;
    this.#after(this.#d.bootMs, () => {
      this.#booting = false;
      if (options.banners === false) return;
      this.#urc('RDY');
      this.#announceSim();
    });
  }

  /** A reboot as after AT+CFUN=1,1 or a brown-out: boot banners, then init state. */
  reboot(): void {
    this.#cancelAll();
    this.powerOn();
  }

  /** Powered on and booted: answers commands at once (for tests that start in steady state). */
  powerOnReady(): void {
    this.#reset();
    this.#powered = true;
  }

  setSignal(csq: number): void {
    this.#csq = csq;
  }

  setRegistration(stat: number): void {
    this.#registration = stat;
  }

  get storedCount(): number {
    return this.#storage.size;
  }

  /** Stores an incoming SMS (split into parts as a network would) and notifies per +CNMI. Returns the storage indexes. */
  deliverSms(from: string, text: string, options: { timestamp?: SmsTimestampFields } = {}): number[] {
    const timestamp = options.timestamp ?? fieldsOf(this.#clock.now());
    const { segments } = segmentText(text);
    const ref = (this.#incomingRef = (this.#incomingRef + 1) & 0xff);
    const indexes: number[] = [];
    segments.forEach((s, i) => {
      const concat = segments.length > 1 ? { ref, total: segments.length, seq: i + 1, refBits: 8 as const } : undefined;
      const pdu = encodeDeliver({ sender: from, timestamp, text: s.text, ...(concat ? { concat } : {}) });
      const index = this.#notifyNew(pdu, 'SMS');
      if (index !== undefined) indexes.push(index);
    });
    return indexes;
  }

  /** Writes an unsolicited result code now (and its PDU line for +CMT/+CDS), e.g. a vendor URC. */
  emitUrc(line: string, pdu?: string): void {
    this.#urc(line, pdu);
  }

  /** Bytes from the DTE. */
  receive(chunk: Buffer | string): void {
    if (!this.#powered) return;
    const text = typeof chunk === 'string' ? chunk : chunk.toString('latin1');
    for (const ch of text) this.#char(ch);
  }

  /** Cancels every scheduled reply (stop()). */
  dispose(): void {
    this.detach();
  }

  // ---- input ----

  #char(ch: string): void {
    if (this.#pduMode) {
      this.#pduChar(ch);
      return;
    }
    if (ch === '\x1b') {
      this.#input = '';
      return;
    }
    if (this.#echo) this.#out(ch);
    if (ch === '\r' || ch === '\n') {
      const line = this.#input.trim();
      this.#input = '';
      if (line) this.#command(line);
      return;
    }
    this.#input += ch;
  }

  #pduChar(ch: string): void {
    const mode = this.#pduMode;
    if (!mode) return;
    if (ch === '\x1b') {
      // ESC: leave SMS input mode without sending (TS 27.005 §3.5.1)
      this.#clock.clearTimeout(mode.timer);
      this.#pduMode = undefined;
      this.#input = '';
      if (this.#o.escAnswersOk) this.#reply([], 'OK');
      return;
    }
    if (this.#echo && mode.prompted) this.#out(ch);
    if (ch === '\x1a') {
      const hex = this.#input.replace(/\s+/g, '');
      this.#input = '';
      this.#pduMode = undefined;
      this.#clock.clearTimeout(mode.timer);
      this.#submit(hex, mode.length);
      return;
    }
    this.#input += ch;
  }

  // ---- commands ----

  #command(line: string): void {
    if (this.#booting) return; // not listening yet
    this.log.commands.push({ at: this.#clock.now(), line });
    if (!/^AT/i.test(line)) return; // modems ignore lines that do not start with AT
    const fault = this.faults.takeCommandFault(line);
    if (fault === 'silent') return;
    if (fault === 'error') {
      this.#reply([], 'ERROR');
      return;
    }
    const upper = line.toUpperCase();
    const body = upper.slice(2);
    const arg = line.slice(line.indexOf('=') + 1);
    const needSim = (): boolean => {
      if (this.#sim === 'ready') return true;
      this.#cmsOrCme(this.#sim === 'absent' ? 10 : this.#sim === 'puk' ? 12 : 11, line);
      return false;
    };
    const ok = (lines: string[] = []): void => this.#reply(lines, 'OK', line);

    if (body === '' || body === 'Z' || body === '&F') return ok();
    if (body === 'E0' || body === 'E1') {
      ok();
      this.#echo = body === 'E1';
      return;
    }
    if (body === 'I' || body === '+CGMI') return ok(['rackwatch-sim']);
    if (body === '+CGMM') return ok(['RW-SIM-1']);
    if (body === '+CGSN') return ok(['356938035643809']);
    if (body.startsWith('+CMEE=')) {
      this.#cmee = Number(arg) || 0;
      return ok();
    }
    if (body === '+CPIN?') {
      const state = { ready: 'READY', pin: 'SIM PIN', puk: 'SIM PUK' } as const;
      if (this.#sim === 'absent') return this.#cme(10);
      return ok([`+CPIN: ${state[this.#sim]}`]);
    }
    if (body.startsWith('+CPIN=')) return this.#enterPin(unquote(arg));
    if (body === '+CREG?') return ok([`+CREG: 0,${this.#regStat()}`]);
    if (body === '+CEREG?') return this.#o.lte ? ok([`+CEREG: 0,${this.#regStat()}`]) : this.#reply([], 'ERROR');
    if (body === '+CSQ') return ok([`+CSQ: ${this.#csq},99`]);
    if (body === '+COPS?') return ok([this.#registered() ? `+COPS: 0,0,"${this.#operator}",7` : '+COPS: 0']);
    if (body === '+CFUN?') return ok(['+CFUN: 1']);
    if (body.startsWith('+CFUN=')) {
      ok();
      if (/^1,1/.test(arg)) this.#after(this.#d.replyMs + 50, () => this.reboot());
      return;
    }
    if (body === '+CMGF?') return ok([`+CMGF: ${this.#cmgf}`]);
    if (body.startsWith('+CMGF=')) {
      this.#cmgf = Number(arg) === 1 ? 1 : 0;
      return ok();
    }
    if (body === '+CIMI') return needSim() ? ok(['450051234567890']) : undefined;
    if (body === '+CSCA?') {
      if (!needSim()) return;
      return ok([this.#smsc ? `+CSCA: "${this.#smsc}",145` : '+CSCA: "",129']);
    }
    if (body.startsWith('+CSCA=')) {
      if (!needSim()) return;
      this.#smsc = unquote(arg.split(',')[0] ?? '');
      return ok();
    }
    if (body.startsWith('+CPMS=')) {
      if (!needSim()) return;
      const used = this.#storage.size;
      const size = this.#o.storageSize;
      return ok([`+CPMS: ${used},${size},${used},${size},${used},${size}`]);
    }
    if (body.startsWith('+CNMI=')) {
      const [, mt, , ds] = arg.split(',').map(Number);
      this.#cnmi = { mt: mt ?? 0, ds: ds ?? 0 };
      return ok();
    }
    if (body.startsWith('+CMGS=')) return this.#cmgs(Number(arg));
    if (body.startsWith('+CMGR=')) {
      if (!needSim()) return;
      const stored = this.#storage.get(Number(arg));
      if (!stored) return this.#cms(321);
      const lines = [`+CMGR: ${stored.stat},,${stored.length}`, stored.pdu];
      stored.stat = 1;
      return ok(lines);
    }
    if (body.startsWith('+CMGL=')) {
      if (!needSim()) return;
      const want = Number(arg);
      const lines: string[] = [];
      for (const [index, s] of [...this.#storage.entries()].sort((a, b) => a[0] - b[0])) {
        if (want !== 4 && s.stat !== want) continue;
        lines.push(`+CMGL: ${index},${s.stat},,${s.length}`, s.pdu);
        s.stat = 1;
      }
      return ok(lines);
    }
    if (body.startsWith('+CMGD=')) {
      if (!needSim()) return;
      const [index, flag] = arg.split(',').map(Number);
      if (flag === 4) this.#storage.clear();
      else this.#storage.delete(index ?? -1);
      return ok();
    }
    this.#reply([], 'ERROR');
  }

  #enterPin(pin: string): void {
    if (this.#sim !== 'pin') return this.#cme(this.#sim === 'puk' ? 12 : 3);
    if (pin === this.#o.pin) {
      this.#pinAttempts = 3;
      this.#sim = 'ready';
      this.#reply([], 'OK');
      this.#after(this.#d.simReadyMs, () => this.#announceSim());
      return;
    }
    this.#pinAttempts -= 1;
    if (this.#pinAttempts <= 0) this.#sim = 'puk';
    this.#cme(16); // incorrect password
  }

  #cmgs(length: number): void {
    if (this.#cmgf !== 0) return this.#cms(302);
    if (this.#sim !== 'ready') return this.#cms(this.#sim === 'puk' ? 316 : this.#sim === 'absent' ? 310 : 311);
    if (!Number.isInteger(length) || length < 7 || length > 175) return this.#cms(304);
    const late = this.faults.takeLatePrompt();
    const mode = { length, prompted: false, timer: undefined as unknown };
    this.#pduMode = mode;
    mode.timer = this.#after(late ?? this.#d.promptMs, () => {
      if (this.#pduMode !== mode) return; // cancelled by ESC
      mode.prompted = true;
      this.#out('\r\n> ');
    });
  }

  #submit(hex: string, announced: number): void {
    const at = this.#clock.now();
    const reject = (cms: number, reason: string): void => {
      this.log.rejected.push({ at, pduHex: hex, cms, reason });
      this.#cms(cms);
    };
    if (!/^([0-9A-Fa-f]{2})+$/.test(hex)) return reject(304, 'the PDU is not hex');
    const smscOctets = parseInt(hex.slice(0, 2), 16) + 1;
    const tpduLength = hex.length / 2 - smscOctets;
    if (tpduLength !== announced) return reject(304, `AT+CMGS announced ${announced} octets, the TPDU has ${tpduLength}`);
    let decoded: ReturnType<typeof decodeSubmit>;
    try {
      decoded = decodeSubmit(hex, { withSmsc: true });
    } catch (e) {
      return reject(304, (e as Error).message);
    }
    if (smscOctets === 1 && !this.#smsc) return reject(330, 'no SMSC in the PDU and none on the SIM');
    if (!this.#registered()) return reject(331, 'not registered');
    const injected = this.faults.takeCmsForSubmit();
    if (injected !== undefined) return reject(injected, 'fault script');
    const mr = this.#mr;
    this.#mr = (this.#mr + 1) & 0xff; // TP-MR wraps at 255 (TS 23.040 §9.2.3.6)
    const delay = this.faults.takeSlowSend() ?? this.#d.sendMs;
    this.#after(delay, () => {
      this.log.submits.push({
        at, to: decoded.to, text: decoded.text, encoding: decoded.encoding, mr, statusReport: decoded.statusReport,
        ...(decoded.concat ? { concat: decoded.concat } : {}), udl: decoded.udl, pduHex: hex, tpduLength,
      });
      this.#reply([`+CMGS: ${mr}`], 'OK', undefined, 0);
      if (decoded.statusReport) this.#after(this.#d.reportMs, () => this.#statusReport(mr, decoded.to, at));
    });
  }

  #statusReport(mr: number, recipient: string, submittedAt: number): void {
    const pdu = encodeStatusReport({
      mr, recipient, scts: fieldsOf(submittedAt), dischargeTime: fieldsOf(this.#clock.now()), status: this.#o.reportStatus,
    });
    this.#notifyNew(pdu, 'REPORT');
  }

  /** Stores a PDU and announces it per +CNMI (TS 27.005 §3.4.1): +CMTI/+CDSI when stored, +CMT/+CDS when routed. */
  #notifyNew(pdu: string, kind: 'SMS' | 'REPORT'): number | undefined {
    const length = pdu.length / 2 - (parseInt(pdu.slice(0, 2), 16) + 1);
    const route = kind === 'SMS' ? this.#cnmi.mt : this.#cnmi.ds;
    if (route === (kind === 'SMS' ? 2 : 1)) {
      this.#urc(`${kind === 'SMS' ? '+CMT: ,' : '+CDS: '}${length}`, pdu);
      return undefined;
    }
    if (this.#storage.size >= this.#o.storageSize) {
      this.#urc('^SMMEMFULL: "ME"');
      return undefined;
    }
    let index = 1;
    while (this.#storage.has(index)) index += 1;
    this.#storage.set(index, { stat: 0, pdu, length });
    if (kind === 'SMS' && route === 1) this.#urc(`+CMTI: "ME",${index}`);
    if (kind === 'REPORT' && route === 2) this.#urc(`+CDSI: "ME",${index}`);
    return index;
  }

  // ---- output ----

  #announceSim(): void {
    if (this.#sim === 'pin') return this.#urc('+CPIN: SIM PIN');
    if (this.#sim !== 'ready') return;
    this.#urc('+CPIN: READY');
    this.#after(this.#d.simReadyMs, () => {
      this.#urc('Call Ready');
      this.#urc('SMS Ready');
    });
  }

  #cme(code: number): void {
    this.#reply([], this.#cmee === 0 ? 'ERROR' : `+CME ERROR: ${code}`);
  }

  #cms(code: number): void {
    this.#reply([], `+CMS ERROR: ${code}`);
  }

  /** A SIM error in the form the command family uses: +CMS for SMS commands (27.005), +CME otherwise. */
  #cmsOrCme(cme: number, line: string): void {
    if (/^AT\+CM[GSN]|^AT\+CPMS|^AT\+CSCA/i.test(line)) this.#cms(cme === 10 ? 310 : cme === 12 ? 316 : 311);
    else this.#cme(cme);
  }

  /** Writes `lines` and `final` as `<CR><LF>text<CR><LF>` after replyMs; a urc-burst fault lands mid-response. */
  #reply(lines: string[], final: string, command?: string, delayMs = this.#d.replyMs): void {
    const burst = command === undefined ? undefined : this.faults.takeUrcBurst(command);
    this.#after(delayMs, () => {
      const out = [...lines];
      if (burst) out.splice(Math.min(1, out.length), 0, ...burst);
      for (const l of out) this.#out(`\r\n${l}\r\n`);
      this.#out(`\r\n${final}\r\n`);
    });
  }

  #urc(line: string, pdu?: string): void {
    this.#out(`\r\n${line}\r\n${pdu === undefined ? '' : `${pdu}\r\n`}`);
  }

  #out(text: string): void {
    if (this.#powered) this.#write?.(text);
  }

  #after(ms: number, fn: () => void): unknown {
    const handle = this.#clock.setTimeout(() => {
      this.#timers.delete(handle);
      fn();
    }, ms);
    this.#timers.add(handle);
    return handle;
  }

  #cancelAll(): void {
    for (const h of this.#timers) this.#clock.clearTimeout(h);
    this.#timers.clear();
    this.#pduMode = undefined;
  }

  #reset(): void {
    this.#cancelAll();
    this.#echo = true;
    this.#cmee = 0;
    this.#cmgf = 0;
    this.#cnmi = { mt: 0, ds: 0 };
    this.#input = '';
    this.#booting = false;
    this.#sim = !this.#o.simPresent ? 'absent' : this.#sim === 'puk' ? 'puk' : this.#o.pin !== undefined ? 'pin' : 'ready';
  }

  #registered(): boolean {
    return this.#sim === 'ready' && (this.#registration === 1 || this.#registration === 5);
  }

  #regStat(): number {
    return this.#sim === 'ready' ? this.#registration : 0;
  }
}

function unquote(s: string): string {
  return s.trim().replace(/^"(.*)"$/, '$1');
}

/** A Clock instant as SCTS fields in UTC (zone 0). */
export function fieldsOf(ms: number): SmsTimestampFields {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
    hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), tzQuarterHours: 0,
  };
}
