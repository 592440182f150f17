import { type Signal, type RegistrationState, type SimState } from '../../contract/alerting.js';

/** TS 27.005 <index> of a storage slot: real modems have a few hundred; a larger number is line noise. */
const MAX_STORAGE_INDEX = 0xffff;
/** TS 27.005 §3.1 <length> of a TPDU in octets (at most 164 for an SMS-DELIVER; 255 fits any). */
const MAX_TPDU_LENGTH = 255;
/** <stat> (0–4) and other small enumerations */
const MAX_STAT = 255;

/**
 * The number a run of digits spells, or undefined past `max`. A damaged line (found by fuzzing:
 * `+CMT: ,300000300000000001`) must not turn into an AT+CMGR=1e+20 or a length that makes every
 * PDU look as if it had no SMSC field.
 */
function boundedInt(digits: string | undefined, max: number): number | undefined {
  if (digits === undefined || digits.length > 10) return undefined;
  const n = Number(digits);
  return n <= max ? n : undefined;
}

/** `+CSQ: <rssi>,<ber>` (TS 27.007 §8.5). Undefined when the line is not a CSQ response. */
export function parseCsq(line: string): Signal | undefined {
  const m = /^\+CSQ:\s*(\d+)\s*,\s*(\d+)/.exec(line);
  if (!m) return undefined;
  const rssi = Number(m[1]);
  if (rssi > 31) return { csq: null, dbm: null };
  return { csq: rssi, dbm: -113 + 2 * rssi };
}

/**
 * `+CREG: [<n>,]<stat>[,…]` (TS 27.007 §7.2), also +CEREG (§10.1.22) and +CGREG (§10.1.20). The
 * response to a query has <n> first; the unsolicited form starts with <stat>.
 */
export function parseRegistration(line: string, solicited: boolean): RegistrationState | undefined {
  const m = /^\+C(?:E|G)?REG:\s*(\d+)(?:\s*,\s*(\d+))?/.exec(line);
  if (!m) return undefined;
  const stat = solicited ? Number(m[2] ?? m[1]) : Number(m[1]);
  return registrationOf(stat);
}

/** <stat>: 1 home, 5 roaming, 2 searching, 3 denied, 0 not registered; others unknown. */
export function registrationOf(stat: number): RegistrationState {
  switch (stat) {
    case 0: return 'not-registered';
    case 1: return 'home';
    case 2: return 'searching';
    case 3: return 'denied';
    case 5: return 'roaming';
    default: return 'unknown';
  }
}

export function isRegistered(r: RegistrationState): boolean {
  return r === 'home' || r === 'roaming';
}

/** The better of two registration readings (CREG for 2G/3G, CEREG for LTE). */
export function bestRegistration(a: RegistrationState, b: RegistrationState): RegistrationState {
  const rank: Record<RegistrationState, number> = { home: 5, roaming: 4, searching: 3, denied: 2, 'not-registered': 1, unknown: 0 };
  return rank[a] >= rank[b] ? a : b;
}

/** `+COPS: <mode>[,<format>,<oper>[,<AcT>]]` (TS 27.007 §7.3): the operator name, or null when not registered. */
export function parseCops(line: string): string | null | undefined {
  const m = /^\+COPS:\s*\d+(?:\s*,\s*\d+\s*,\s*"([^"]*)")?/.exec(line);
  if (!m) return undefined;
  return m[1] ?? null;
}

/** `+CPIN: <code>` (TS 27.007 §8.3). */
export function parseCpin(line: string): SimState | undefined {
  const m = /^\+CPIN:\s*(.+)$/.exec(line);
  if (!m) return undefined;
  const code = (m[1] ?? '').trim();
  if (code === 'READY') return 'ready';
  if (code === 'SIM PIN') return 'pin-required';
  if (code === 'SIM PUK') return 'puk-required';
  return 'error'; // PH-SIM PIN, SIM PIN2, … : not something an appliance can answer
}

/** `+CSCA: <sca>,<tosca>` (TS 27.005 §3.3.1): the SMSC number, '' when empty. */
export function parseCsca(line: string): string | undefined {
  const m = /^\+CSCA:\s*"([^"]*)"/.exec(line);
  return m ? (m[1] ?? '') : undefined;
}

/** `+CMTI: <mem>,<index>` / `+CDSI: <mem>,<index>` (TS 27.005 §3.4.1). */
export function parseNewMessageIndication(line: string): { kind: 'sms' | 'report'; mem: string; index: number } | undefined {
  const m = /^\+(CMTI|CDSI):\s*"?([A-Z0-9]*)"?\s*,\s*(\d+)/.exec(line);
  const index = boundedInt(m?.[3], MAX_STORAGE_INDEX);
  if (!m || index === undefined) return undefined;
  return { kind: m[1] === 'CMTI' ? 'sms' : 'report', mem: m[2] ?? '', index };
}

/** The <length> of a `+CMT: [<alpha>],<length>` or `+CDS: <length>` header (TS 27.005 §3.4.1). */
export function parseRoutedHeader(line: string): { kind: 'sms' | 'report'; length: number } | undefined {
  const m = /^\+(CMT|CDS):\s*(?:.*,)?\s*(\d+)\s*$/.exec(line);
  const length = boundedInt(m?.[2], MAX_TPDU_LENGTH);
  if (!m || length === undefined) return undefined;
  return { kind: m[1] === 'CMT' ? 'sms' : 'report', length };
}

export interface StoredPdu {
  /** Storage index (+CMGL) or the index that was read (+CMGR). */
  readonly index: number;
  readonly stat: number;
  /** TPDU octets, without the SMSC field (TS 27.005 §3.1 <length>). */
  readonly length: number;
  readonly pdu: string;
}

/** `+CMGR: <stat>,[<alpha>],<length>` + PDU line (TS 27.005 §3.4.3, PDU mode). */
export function parseCmgr(lines: readonly string[], index: number): StoredPdu | undefined {
  const m = /^\+CMGR:\s*(\d+)\s*,[^,]*,\s*(\d+)/.exec(lines[0] ?? '');
  const pdu = lines[1];
  const stat = boundedInt(m?.[1], MAX_STAT);
  const length = boundedInt(m?.[2], MAX_TPDU_LENGTH);
  if (stat === undefined || length === undefined || pdu === undefined) return undefined;
  return { index, stat, length, pdu };
}

/** `+CMGL: <index>,<stat>,[<alpha>],<length>` + PDU line, repeated (TS 27.005 §3.4.2, PDU mode). */
export function parseCmgl(lines: readonly string[]): StoredPdu[] {
  const out: StoredPdu[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^\+CMGL:\s*(\d+)\s*,\s*(\d+)\s*,[^,]*,\s*(\d+)/.exec(lines[i] ?? '');
    const pdu = lines[i + 1];
    const index = boundedInt(m?.[1], MAX_STORAGE_INDEX);
    const stat = boundedInt(m?.[2], MAX_STAT);
    const length = boundedInt(m?.[3], MAX_TPDU_LENGTH);
    if (index === undefined || stat === undefined || length === undefined || pdu === undefined || pdu.startsWith('+')) continue;
    out.push({ index, stat, length, pdu });
    i += 1;
  }
  return out;
}

/** Whether a stored PDU's hex starts with the SMSC field: it is longer than its TPDU <length>. */
export function pduHasSmsc(pduHex: string, tpduLength: number): boolean {
  return pduHex.length / 2 > tpduLength;
}
