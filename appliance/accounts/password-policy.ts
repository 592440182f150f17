// Password policy (docs/security.md): at least 10 characters, not on the shipped list of common
// passwords (common-passwords.json, written by scripts/common-passwords.mjs), not the user name.
// Pure: takes the password and the name, throws a coded error a person can act on.
import { RwError } from '../../contract/errors.js';
import commonList from './common-passwords.json' with { type: 'json' };

export const MIN_PASSWORD_LENGTH = 10;
const COMMON = new Set<string>(commonList);

export function checkPassword(password: string, username: string): void {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw new RwError('RW_ERR_PASSWORD_TOO_SHORT', `the password has ${[...password].length} characters: use at least ${MIN_PASSWORD_LENGTH}`);
  }
  const folded = password.toLowerCase();
  if (folded === username.toLowerCase()) throw new RwError('RW_ERR_PASSWORD_IS_USERNAME');
  if (COMMON.has(folded)) throw new RwError('RW_ERR_PASSWORD_COMMON');
}
