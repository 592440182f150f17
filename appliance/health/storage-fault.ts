// Which storage fault an error means (RES): better-sqlite3's SqliteError codes and Node's errno
// codes, reduced to what the appliance does about them. Pure: no I/O.
import { RwError } from '../../contract/errors.js';

export type StorageFault = 'disk-full' | 'read-only' | 'io-error';

/** The fault behind a failed write, or null when the error is something else (a bug, a constraint). */
export function storageFaultOf(err: unknown): StorageFault | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  // SQLite: SQLITE_FULL; SQLITE_READONLY and its extended codes (…_DBMOVED, …_CANTLOCK);
  // SQLITE_IOERR_* (a write or fsync that failed: the card, or ENOSPC seen as an I/O error)
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return 'disk-full';
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS') return 'read-only';
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO') return 'io-error';
  return null;
}

/** What ingest and the HTTP layer answer while the fault lasts. */
export function refusalOf(fault: StorageFault, detail: string): RwError {
  switch (fault) {
    case 'disk-full':
      return new RwError('RW_ERR_STORAGE_FULL', `the data partition is full (${detail}): not stored; the agents keep their samples until space is freed`);
    case 'read-only':
      return new RwError('RW_ERR_STORAGE_READONLY', `the data partition is read-only (${detail}): not stored until it is writable again`);
    case 'io-error':
      return new RwError('RW_ERR_STORAGE_IO', `the data partition reported an I/O error (${detail}): not stored meanwhile`);
  }
}
