// The log check (S5) on a real file: matches counted per severity, the worst decides the state,
// the first matching lines shown, and an agent restart (from the saved position) neither
// re-reads nor skips a line.
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { LogCheck, type LogCheckPattern } from '../../../agent/checks/log-check.js';
import type { LogPosition } from '../../../agent/checks/log-follower.js';
import { compileLinearPattern } from '../../../core/linear-pattern.js';
import { tempDir } from '../../helpers/temp-dir.js';

function patterns(list: [string, 'warning' | 'critical'][]): LogCheckPattern[] {
  return list.map(([source, severity]) => {
    const pattern = compileLinearPattern(source);
    if ('error' in pattern) throw new Error(pattern.error);
    return { pattern, severity };
  });
}

const PATTERNS = patterns([['ERROR', 'warning'], ['FATAL|panic', 'critical']]);

void t.test('new lines are matched; the worst severity of the run is its state', (t) => {
  const file = path.join(tempDir(t), 'app.log');
  writeFileSync(file, 'FATAL from before the check existed\n');
  let saved: LogPosition | null = null;
  const check = new LogCheck({ path: file, patterns: PATTERNS, position: null, savePosition: (p) => { saved = p; } });
  t.teardown(() => check.close());
  t.match(check.run(), { state: 'ok', output: 'LOG OK - 0 critical, 0 warning in 0 new lines' }, 'what was there is not new');
  appendFileSync(file, 'info: started\nERROR: slow query\n');
  const warn = check.run();
  t.equal(warn.state, 'warning');
  t.equal(warn.output, 'LOG WARNING - 0 critical, 1 warning in 2 new lines: ERROR: slow query');
  appendFileSync(file, 'ERROR again\nkernel panic - not syncing\n');
  const crit = check.run();
  t.equal(crit.state, 'critical');
  t.equal(crit.longOutput, 'ERROR again\nkernel panic - not syncing');
  t.match(crit.perfdata, [{ label: 'lines', value: 2 }, { label: 'warning', value: 1 }, { label: 'critical', value: 1 }]);
  t.equal(check.run().state, 'ok', 'a quiet interval is OK again');
  t.ok(saved, 'the position is saved');
  t.end();
});

void t.test('an agent restart in between: every line counted once', (t) => {
  const file = path.join(tempDir(t), 'app.log');
  writeFileSync(file, '');
  let saved: LogPosition | null = null;
  const first = new LogCheck({ path: file, patterns: PATTERNS, position: null, savePosition: (p) => { saved = p; } });
  first.run();
  appendFileSync(file, 'ERROR 1\n');
  t.equal(first.run().perfdata[1]?.value, 1);
  first.close();
  appendFileSync(file, 'ERROR 2 while the agent was down\nERROR 3\n');
  const second = new LogCheck({ path: file, patterns: PATTERNS, position: saved, savePosition: (p) => { saved = p; } });
  t.teardown(() => second.close());
  const r = second.run();
  t.equal(r.perfdata[1]?.value, 2, 'the two lines written while it was down, not the one before');
  t.match(r.output, /ERROR 2 while the agent was down$/);
  t.end();
});

void t.test('a file that is not there is UNKNOWN until it appears', (t) => {
  const file = path.join(tempDir(t), 'later.log');
  const check = new LogCheck({ path: file, patterns: PATTERNS, position: null, savePosition: () => undefined });
  t.teardown(() => check.close());
  t.match(check.run(), { state: 'unknown', output: /does not exist/ });
  writeFileSync(file, 'FATAL first line\n');
  t.equal(check.run().state, 'critical');
  t.end();
});
