// The key that signs download links of pushed files (S17, signed-link.ts): 32 random bytes kept in
// <data>/file-link.key (0600), so links an appliance signed before a restart still verify for the
// minutes they live.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { restrictFile, writeSecretFile } from '../../core/private-files.js';

export const LINK_KEY_FILE = 'file-link.key';

export function loadOrCreateLinkKey(dataDir: string): Buffer {
  const file = path.join(dataDir, LINK_KEY_FILE);
  try {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
    if (key.length === 32) {
      restrictFile(file);
      return key;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const key = randomBytes(32);
  writeSecretFile(file, key.toString('base64url') + '\n');
  return key;
}
