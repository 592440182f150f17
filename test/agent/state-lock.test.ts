// One agent per state directory: a second one is refused with a clear message; a lock left by
// an agent that died, or by a pid now used by another program, is taken over.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { isRwError } from '../../contract/errors.js';
import { isAgentProcess, LOCK_FILE, lockStateDir } from '../../agent/state-lock.js';
import { tempDir } from '../helpers/temp-dir.js';

void t.test('a second agent on the same state directory is refused', (t) => {
  const dir = tempDir(t);
  const unlock = lockStateDir(dir, 1111, () => true);
  t.equal(readFileSync(path.join(dir, LOCK_FILE), 'utf8'), '1111\n');
  try {
    lockStateDir(dir, 2222, () => true);
    t.fail('the second lock was granted');
  } catch (error) {
    t.ok(isRwError(error, 'RW_ERR_CONFIG'));
    t.match((error as Error).message, /another agent \(pid 1111\) is running with the state directory .*--state-dir/);
  }
  unlock();
  t.notOk(existsSync(path.join(dir, LOCK_FILE)), 'released on stop');
  lockStateDir(dir, 2222, () => true)();
  t.end();
});

void t.test('a lock left behind is taken over', (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, LOCK_FILE), '999999\n');
  const unlock = lockStateDir(dir, 3333, (pid) => pid !== 999999);
  t.equal(readFileSync(path.join(dir, LOCK_FILE), 'utf8'), '3333\n');
  unlock();
  t.end();
});

void t.test('a pid counts as an agent only if it runs the same script', (t) => {
  t.ok(isAgentProcess(process.pid, process.argv[1]), 'this process runs its own script');
  t.notOk(isAgentProcess(process.pid, '/opt/rackwatch-agent/rackwatch-agent.js'), 'another script: a reused pid');
  t.notOk(isAgentProcess(2 ** 22 + 12345), 'no such process');
  t.end();
});
