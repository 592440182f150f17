// File modes for the data dir (docs/security.md, "Files"): the directory is 0750, every secret file
// and the SQLite files are 0600. A mode given to open() applies only when the file is created (and
// is narrowed by the umask), so these helpers also chmod what already exists: a data dir copied or
// created by an older version is tightened at the next start.
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

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
  writeFileAtomic(file, content, SECRET_FILE_MODE);
}

/** Writes `content` through a temporary file with `mode`, flushed, then renamed into place: a reader
 * (or a power cut) sees the old file or the new one, never half of it (RES). */
export function writeFileAtomic(file: string, content: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode, flag: 'w' });
  chmodSync(tmp, mode);
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  // the rename itself is durable once the directory is flushed
  const dir = openSync(path.dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
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
