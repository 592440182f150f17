// B4, S13: a planned restart or update, announced from the UI, the console or the update service,
// marks a window in which the appliance going away is expected: health (public, for the sentinels
// built next) says so, and a restart inside it texts nobody. It is a small JSON file in the data
// dir, not a database row: it must survive the restart it announces, be readable when SQLite is
// the thing that failed, and be written by the update service with the appliance stopped
// (`rackwatch announce-restart`).
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { PlannedRestart } from '../../contract/api.js';
import { RwError } from '../../contract/errors.js';
import type { Logger } from '../../core/logger.js';

export const PLANNED_RESTART_FILE = 'planned-restart.json';
/** a window is 1 to this many minutes: long enough for an image update on an SD card, short enough to be forgotten safely */
export const PLANNED_RESTART_MAX_MINUTES = 240;
export const PLANNED_RESTART_REASON_MAX = 200;

const fileSchema = z.object({
  announcedAt: z.number().int().nonnegative(),
  untilMs: z.number().int().nonnegative(),
  reason: z.string().max(PLANNED_RESTART_REASON_MAX),
  by: z.string().max(64),
});

/** The body of PUT /api/v1/planned-restart and the console's `announce-restart`. */
export const announceSchema = z.strictObject({
  minutes: z.number().int('must be whole minutes').min(1, 'must be at least 1').max(PLANNED_RESTART_MAX_MINUTES, `must be at most ${PLANNED_RESTART_MAX_MINUTES}`),
  reason: z.string().trim().min(1, 'must say why (e.g. "firmware update")').max(PLANNED_RESTART_REASON_MAX, `at most ${PLANNED_RESTART_REASON_MAX} characters`),
});
export type AnnounceInput = z.infer<typeof announceSchema>;

export class PlannedRestarts {
  private readonly file: string;

  constructor(private readonly deps: { dataDir: string; now: () => number; logger: Logger }) {
    this.file = path.join(deps.dataDir, PLANNED_RESTART_FILE);
  }

  /** The window that is not over yet, or null. A damaged file counts as none (and is said once in the log). */
  current(): PlannedRestart | null {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return null;
    }
    let parsed: PlannedRestart;
    try {
      parsed = fileSchema.parse(JSON.parse(text));
    } catch (e) {
      this.deps.logger.warn('the planned restart file is damaged: ignored', { file: this.file, err: e });
      rmSync(this.file, { force: true });
      return null;
    }
    return parsed.untilMs > this.deps.now() ? parsed : null;
  }

  /** Opens (or replaces) the window: from now for `minutes`. */
  announce(input: AnnounceInput, by: string): PlannedRestart {
    const checked = announceSchema.safeParse(input);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new RwError('RW_ERR_VALIDATION', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
    }
    const now = this.deps.now();
    const window: PlannedRestart = { announcedAt: now, untilMs: now + checked.data.minutes * 60_000, reason: checked.data.reason, by: by.slice(0, 64) };
    // written whole or not at all: a power cut mid-write must not leave half a window
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(window)}\n`, { mode: 0o640 });
    renameSync(tmp, this.file);
    this.deps.logger.info('planned restart announced', { ...window });
    return window;
  }

  /** Ends the window now; false when there was none. */
  withdraw(): boolean {
    const had = this.current() !== null;
    rmSync(this.file, { force: true });
    if (had) this.deps.logger.info('planned restart withdrawn');
    return had;
  }
}
