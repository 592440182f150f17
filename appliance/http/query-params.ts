// Query-string parameters the routes read, each checked before use: a bad value is answered
// 400 RW_ERR_BAD_REQUEST naming the parameter, and a number is at most 15 digits long.
import { RwError } from '../../contract/errors.js';

/** A whole number (a leading '-' only where `signed`), or `fallback` when the parameter is absent or empty. */
export function intParam(url: URL, name: string, fallback: number, { signed = false } = {}): number {
  const text = url.searchParams.get(name);
  if (text === null || text === '') return fallback;
  if (!(signed ? /^-?\d{1,15}$/ : /^\d{1,15}$/).test(text)) {
    throw new RwError('RW_ERR_BAD_REQUEST', `${name} must be a whole number, got "${text.slice(0, 32)}"`);
  }
  return Number(text);
}
