// The checks' patterns (S5; agent/checks/pattern-engine.ts): a literal one is matched with string
// operations exactly as RE2 would match it, and a check whose pattern needs RE2 still runs when
// the engine was not loaded yet (its first run loads it).
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { createCheckRunner, type CheckRunnerContext } from '../../../agent/checks/check-runners.js';
import { compilePattern, literalPattern, loadPatternEngine, patternEngineLoaded } from '../../../agent/checks/pattern-engine.js';
import { compileLinearPattern } from '../../../core/linear-pattern.js';
import { tempDir } from '../../helpers/temp-dir.js';

// first: the engine is loaded by this test's check, not by an earlier one
void t.test('a log check with a pattern only RE2 runs loads the engine at its first run and matches', async (t) => {
  t.notOk(patternEngineLoaded(), 'nothing loaded the engine yet');
  const file = path.join(tempDir(t), 'app.log');
  writeFileSync(file, '');
  const positions = new Map<string, unknown>();
  const ctx = {
    logPositions: { get: () => null, set: (id: string, _path: string, p: unknown) => positions.set(id, p) },
  } as unknown as CheckRunnerContext;
  const runner = createCheckRunner({
    id: 'log-1', name: 'errors', type: 'log', intervalS: 10, path: file, patterns: [{ pattern: 'ERR(OR)? [0-9]+', severity: 'critical' }],
  }, ctx);
  t.teardown(() => runner.close());
  t.notOk(patternEngineLoaded(), 'making the runner does not load it');
  t.equal((await runner.run()).state, 'ok', 'the first run: no new line');
  t.ok(patternEngineLoaded(), 'the first run loaded it');
  appendFileSync(file, 'ERR 12\nfine\nERROR x\n');
  const r = await runner.run();
  t.equal(r.state, 'critical');
  t.equal(r.longOutput, 'ERR 12', 'the RE2 pattern decided which lines match');
});

void t.test('a literal pattern decides as RE2 does, anchors included', async (t) => {
  await loadPatternEngine();
  const sources = ['^220', '220', '^220 ready$', 'ready$', '^', '$', '^$', '', 'SSH-2', 'OK', '한글', 'a b'];
  const texts = ['220 ready', '220 ready\n', 'x 220', '', 'ready', 'SSH-2.0-OpenSSH', 'OK', '한글 로그', 'a b c', '220\nready'];
  for (const source of sources) {
    const literal = literalPattern(source);
    const re2 = compileLinearPattern(source);
    if (!literal || 'error' in re2) {
      t.fail(`${JSON.stringify(source)} should be a literal RE2 accepts`);
      continue;
    }
    for (const text of texts) t.equal(literal.test(text), re2.test(text), `${JSON.stringify(source)} on ${JSON.stringify(text)}`);
  }
});

void t.test('a source with any RE2 metacharacter past its anchors goes to RE2', async (t) => {
  await loadPatternEngine();
  for (const source of ['+OK', 'SSH-2.0', 'a.b', '(?i)ok', 'a|b', 'x$y', '\\$', 'a^b', '[0-9]', 'a{2}', 'a*', 'a?', '\\d']) {
    t.equal(literalPattern(source), null, JSON.stringify(source));
  }
  const escaped = compilePattern('^\\$5$');
  t.ok(!('error' in escaped) && escaped.test('$5') && !escaped.test('x$5'), 'an escaped dollar is a character, not an anchor');
  t.match(compilePattern('(a)\\1'), { error: /not a pattern this appliance runs/ }, 'what RE2 refuses is still refused');
});
