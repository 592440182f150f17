// What the simulated modem saw, for tests to assert on: every command line (in order, with the
// time), every SMS-SUBMIT decoded with the real codec, and every submit it refused. `messages()`
// joins concatenated parts by (recipient, reference, total) the way a handset would.
import type { ConcatInfo } from '../../gsm/sms/index.js';
import type { Alphabet } from '../../gsm/sms/index.js';

export interface SimCommand {
  readonly at: number;
  /** The command line without its CR, exactly as received. */
  readonly line: string;
}

export interface SimSubmit {
  readonly at: number;
  readonly to: string;
  /** This part's text. */
  readonly text: string;
  readonly encoding: Alphabet;
  /** The TP-MR the modem answered in `+CMGS: <mr>`. */
  readonly mr: number;
  readonly statusReport: boolean;
  readonly concat?: ConcatInfo;
  /** TP-UDL: septets (GSM 7-bit) or octets (UCS2), UDH included. */
  readonly udl: number;
  /** The PDU as written after the prompt (SMSC field first). */
  readonly pduHex: string;
  readonly tpduLength: number;
}

export interface SimRejectedSubmit {
  readonly at: number;
  readonly pduHex: string;
  /** The +CMS ERROR code the modem answered with. */
  readonly cms: number;
  readonly reason: string;
}

export interface SimMessage {
  readonly to: string;
  /** The parts' texts joined in sequence order. */
  readonly text: string;
  readonly encoding: Alphabet;
  readonly parts: readonly SimSubmit[];
  /** Every part 1..total arrived. */
  readonly complete: boolean;
}

export class SimLog {
  readonly commands: SimCommand[] = [];
  readonly submits: SimSubmit[] = [];
  readonly rejected: SimRejectedSubmit[] = [];

  /** Commands whose line starts with `prefix` (case-insensitive), e.g. 'AT+CPIN='. */
  commandsStartingWith(prefix: string): SimCommand[] {
    const p = prefix.toUpperCase();
    return this.commands.filter((c) => c.line.toUpperCase().startsWith(p));
  }

  /** The submits grouped into messages, in the order of each message's first part. */
  messages(): SimMessage[] {
    const groups = new Map<string, SimSubmit[]>();
    this.submits.forEach((s, i) => {
      const key = s.concat ? JSON.stringify([s.to, s.concat.ref, s.concat.total]) : JSON.stringify(['single', i]);
      const g = groups.get(key);
      if (g) g.push(s);
      else groups.set(key, [s]);
    });
    return [...groups.values()].map((parts) => {
      const first = parts[0] as SimSubmit;
      const total = first.concat?.total ?? 1;
      const bySeq = new Map(parts.map((p) => [p.concat?.seq ?? 1, p]));
      const ordered = [...bySeq.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
      return {
        to: first.to,
        text: ordered.map((p) => p.text).join(''),
        encoding: first.encoding,
        parts: ordered,
        complete: bySeq.size === total,
      };
    });
  }

  clear(): void {
    this.commands.length = 0;
    this.submits.length = 0;
    this.rejected.length = 0;
  }
}
