// Operators' patterns (S5) run in linear time: the pattern that makes a JavaScript RegExp
// backtrack for minutes is answered at once, and what RE2 cannot run in linear time is refused
// with a reason instead of being run.
import t from 'tap';
import { compileLinearPattern, type LinearPattern } from '../../core/linear-pattern.js';

function compiled(source: string): LinearPattern {
  const p = compileLinearPattern(source);
  if ('error' in p) throw new Error(p.error);
  return p;
}

void t.test('ordinary patterns match as operators expect', (t) => {
  t.ok(compiled('^220 ').test('220 mail ESMTP'));
  t.notOk(compiled('^220 ').test('554 no'));
  t.ok(compiled('ERROR|FATAL').test('2026-12-05 FATAL disk gone'));
  t.ok(compiled('(?i)timeout').test('Connection TIMEOUT'));
  t.ok(compiled('나쁜 요청').test('오류: 나쁜 요청 입니다'), 'Korean text');
  t.end();
});

void t.test('a catastrophic pattern on an 8 KiB line: answered in linear time', (t) => {
  const p = compiled('(a+)+b');
  // a JavaScript RegExp needs ~2^n steps here; RE2 a few per character. Counted, not timed: the
  // answer must come at all (a RegExp would hold the event loop for longer than the test's limit)
  t.notOk(p.test(`${'a'.repeat(8192)}c`));
  t.ok(p.test(`${'a'.repeat(8192)}b`));
  t.end();
});

void t.test('backreferences and lookaround are refused with the reason', (t) => {
  for (const source of ['(a)\\1', '(?<=a)b', '(?!x)y', '[']) {
    const p = compileLinearPattern(source);
    t.ok('error' in p, source);
    if ('error' in p) t.match(p.error, /RE2 syntax/);
  }
  t.end();
});
