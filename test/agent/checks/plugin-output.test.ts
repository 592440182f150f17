// A script check's output (S6) read by the monitoring-plugins convention: recorded output of
// Debian's monitoring-plugins and the guidelines' own examples, then the edge cases.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import fc from 'fast-check';
import { parsePluginOutput } from '../../../agent/checks/plugin-output.js';
import { CHECK_LIMITS, parseThresholdRange, stateOfExitCode, stateOfValue, breaches } from '../../../contract/checks.js';
import { fixturesDir } from '../../helpers/paths.js';

const fixture = (name: string): { text: string; exit: number | null } => {
  const dir = path.join(fixturesDir, 'plugins');
  const exitFile = path.join(dir, `${name}.exit`);
  let exit: number | null = null;
  try {
    exit = Number(readFileSync(exitFile, 'utf8').trim());
  } catch {
    // the guidelines' examples have no exit code
  }
  return { text: readFileSync(path.join(dir, `${name}.txt`), 'utf8'), exit };
};

void t.test("check_tcp's output: the first line, and its response time with its range of 0 to 10 s", (t) => {
  const { text, exit } = fixture('check_tcp-ok');
  const r = parsePluginOutput(text);
  t.equal(stateOfExitCode(exit), 'ok');
  t.match(r.output, /^TCP OK - [\d.]+ second response time on 127\.0\.0\.1 port \d+$/);
  t.equal(r.perfdata.length, 1);
  t.match(r.perfdata[0], { label: 'time', unit: 's', warn: null, crit: null, min: 0, max: 10 });
  t.ok((r.perfdata[0]?.value ?? -1) >= 0);
  t.same(r.problems, []);
  t.end();
});

void t.test('a refused connection is CRITICAL with its reason and no perfdata', (t) => {
  const { text, exit } = fixture('check_tcp-refused');
  const r = parsePluginOutput(text);
  t.equal(stateOfExitCode(exit), 'critical');
  t.equal(r.output, 'connect to address 127.0.0.1 and port 1: Connection refused');
  t.same(r.perfdata, []);
  t.end();
});

void t.test("check_http's two items, the second a size in bytes", (t) => {
  const r = parsePluginOutput(fixture('check_http-ok').text);
  t.same(r.perfdata.map((p) => [p.label, p.unit]), [['time', 's'], ['size', 'B']]);
  t.match(r.perfdata[1], { min: 0, max: null });
  const missing = parsePluginOutput(fixture('check_http-body-missing').text);
  t.match(missing.output, /string 'no-such-text' not found/);
  t.end();
});

void t.test("check_load's three items with their warning and critical ranges", (t) => {
  const { text, exit } = fixture('check_load');
  const r = parsePluginOutput(text);
  t.equal(stateOfExitCode(exit), 'warning');
  t.same(r.perfdata.map((p) => [p.label, p.warn, p.crit, p.min, p.max]), [
    ['load1', '15.000', '30.000', 0, null], ['load5', '10.000', '25.000', 0, null], ['load15', '5.000', '20.000', 0, null],
  ]);
  // the ranges give the state the plugin gave (recorded: 10.80 10.27 8.24 against 15 10 5)
  t.same(r.perfdata.map((p) => stateOfValue(p.value ?? 0, p.warn, p.crit)), ['ok', 'warning', 'warning']);
  t.end();
});

void t.test("check_procs' range thresholds (1:1 and 1:2) are kept as written and read as ranges", (t) => {
  const r = parsePluginOutput(fixture('check_procs-critical').text);
  t.match(r.perfdata[0], { label: 'procs', value: 0, warn: '1:1', crit: '1:2', min: 0 });
  t.equal(stateOfValue(0, '1:1', '1:2'), 'critical');
  t.end();
});

void t.test('check_disk, check_swap and check_users parse without problems', (t) => {
  for (const name of ['check_disk', 'check_swap', 'check_users']) {
    const r = parsePluginOutput(fixture(name).text);
    t.same(r.problems, [], name);
    t.ok(r.perfdata.length > 0, name);
  }
  t.end();
});

void t.test("the guidelines' multi-line example: long output, and perfdata on the first line, mid-text and after", (t) => {
  const r = parsePluginOutput(fixture('guidelines-multiline').text);
  t.equal(r.output, 'DISK OK - free space: / 3326 MB (56%);');
  t.equal(r.longOutput, '/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%);\n/var/log 819 MB (84%);');
  t.same(r.perfdata.map((p) => [p.label, p.value, p.unit, p.max]), [
    ['/', 2643, 'MB', 5968], ['/boot', 68, 'MB', 98], ['/home', 69357, 'MB', 253414], ['/var/log', 818, 'MB', 980],
  ]);
  t.end();
});

void t.test('edge cases of perfdata', (t) => {
  const one = (s: string): ReturnType<typeof parsePluginOutput> => parsePluginOutput(`OK | ${s}`);
  t.match(one("'free space on /home'=12GB;;;0;100").perfdata[0], { label: 'free space on /home', value: 12, unit: 'GB' }, 'a quoted label with spaces');
  t.match(one("'it''s'=1").perfdata[0], { label: "it's", value: 1 }, 'a quote in a label is written twice');
  t.match(one('a=U;1;2').perfdata[0], { label: 'a', value: null, warn: '1', crit: '2' }, 'U: undetermined');
  t.match(one('a=1.5e3ms').perfdata[0], { value: 1500, unit: 'ms' }, 'an exponent');
  t.match(one('a=-3.5').perfdata[0], { value: -3.5, unit: '' }, 'a negative number');
  t.match(one('a=0,25s').perfdata[0], { value: 0.25, unit: 's' }, 'a decimal comma (a plugin under another locale)');
  t.match(one('a=5c').perfdata[0], { value: 5, unit: 'c' }, 'a counter');
  t.match(one('a=99%;80;90').perfdata[0], { value: 99, unit: '%', warn: '80', crit: '90', min: null, max: null }, 'trailing fields left out');
  const mixed = one('good=1 broken noequals=x=3 also=2;;;0');
  t.same(mixed.perfdata.map((p) => p.label), ['good', 'also'], 'a malformed item is skipped, the rest kept');
  t.equal(mixed.problems.length, 2);
  t.match(one("'unterminated=1").problems[0], /unterminated quote/);
  t.equal(parsePluginOutput('').output, '(no output)');
  t.equal(parsePluginOutput('| a=1').output, '(no output)', 'perfdata without text');
  t.equal(parsePluginOutput('CRITICAL - down\r\nline 2\r\n').longOutput, 'line 2', 'CRLF line ends');
  t.end();
});

void t.test('bounds: the output, the long output and the number of items are cut, and the cut is said', (t) => {
  const long = parsePluginOutput(`${'x'.repeat(5000)}\n${'가'.repeat(3000)}`);
  t.equal([...long.output].length, CHECK_LIMITS.outputChars);
  t.ok(Buffer.byteLength(long.longOutput) <= CHECK_LIMITS.longOutputBytes);
  t.notOk(long.longOutput.includes('\uFFFD'), 'no character split');
  t.equal(long.problems.length, 2);
  const many = parsePluginOutput(`OK | ${Array.from({ length: 100 }, (_, i) => `m${i}=${i}`).join(' ')}`);
  t.equal(many.perfdata.length, CHECK_LIMITS.perfdata);
  t.match(many.problems, [/dropped/]);
  t.end();
});

void t.test('threshold ranges as the guidelines define them', (t) => {
  t.same(parseThresholdRange('10'), { start: 0, end: 10, inside: false });
  t.same(parseThresholdRange('10:'), { start: 10, end: Number.POSITIVE_INFINITY, inside: false });
  t.same(parseThresholdRange('~:10'), { start: Number.NEGATIVE_INFINITY, end: 10, inside: false });
  t.same(parseThresholdRange('@10:20'), { start: 10, end: 20, inside: true });
  t.equal(parseThresholdRange('20:10'), null, 'start above end');
  t.equal(parseThresholdRange('abc'), null);
  const table: [string, number, boolean][] = [
    ['10', 11, true], ['10', -1, true], ['10', 5, false], ['10:', 9, true], ['10:', 1e9, false],
    ['~:10', 11, true], ['~:10', -1e9, false], ['10:20', 15, false], ['10:20', 21, true], ['@10:20', 15, true], ['@10:20', 9, false],
  ];
  for (const [range, value, alert] of table) {
    const r = parseThresholdRange(range);
    t.equal(r !== null && breaches(r, value), alert, `${range} with ${value}`);
  }
  t.equal(stateOfExitCode(3), 'unknown');
  t.equal(stateOfExitCode(127), 'unknown', 'not found (a shell\'s 127) is UNKNOWN');
  t.equal(stateOfExitCode(null), 'unknown', 'killed by a signal');
  t.end();
});

void t.test('any text parses without throwing, within the bounds (fuzz)', (t) => {
  const runs = Number(process.env.FUZZ_RUNS ?? 300);
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (text) => {
    const r = parsePluginOutput(text);
    return [...r.output].length <= CHECK_LIMITS.outputChars && Buffer.byteLength(r.longOutput) <= CHECK_LIMITS.longOutputBytes
      && r.perfdata.length <= CHECK_LIMITS.perfdata && r.perfdata.every((p) => p.label !== '' && (p.value === null || Number.isFinite(p.value)));
  }), { numRuns: runs });
  t.pass(`${runs} random outputs`);
  t.end();
});
