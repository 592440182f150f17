// User names for uids, from /etc/passwd (cached; re-read when the file changes, which is looked
// at once every 10 s at most: a stat builds four Date objects in V8's interpreter, and the
// top-processes collector asks every second; a user added shows by name within 10 s). Users that only
// a directory service knows (LDAP, SSSD) are not in the file: they show as their uid, which is
// what `ps` prints too when it cannot resolve one.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** Parses passwd(5) lines "name:x:uid:gid:…" into uid → name (the first name of a uid wins). */
export function parsePasswd(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [name, , uid] = line.split(':');
    const id = Number(uid);
    if (name && uid && Number.isInteger(id) && !names.has(id)) names.set(id, name);
  }
  return names;
}

/** how often at most /etc/passwd is looked at */
export const USER_NAMES_CHECK_MS = 10_000;

export class UserNames {
  readonly #file: string;
  readonly #nowMs: () => number;
  #names = new Map<number, string>();
  #loadedMtimeMs = -1;
  #checkedAtMs = -Infinity;

  constructor(root = '/', nowMs: () => number = () => performance.now()) {
    this.#file = path.join(root, 'etc/passwd');
    this.#nowMs = nowMs;
  }

  /** Re-reads the file if it changed (one stat, at most every USER_NAMES_CHECK_MS). */
  refresh(): void {
    const now = this.#nowMs();
    if (now - this.#checkedAtMs < USER_NAMES_CHECK_MS) return;
    this.#checkedAtMs = now;
    try {
      const mtimeMs = statSync(this.#file).mtimeMs;
      if (mtimeMs === this.#loadedMtimeMs) return;
      this.#names = parsePasswd(readFileSync(this.#file, 'utf8'));
      this.#loadedMtimeMs = mtimeMs;
    } catch {
      this.#names = new Map();
      this.#loadedMtimeMs = -1;
    }
  }

  name(uid: number): string {
    return this.#names.get(uid) ?? String(uid);
  }

  /** The uid of a user name (the process check's `user`), undefined when there is none. */
  uidOf(name: string): number | undefined {
    for (const [uid, n] of this.#names) if (n === name) return uid;
    return undefined;
  }
}
