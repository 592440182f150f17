// File modes for the data dir (docs/security.md, "Files"): the directory is 0750, every secret file
// and the SQLite files are 0600. A mode given to open() applies only when the file is created (and
// is narrowed by the umask), so these helpers also chmod what already exists: a data dir copied or
// created by an older version is tightened at the next start.
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';

export const DATA_DIR_MODE = 0o750;
export const SECRET_FILE_MODE = 0o600;

/** Creates the directory (and its parents) and sets it to 0750. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
  chmodSync(dir, DATA_DIR_MODE);
}

/** Writes a secret through a temporary 0600 file renamed into place: never readable by others,
 * never half-written. */
export function writeSecretFile(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: SECRET_FILE_MODE, flag: 'w' });
  chmodSync(tmp, SECRET_FILE_MODE);
  renameSync(tmp, file);
}

/** Sets an existing file to 0600; a missing file is left missing. */
export function restrictFile(file: string): void {
  if (existsSync(file)) chmodSync(file, SECRET_FILE_MODE);
}

/** Creates an empty 0600 file unless it exists, then makes sure it is 0600. */
export function touchPrivateFile(file: string): void {
  writeFileSync(file, '', { mode: SECRET_FILE_MODE, flag: 'a' });
  chmodSync(file, SECRET_FILE_MODE);
}
