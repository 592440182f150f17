// File modes of the data dir (docs/security.md, "Files"): the SQLite files and every secret file
// are 0600, the data dir 0750, including files an older version left wider.
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { loadOrCreateEnrollToken } from '../../../appliance/agents/enrollment.js';
import { openDatabase } from '../../../appliance/db/database.js';
import { ensurePrivateDir, writeSecretFile } from '../../../core/private-files.js';
import { tempDir } from '../../helpers/temp-dir.js';

const mode = (file: string): string => (statSync(file).mode & 0o777).toString(8);

void t.test('the database and its WAL and shared-memory files are 0600', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'rackwatch.sqlite');
  const db = openDatabase(file);
  db.exec('CREATE TABLE x (a); INSERT INTO x VALUES (1)');
  t.equal(mode(file), '600');
  t.equal(mode(file + '-wal'), '600');
  t.equal(mode(file + '-shm'), '600');
  db.close();
  t.end();
});

void t.test('a database file left readable by others is tightened when opened', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'rackwatch.sqlite');
  openDatabase(file).close();
  chmodSync(file, 0o644);
  const db = openDatabase(file);
  t.equal(mode(file), '600');
  db.close();
  t.end();
});

void t.test('the enrollment token file is created 0600 and an existing one is tightened', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'enroll-token');
  const { token, created } = loadOrCreateEnrollToken(file, undefined);
  t.ok(created);
  t.equal(mode(file), '600');
  chmodSync(file, 0o644);
  t.equal(loadOrCreateEnrollToken(file, undefined).token, token, 'the same token is read back');
  t.equal(mode(file), '600');
  t.end();
});

void t.test('a secret file is 0600 even when a wider file was there, and the data dir is 0750', (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'secret');
  writeFileSync(file, 'old', { mode: 0o666 });
  writeSecretFile(file, 'new');
  t.equal(mode(file), '600');
  const data = path.join(dir, 'data');
  ensurePrivateDir(data);
  t.equal(mode(data), '750');
  chmodSync(data, 0o755);
  ensurePrivateDir(data);
  t.equal(mode(data), '750', 'an existing dir is tightened');
  t.end();
});
