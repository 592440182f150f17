// First start without a default password (docs/security.md, "First start"). While no admin exists
// the appliance keeps a one-time setup code in `<data-dir>/setup-code` (0600): 16 characters of
// Crockford base32 in four groups (`7KQ2-M9XD-…`, 80 random bits, no I/L/O/U to misread). Whoever
// can read that file on the box (the console tool: `readSetupCode`) can create the first admin
// account with it, once; the file is then deleted. Attempts are throttled by the caller.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { restrictFile, writeSecretFile } from '../../core/private-files.js';

export const SETUP_CODE_FILE = 'setup-code';
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function setupCodePath(dataDir: string): string {
  return path.join(dataDir, SETUP_CODE_FILE);
}

export function newSetupCode(): string {
  const bytes = randomBytes(16);
  // 32 symbols: the low 5 bits of each byte are uniform
  const chars = [...bytes].map((b) => ALPHABET[b & 31] as string).join('');
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4)).join('-');
}

/** What a person typed, in canonical form: case, spaces and dashes ignored; O read as 0, I and L as 1. */
export function normaliseSetupCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
}

/**
 * At start: with no admin, the code in the file (made now if missing); with an admin, none, and a
 * leftover file is removed.
 */
export function ensureSetupCode(dataDir: string, adminExists: boolean): { code: string; created: boolean } | null {
  const file = setupCodePath(dataDir);
  if (adminExists) {
    rmSync(file, { force: true });
    return null;
  }
  const existing = readSetupCode(dataDir);
  if (existing) return { code: existing, created: false };
  const code = newSetupCode();
  writeSecretFile(file, code + '\n');
  return { code, created: true };
}

/** For the console tool: the current setup code, or null when setup is done. */
export function readSetupCode(dataDir: string): string | null {
  const file = setupCodePath(dataDir);
  if (!existsSync(file)) return null;
  restrictFile(file);
  const code = readFileSync(file, 'utf8').trim();
  return code.length > 0 ? code : null;
}

/** Compares in constant time; a missing file matches nothing. */
export function setupCodeMatches(dataDir: string, typed: string): boolean {
  const code = readSetupCode(dataDir);
  if (!code) return false;
  const a = Buffer.from(normaliseSetupCode(code));
  const b = Buffer.from(normaliseSetupCode(typed));
  return a.length === b.length && timingSafeEqual(a, b);
}

export function deleteSetupCode(dataDir: string): void {
  rmSync(setupCodePath(dataDir), { force: true });
}
