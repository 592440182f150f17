// User names for uids, from /etc/passwd (cached; re-read when the file changes). Users that only
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

export class UserNames {
  readonly #file: string;
  #names = new Map<number, string>();
  #loadedMtimeMs = -1;

  constructor(root = '/') {
    this.#file = path.join(root, 'etc/passwd');
  }

  /** Re-reads the file if it changed since the last call (one stat). */
  refresh(): void {
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
