// The fault script of the simulated modem: tests arm faults, the model consumes them command by
// command. Each fault says which commands it hits (a RegExp on the command line; default: any)
// and how many times (default: once).
//
// Faults the model knows (notes/sms.md §3 "Scenarios to script"):
//   errorNext     the next n matching commands answer ERROR
//   cmsOnCmgs     the nth AT+CMGS from now answers +CMS ERROR: <code> after its PDU (e.g. 38, 500, 304)
//   cmsEvery      every nth AT+CMGS answers +CMS ERROR: <code> until clear() (a flaky cell or module)
//   noAnswer      matching commands get no answer at all (a hung module); `times: Infinity` until clear()
//   latePrompt    the `> ` of the next AT+CMGS comes after `ms`
//   slowSend      the +CMGS result of the nth send from now comes after `ms`
//   urcBurst      URC lines are inserted in the middle of the next matching response
// The model itself offers reboot(); unplug and replug belong to the pty simulator.

export interface FaultMatch {
  /** Which command lines the fault applies to (default: every command). */
  readonly match?: RegExp;
  /** How many commands it hits (default 1; Infinity until clear()). */
  readonly times?: number;
}

type Armed =
  | { kind: 'error'; match?: RegExp; left: number }
  | { kind: 'silent'; match?: RegExp; left: number }
  | { kind: 'cms'; code: number; skip: number; left: number }
  | { kind: 'cms-every'; code: number; every: number; seen: number; left: number }
  | { kind: 'late-prompt'; ms: number; left: number }
  | { kind: 'slow-send'; ms: number; skip: number; left: number }
  | { kind: 'urc-burst'; urcs: readonly string[]; match?: RegExp; left: number };

export class SimFaults {
  #armed: Armed[] = [];

  /** The next `times` matching commands answer plain `ERROR`. */
  errorNext(options: FaultMatch = {}): this {
    return this.#arm({ kind: 'error', ...(options.match ? { match: options.match } : {}), left: options.times ?? 1 });
  }

  /** The `nth` AT+CMGS from now (1 = the next) and the `times − 1` after it answer `+CMS ERROR: <code>`. */
  cmsOnCmgs(code: number, options: { nth?: number; times?: number } = {}): this {
    return this.#arm({ kind: 'cms', code, skip: (options.nth ?? 1) - 1, left: options.times ?? 1 });
  }

  /** Every `every`th AT+CMGS from now (the `every`th, 2×`every`th, …) answers `+CMS ERROR: <code>`, until clear(). */
  cmsEvery(code: number, every: number): this {
    if (!Number.isInteger(every) || every < 1) throw new RangeError('cmsEvery: every must be an integer ≥ 1');
    return this.#arm({ kind: 'cms-every', code, every, seen: 0, left: Infinity });
  }

  /** Matching commands are swallowed without any answer (echo still happens: it is the UART). */
  noAnswer(options: FaultMatch = {}): this {
    return this.#arm({ kind: 'silent', ...(options.match ? { match: options.match } : {}), left: options.times ?? 1 });
  }

  /** The `> ` prompt of the next `times` AT+CMGS comes after `ms` instead of at once. */
  latePrompt(ms: number, options: { times?: number } = {}): this {
    return this.#arm({ kind: 'late-prompt', ms, left: options.times ?? 1 });
  }

  /** The final `+CMGS: <mr>` of the `nth` send from now (1 = the next) and the `times − 1` after it comes after `ms` (the notes: 20–90 s happen). */
  slowSend(ms: number, options: { nth?: number; times?: number } = {}): this {
    return this.#arm({ kind: 'slow-send', ms, skip: (options.nth ?? 1) - 1, left: options.times ?? 1 });
  }

  /** The next matching response carries these URC lines between its response lines and its final result. */
  urcBurst(urcs: readonly string[], options: FaultMatch = {}): this {
    return this.#arm({ kind: 'urc-burst', urcs, ...(options.match ? { match: options.match } : {}), left: options.times ?? 1 });
  }

  /** Disarms every fault. */
  clear(): this {
    this.#armed = [];
    return this;
  }

  get armed(): number {
    return this.#armed.length;
  }

  // ---- consumed by the model ----

  /** What to do with a command line before handling it: answer ERROR, stay silent, or nothing special. */
  takeCommandFault(line: string): 'error' | 'silent' | undefined {
    for (const f of this.#armed) {
      if ((f.kind === 'silent' || f.kind === 'error') && (!f.match || f.match.test(line))) {
        this.#use(f);
        return f.kind;
      }
    }
    return undefined;
  }

  /** The prompt delay of this AT+CMGS, if a late-prompt fault is armed. */
  takeLatePrompt(): number | undefined {
    const f = this.#armed.find((a) => a.kind === 'late-prompt');
    if (!f || f.kind !== 'late-prompt') return undefined;
    this.#use(f);
    return f.ms;
  }

  /** The result delay of this send, if a slow-send fault falls on it. Counts every accepted submit. */
  takeSlowSend(): number | undefined {
    const f = this.#armed.find((a) => a.kind === 'slow-send');
    if (!f || f.kind !== 'slow-send') return undefined;
    if (f.skip > 0) {
      f.skip -= 1;
      return undefined;
    }
    this.#use(f);
    return f.ms;
  }

  /** The +CMS code for the PDU just submitted, if a cms fault falls on it. Counts every submit. */
  takeCmsForSubmit(): number | undefined {
    for (const f of this.#armed) {
      if (f.kind === 'cms-every') {
        f.seen += 1;
        if (f.seen % f.every === 0) return f.code;
        continue;
      }
      if (f.kind !== 'cms') continue;
      if (f.skip > 0) {
        f.skip -= 1;
        continue;
      }
      this.#use(f);
      return f.code;
    }
    return undefined;
  }

  /** URCs to insert into the response to `line`. */
  takeUrcBurst(line: string): readonly string[] | undefined {
    const f = this.#armed.find((a) => a.kind === 'urc-burst' && (!a.match || a.match.test(line)));
    if (!f || f.kind !== 'urc-burst') return undefined;
    this.#use(f);
    return f.urcs;
  }

  #arm(f: Armed): this {
    this.#armed.push(f);
    return this;
  }

  #use(f: Armed): void {
    f.left -= 1;
    if (f.left <= 0) this.#armed = this.#armed.filter((a) => a !== f);
  }
}
