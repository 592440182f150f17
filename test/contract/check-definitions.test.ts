// The checks' contract (S5, S6): each kind of check definition accepted as the issue's examples
// write them, each bad field refused by its path, every bound enforced, and the results payload.
import t from 'tap';
import { agentCheckSchema, CHECK_DEFINITION_LIMITS as L, checkResultsPayloadSchema } from '../../contract/check-definitions.js';

const problemPaths = (value: unknown): string[] => {
  const r = agentCheckSchema.safeParse(value);
  return r.success ? [] : r.error.issues.map((i) => i.path.join('.') || '(root)');
};

void t.test('the four kinds an agent runs, as the API takes them', (t) => {
  const good = [
    { id: 'smtp', type: 'port', name: 'smtp', host: '127.0.0.1', port: 25, expect: '^220', intervalS: 10 },
    { id: 'nginx', type: 'process', name: 'nginx workers', process: 'nginx', user: 'www-data', min: 2, intervalS: 30 },
    { id: 'app-errors', type: 'log', name: 'app errors', path: '/var/log/app.log', patterns: [{ pattern: 'ERROR', severity: 'warning' }, { pattern: 'FATAL', severity: 'critical' }], intervalS: 60 },
    { id: 'disk', type: 'script', name: 'disk /', command: 'check_disk', args: ['-w', '10%', '-c', '5%', '-p', '/'], intervalS: 300, timeoutS: 30 },
  ];
  for (const g of good) t.ok(agentCheckSchema.safeParse(g).success, g.type);
  t.end();
});

void t.test('a bad field is refused by its path', (t) => {
  const port = { id: 'p', type: 'port', name: 'p', host: 'h', port: 1, intervalS: 10 };
  t.same(problemPaths({ ...port, port: 70_000 }), ['port']);
  t.same(problemPaths({ ...port, intervalS: 1 }), ['intervalS']);
  t.same(problemPaths({ ...port, id: 'Bad Id' }), ['id']);
  t.same(problemPaths({ ...port, extra: 1 }), ['(root)'], 'an unknown key');
  t.same(problemPaths({ ...port, type: 'telnet' }), ['type']);
  t.same(problemPaths({ id: 'l', type: 'log', name: 'l', path: 'relative.log', patterns: [], intervalS: 10 }), ['path', 'patterns']);
  t.end();
});

void t.test('bounds: long strings, too many patterns or arguments', (t) => {
  const base = { id: 's', type: 'script', name: 's', command: 'c', intervalS: 10 };
  t.same(problemPaths({ ...base, args: Array.from({ length: L.scriptArgs + 1 }, () => 'a') }), ['args']);
  t.same(problemPaths({ ...base, args: ['x'.repeat(L.scriptArgChars + 1)] }), ['args.0']);
  t.same(problemPaths({ ...base, name: 'n'.repeat(L.nameChars + 1) }), ['name']);
  t.same(problemPaths({ id: 'p', type: 'port', name: 'p', host: 'h', port: 1, intervalS: 10, expect: 'x'.repeat(L.patternChars + 1) }), ['expect']);
  const patterns = Array.from({ length: L.logPatterns + 1 }, () => ({ pattern: 'x', severity: 'warning' }));
  t.same(problemPaths({ id: 'l', type: 'log', name: 'l', path: '/l', patterns, intervalS: 10 }), ['patterns']);
  t.end();
});

void t.test('the results payload: states, perfdata, bounds', (t) => {
  const result = { id: 'smtp', t: 1_800_000_000, state: 'critical', output: 'TCP CRITICAL - refused', perfdata: [{ label: 'time', value: null, unit: 's', warn: null, crit: null, min: 0, max: 10 }], durationMs: 3 };
  t.ok(checkResultsPayloadSchema.safeParse({ v: 1, results: [result] }).success);
  t.notOk(checkResultsPayloadSchema.safeParse({ v: 1, results: [{ ...result, state: 'bad' }] }).success);
  t.notOk(checkResultsPayloadSchema.safeParse({ v: 1, results: [{ ...result, perfdata: [{ ...result.perfdata[0], value: Number.POSITIVE_INFINITY }] }] }).success);
  t.notOk(checkResultsPayloadSchema.safeParse({ v: 1, results: Array.from({ length: L.resultsPerMessage + 1 }, () => result) }).success);
  t.end();
});
