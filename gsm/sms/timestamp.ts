// TP-Service-Centre-Time-Stamp and TP-Discharge-Time (3GPP TS 23.040 §9.2.3.11, §9.2.3.13):
// seven semi-octet pairs YY MM DD hh mm ss TZ, local time plus the zone in quarter-hours.
import { RwError } from '../../contract/errors.js';

export interface SmsTimestamp {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** Local time minus UTC, in quarters of an hour (−79..79). */
  readonly tzQuarterHours: number;
  /** e.g. '2018-11-07T20:21:22+08:00' (the sender's local time and offset). */
  readonly iso: string;
  /** The instant, in ms since the epoch (UTC). */
  readonly epochMs: number;
}

export type SmsTimestampFields = Pick<SmsTimestamp, 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'tzQuarterHours'>;

/**
 * The 7-octet field carries a two-digit year; we read 90–99 as 1990s and 00–89 as 2000s, so the
 * old published traces (1999) still decode sensibly.
 */
function fullYear(yy: number): number {
  return yy >= 90 ? 1900 + yy : 2000 + yy;
}

/** One swapped semi-octet pair: low nibble is the tens digit (§9.1.2.3). */
function bcdPair(b: number, field: string): number {
  const tens = b & 0x0f;
  const units = b >> 4;
  if (tens > 9 || units > 9) throw new RwError('RW_ERR_PDU', `${field} has a non-decimal digit (0x${b.toString(16).padStart(2, '0')})`);
  return tens * 10 + units;
}

export function decodeTimestamp(bytes: Uint8Array, field = 'TP-SCTS'): SmsTimestamp {
  if (bytes.length !== 7) throw new RwError('RW_ERR_PDU', `${field} must be 7 octets`);
  const at = (i: number): number => bcdPair(bytes[i] ?? 0, field);
  const tz = bytes[6] ?? 0;
  // §9.2.3.11: in the time-zone pair, bit 3 of the first (low) semi-octet is the sign.
  const quarters = bcdPair(tz & 0xf7, field) * (tz & 0x08 ? -1 : 1);
  return makeTimestamp(
    { year: fullYear(at(0)), month: at(1), day: at(2), hour: at(3), minute: at(4), second: at(5), tzQuarterHours: quarters },
    field,
  );
}

/** Validates the fields and adds `iso` and `epochMs`. */
export function makeTimestamp(f: SmsTimestampFields, field = 'timestamp'): SmsTimestamp {
  const ok =
    f.month >= 1 && f.month <= 12 && f.day >= 1 && f.day <= 31 && f.hour <= 23 && f.minute <= 59 && f.second <= 59 &&
    Math.abs(f.tzQuarterHours) <= 79;
  if (!ok) throw new RwError('RW_ERR_PDU', `${field} is not a valid date and zone: ${JSON.stringify(f)}`);
  const offsetMin = f.tzQuarterHours * 15;
  const abs = Math.abs(offsetMin);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const iso =
    `${String(f.year).padStart(4, '0')}-${p2(f.month)}-${p2(f.day)}T${p2(f.hour)}:${p2(f.minute)}:${p2(f.second)}` +
    `${offsetMin < 0 ? '-' : '+'}${p2(Math.floor(abs / 60))}:${p2(abs % 60)}`;
  const epochMs = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second) - offsetMin * 60_000;
  return { ...f, iso, epochMs };
}

/** Fields → the 7-octet semi-octet form (used by the simulator to build DELIVER/STATUS-REPORT PDUs). */
export function encodeTimestamp(f: SmsTimestampFields): Uint8Array {
  makeTimestamp(f);
  const pair = (n: number): number => ((n % 10) << 4) | Math.floor(n / 10);
  const tz = pair(Math.abs(f.tzQuarterHours)) | (f.tzQuarterHours < 0 ? 0x08 : 0);
  return Uint8Array.of(pair(f.year % 100), pair(f.month), pair(f.day), pair(f.hour), pair(f.minute), pair(f.second), tz);
}
