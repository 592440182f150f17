// Operating-system accounts and groups by name (S17), for the child process a file action runs in.
// `getent` asks the system's name service (local files, LDAP, SSSD…) without a shell; where it is
// missing, /etc/passwd and /etc/group are read (bounded).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface OsAccount {
  name: string;
  uid: number;
  gid: number;
}

const MAX_DB_BYTES = 4 * 1024 * 1024;

/** getent's line for `name`; null when there is none; undefined when getent is not installed */
function getent(db: 'passwd' | 'group', name: string): Promise<string | null | undefined> {
  return new Promise((resolve) => {
    execFile('getent', [db, '--', name], { timeout: 5000, maxBuffer: 64 * 1024 }, (error, stdout) => {
      if (!error) return resolve(stdout.split('\n')[0] ?? null);
      const code = (error as NodeJS.ErrnoException).code;
      resolve(code === 'ENOENT' ? undefined : null); // exit 2: no such name
    });
  });
}

async function fromFile(file: string, name: string): Promise<string | null> {
  const text = await readFile(file, 'utf8').catch(() => '');
  if (text.length > MAX_DB_BYTES) return null;
  return text.split('\n').find((l) => l.startsWith(`${name}:`)) ?? null;
}

async function entry(db: 'passwd' | 'group', name: string): Promise<string[] | null> {
  const viaGetent = await getent(db, name);
  const line = viaGetent === undefined ? await fromFile(`/etc/${db}`, name) : viaGetent;
  return line ? line.split(':') : null;
}

/** name → uid and primary gid; null when the server has no such account. */
export async function lookUpAccount(name: string): Promise<OsAccount | null> {
  const f = await entry('passwd', name);
  if (!f) return null;
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  return Number.isInteger(uid) && Number.isInteger(gid) ? { name, uid, gid } : null;
}

/** A group's id by name; null when there is none. */
export async function lookUpGroup(name: string): Promise<number | null> {
  const f = await entry('group', name);
  const gid = Number(f?.[2]);
  return f && Number.isInteger(gid) ? gid : null;
}
