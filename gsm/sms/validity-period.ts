// TP-Validity-Period, relative format (3GPP TS 23.040 §9.2.3.12.1), selected by TP-VPF = 10
// (§9.2.3.3). One octet:
//   0–143   → (VP + 1) × 5 minutes             (5 min … 12 h)
//   144–167 → 12 h + (VP − 143) × 30 minutes    (12 h 30 … 24 h)
//   168–196 → (VP − 166) days                   (2 … 30 days)
//   197–255 → (VP − 192) weeks                  (5 … 63 weeks)
import { RwError } from '../../contract/errors.js';

/** 24 h, octet 0xA7: the default for alert texts. */
export const DEFAULT_VALIDITY_MINUTES = 1440;

const MIN_PER_DAY = 1440;
const MIN_PER_WEEK = 7 * MIN_PER_DAY;

/**
 * Minutes → VP octet, rounded up to the next period the format can express (an alert is never
 * given a shorter life than asked for). Above 63 weeks it clamps to 0xFF. Negative or non-finite
 * minutes are RW_ERR_SMS_ENCODE.
 */
export function validityMinutesToOctet(minutes: number): number {
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new RwError('RW_ERR_SMS_ENCODE', `validity period must be a non-negative number of minutes, got ${minutes}`);
  }
  if (minutes <= 720) return Math.max(0, Math.ceil(minutes / 5) - 1);
  if (minutes <= MIN_PER_DAY) return 143 + Math.ceil((minutes - 720) / 30);
  if (minutes <= 30 * MIN_PER_DAY) return 166 + Math.ceil(minutes / MIN_PER_DAY);
  if (minutes <= 63 * MIN_PER_WEEK) return 192 + Math.ceil(minutes / MIN_PER_WEEK);
  return 0xff;
}

/** VP octet → minutes. */
export function validityOctetToMinutes(octet: number): number {
  if (octet <= 143) return (octet + 1) * 5;
  if (octet <= 167) return 720 + (octet - 143) * 30;
  if (octet <= 196) return (octet - 166) * MIN_PER_DAY;
  return (octet - 192) * MIN_PER_WEEK;
}
