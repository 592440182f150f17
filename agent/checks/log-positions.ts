// Where each log check stopped reading (S5), kept in <state-dir>/log-positions.json so that an
// agent restart neither re-reads nor skips a line. Keyed by check id and path: a check whose path
// changes starts afresh. Written (temporary file, rename) only when a position moved, at most once
// per round of checks, and not fsync'd: after a power cut a few lines may be read twice, which is
// better than a disk sync every interval for every server.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../core/logger.js';
import type { LogPositions } from './check-runners.js';
import type { LogPosition } from './log-follower.js';

export const LOG_POSITIONS_FILE = 'log-positions.json';

/** no file had this inode: the position of a file not there yet */
const ABSENT: LogPosition = { dev: 0, ino: 0, offset: 0 };

interface Stored {
  path: string;
  position: LogPosition;
}

function isPosition(v: unknown): v is LogPosition {
  const p = v as Partial<LogPosition> | null;
  return typeof p === 'object' && p !== null && [p.dev, p.ino, p.offset].every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0);
}

export class LogPositionStore implements LogPositions {
  private readonly file: string;
  private readonly entries = new Map<string, Stored>();
  private dirty = false;

  /** `fileName`: the log checks' file by default; the web-log sources keep their own */
  constructor(stateDir: string, private readonly log: Logger, fileName = LOG_POSITIONS_FILE) {
    this.file = path.join(stateDir, fileName);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log.warn('cannot read the log checks\' positions; files already there are read from their end', { file: this.file, error });
      return;
    }
    if (typeof parsed !== 'object' || parsed === null) return;
    for (const [id, v] of Object.entries(parsed as Record<string, unknown>)) {
      const s = v as Partial<Stored> | null;
      if (s && typeof s.path === 'string' && isPosition(s.position)) {
        const { dev, ino, offset, head } = s.position;
        this.entries.set(id, { path: s.path, position: { dev, ino, offset, ...(typeof head === 'string' && /^[0-9a-f]{64}$/.test(head) ? { head } : {}) } });
      }
    }
  }

  get(checkId: string, file: string): LogPosition | null {
    const e = this.entries.get(checkId);
    return e && e.path === file ? { ...e.position } : null;
  }

  set(checkId: string, file: string, position: LogPosition | null): void {
    const e = this.entries.get(checkId);
    if (position === null) {
      // a file that is gone keeps its last position (a new file is recognised by its inode); one
      // never seen is remembered as absent, so that if it appears while the agent is stopped the
      // next start reads it from its start, as a file appearing under a running agent is
      if (!e || e.path !== file) {
        this.entries.set(checkId, { path: file, position: { ...ABSENT } });
        this.dirty = true;
      }
      return;
    }
    if (e && e.path === file && e.position.dev === position.dev && e.position.ino === position.ino && e.position.offset === position.offset && e.position.head === position.head) return;
    this.entries.set(checkId, { path: file, position: { ...position } });
    this.dirty = true;
  }

  /** Forgets checks that no longer exist. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.entries.keys()) {
      if (!ids.has(id)) {
        this.entries.delete(id);
        this.dirty = true;
      }
    }
  }

  /** Writes the positions if any moved since the last save. */
  save(): void {
    if (!this.dirty) return;
    this.dirty = false;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(Object.fromEntries(this.entries)), { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch (error) {
      this.dirty = true;
      this.log.error('cannot save the log checks\' positions', { file: this.file, error });
    }
  }
}
