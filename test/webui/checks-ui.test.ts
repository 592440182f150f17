// The Checks screens' pure logic (S5, S6, S16, S18), without a browser: the filters in the URL
// fragment, the form's draft of every check type turned into a body the contract's own schema
// accepts (and a missing field named where the form shows it), live events applied to the list,
// which instance a server panel shows, how perfdata units are drawn, and the dictionaries.
import t from 'tap';
import type { CheckInstance, CheckStreamEvent, CheckView } from '../../contract/checks-api.js';
import { CHECK_TYPES, checkInputSchema } from '../../contract/checks-api.js';
import { CHECK_STATES } from '../../contract/checks.js';
import { problemsOf } from '../../core/validation-problems.js';
import { problemsByField } from '../../webui/src/alerting-model.js';
import {
  CHECK_TYPE_LIST,
  STATUS_STATES,
  TYPE_FIELDS,
  applyCheckEvent,
  chartLabels,
  checkInputFromDraft,
  checkMatches,
  countByState,
  draftFromCheck,
  emptyCheckDraft,
  filtersFromHash,
  formFields,
  hashWithFilters,
  instanceFor,
  listParams,
  perfdataDisplay,
  perfdataValue,
  perfdataWindow,
  sortChecks,
  targetText,
  type CheckDefinition,
  type CheckDraft,
} from '../../webui/src/checks-model.js';
import { CHECKS_EN, CHECKS_KO } from '../../webui/src/i18n-checks.js';
import { formattersFor } from '../../webui/src/locale-format.js';

void t.test('the bundle\'s lists of types and states are the contract\'s', (t) => {
  t.same([...CHECK_TYPE_LIST], [...CHECK_TYPES]);
  t.same([...STATUS_STATES].sort(), [...CHECK_STATES, 'pending'].sort());
  t.end();
});

void t.test('the filters round-trip through the URL fragment and keep the view', (t) => {
  const hash = hashWithFilters('#view=checks', { state: 'critical', server: 'a1', group: '', type: 'port', q: ' smtp ' });
  t.equal(hash, '#view=checks&state=critical&server=a1&type=port&q=smtp');
  t.same(filtersFromHash(hash), { state: 'critical', server: 'a1', group: '', type: 'port', q: 'smtp' });
  t.same(filtersFromHash('#view=checks&state=bogus&type=nope'), { state: '', server: '', group: '', type: '', q: '' }, 'unknown values are ignored');
  t.equal(hashWithFilters(hash, { state: '', server: '', group: '', type: '', q: '' }), '#view=checks', 'cleared filters leave the view alone');
  t.equal(listParams(filtersFromHash(hash)).toString(), 'agentId=a1&type=port&q=smtp', 'the state is filtered on the page, so the counts cover every state');
  t.end();
});

/** A draft with every field of its type filled as an operator would. */
function filledDraft(type: CheckDraft['type']): CheckDraft {
  const d = emptyCheckDraft(type, 'agent-1');
  const values: Record<CheckDraft['type'], CheckDraft['values']> = {
    port: { host: '127.0.0.1', port: '25', send: 'EHLO x\r\n', expect: '^220', warn: '0.5', crit: '2' },
    process: { process: 'nginx', commandLine: 'nginx: master', user: 'root', min: '1', max: '4' },
    log: { path: '/var/log/syslog', fromStart: true },
    script: { command: 'check_disk', args: '-w\n10%\n\n-c\n5%' },
    quota: { paths: '/home\n/srv', recommendedBytes: '512', warningBytes: '1024' },
    'probe-tcp': { host: 'mail.example', port: '25', send: 'QUIT\r\n', expect: '^220', warn: '1', crit: '5' },
    'probe-http': { url: 'https://web.example/health', expectStatus: '200-299,301', bodyPattern: 'ok', certWarnDays: '14', certCritDays: '5', insecure: true, warn: '1', crit: '3' },
    'probe-ping': { host: '10.0.0.1', count: '5', warn: '100', crit: '300', lossWarn: '20', lossCrit: '60' },
  };
  return { ...d, name: `a ${type} check`, interval: type.startsWith('probe-') ? '30' : '10', values: values[type], patterns: [{ pattern: 'error', severity: 'warning' }, { pattern: 'panic', severity: 'critical' }] };
}

void t.test('every type\'s form gives a body the contract accepts, and an edit keeps it', (t) => {
  for (const type of CHECK_TYPE_LIST) {
    const input = checkInputFromDraft(filledDraft(type));
    const parsed = checkInputSchema.safeParse(input);
    t.ok(parsed.success, `${type}: accepted${parsed.success ? '' : ` (${problemsOf(parsed.error).join('; ')})`}`);
    t.same(checkInputFromDraft(draftFromCheck(input)), input, `${type}: an unchanged edit saves the same definition`);
    for (const spec of TYPE_FIELDS[type]) if (spec.kind !== 'bool') t.not((input as Record<string, unknown>)[spec.key], undefined, `${type}.${spec.key} is sent`);
  }
  const script = checkInputFromDraft(filledDraft('script'));
  t.same(script.type === 'script' && script.args, ['-w', '10%', '-c', '5%'], 'arguments: one per line, blank lines dropped, never one shell string');
  const quota = checkInputFromDraft(filledDraft('quota'));
  t.equal(quota.type === 'quota' && quota.recommendedBytes, 512 * 1024 * 1024, 'MiB typed, bytes sent');
  const probe = checkInputFromDraft({ ...filledDraft('probe-tcp'), agentId: '' });
  t.notOk('agentId' in probe, 'a probe about no server names none');
  t.notOk('groupId' in probe, 'a probe is never placed on a group');
  const group = checkInputFromDraft({ ...filledDraft('port'), placement: 'group', groupId: 'web' });
  t.same([group.agentId, 'groupId' in group && group.groupId], [undefined, 'web'], 'a group check names the group only');
  t.end();
});

void t.test('what the form does not show survives an edit: a quota check\'s per-account levels', (t) => {
  const def: CheckDefinition = { type: 'quota', name: 'homes', agentId: 'a', interval: 300, recommendedBytes: 1, warningBytes: 2, accounts: { alice: { recommendedBytes: 5, warningBytes: 9 } } };
  const again = checkInputFromDraft(draftFromCheck(def));
  t.same(again, def);
  t.ok(checkInputSchema.safeParse(again).success);
  t.end();
});

void t.test('a field left wrong is refused by the contract and the problem lands beside that field', (t) => {
  const cases: [CheckDraft, string][] = [
    [{ ...filledDraft('port'), values: { ...filledDraft('port').values, host: '' } }, 'host'],
    [{ ...filledDraft('port'), values: { ...filledDraft('port').values, port: '70000' } }, 'port'],
    [{ ...filledDraft('port'), values: { ...filledDraft('port').values, port: 'smtp' } }, 'port'],
    [{ ...filledDraft('probe-http'), values: { ...filledDraft('probe-http').values, url: 'ftp://x' } }, 'url'],
    [{ ...filledDraft('log'), values: { path: 'var/log/x' } }, 'path'],
    [{ ...filledDraft('script'), values: { command: '' } }, 'command'],
    [{ ...filledDraft('probe-ping'), interval: '5' }, 'interval'],
    [{ ...filledDraft('port'), name: '' }, 'name'],
    [{ ...filledDraft('log'), patterns: [{ pattern: '', severity: 'critical' }] }, 'patterns'],
  ];
  for (const [draft, field] of cases) {
    const parsed = checkInputSchema.safeParse(checkInputFromDraft(draft));
    if (parsed.success) {
      t.fail(`${draft.type} ${field}: accepted`);
      continue;
    }
    const { byField, other } = problemsByField(problemsOf(parsed.error), [...formFields(draft.type), ...draft.patterns.map((_, i) => `patterns.${i}`)]);
    const shownAt = Object.keys(byField);
    t.ok(shownAt.some((f) => f === field || f.startsWith(`${field}.`)), `${draft.type}: the ${field} problem is shown beside it (${shownAt.join(', ')}; other: ${other.join(', ')})`);
  }
  t.end();
});

function instance(agentId: string | null, state: CheckInstance['state'], lastRun: number, output: string = state): CheckInstance {
  return { agentId, hostname: agentId, state, output, longOutput: '', perfdata: [], since: lastRun, lastRun, durationMs: 1 };
}

function view(id: string, name: string, instances: CheckInstance[], type: CheckView['type'] = 'port'): CheckView {
  const definition = { type, name, host: '127.0.0.1', port: 25, interval: 10, agentId: 'a' } as unknown as CheckView['definition'];
  const worst = instances[0] ?? instance(null, 'ok', 0);
  return { id, definition, type, createdAt: 0, updatedAt: 0, instances, ...worst, state: instances.length ? worst.state : 'pending' };
}

void t.test('a live event replaces its instance and the check takes its worst instance\'s state', (t) => {
  const list = [view('c1', 'smtp', [instance('a', 'ok', 100), instance('b', 'ok', 100)]), view('c2', 'web', [instance('a', 'warning', 100)])];
  const ev = (checkId: string, i: CheckInstance): CheckStreamEvent => ({ checkId, name: 'x', type: 'port', instance: i, changed: true });
  const after = applyCheckEvent(list, ev('c1', instance('b', 'critical', 110, 'connection refused')));
  t.ok(after.known);
  t.equal(after.list[0]?.state, 'critical', 'one critical member makes the check critical');
  t.equal(after.list[0]?.output, 'connection refused', 'with that member\'s output');
  t.equal(after.list[0]?.instances.length, 2);
  t.same(countByState(after.list), { critical: 1, warning: 1, unknown: 0, ok: 0, pending: 0 });
  t.equal(after.list[1], list[1], 'other checks are untouched');
  const stale = applyCheckEvent(after.list, ev('c1', instance('b', 'ok', 105)));
  t.equal(stale.list[0]?.state, 'critical', 'an event older than the list\'s state changes nothing');
  const added = applyCheckEvent(list, ev('c1', instance('c', 'unknown', 120)));
  t.equal(added.list[0]?.instances.length, 3, 'a new member of the group joins the check');
  t.equal(added.list[0]?.state, 'unknown');
  t.notOk(applyCheckEvent(list, ev('c9', instance('a', 'ok', 1))).known, 'a check the list does not hold is reported as unknown');
  t.end();
});

void t.test('worst first, then the longest in its state; a panel shows its own server\'s instance', (t) => {
  const a = { ...view('1', 'b', [instance('a', 'ok', 1)]) };
  const b = { ...view('2', 'a', [instance('a', 'critical', 50)]) };
  const c = { ...view('3', 'c', [instance('a', 'critical', 10)]) };
  const d = view('4', 'd', []);
  const e = { ...view('5', 'e', [instance('a', 'unknown', 10)]) };
  const f = { ...view('6', 'f', [instance('a', 'warning', 10)]) };
  t.same(sortChecks([a, b, c, d, e, f]).map((x) => x.id), ['3', '2', '5', '6', '1', '4']);
  const group = view('g', 'grp', [instance('a', 'critical', 5), instance('b', 'ok', 5)]);
  t.equal(instanceFor(group, 'b').state, 'ok', 'server b\'s panel shows b\'s state, not the group\'s worst');
  const probe = view('p', 'probe', [instance(null, 'critical', 5)], 'probe-tcp');
  t.equal(instanceFor(probe, 'b').state, 'critical', 'a probe about the server shows the appliance\'s result');
  t.equal(instanceFor(view('n', 'new', []), 'b').state, 'pending');
  t.end();
});

void t.test('search and the one-line target', (t) => {
  const c = view('1', 'mail', [instance('a', 'critical', 1, 'connection refused')]);
  t.ok(checkMatches(c, 'REFUSED'), 'the output');
  t.ok(checkMatches(c, '127.0.0.1'), 'the host');
  t.notOk(checkMatches(c, 'nginx'));
  t.equal(targetText({ type: 'process', name: 'n', interval: 5, process: 'nginx', user: 'www' }), 'nginx (www)');
  t.equal(targetText({ type: 'script', name: 's', interval: 5, command: 'check_disk', args: ['-w', '10%'] }), 'check_disk -w 10%');
  t.end();
});

void t.test('perfdata units: times in ms, sizes in binary units, counters plain', (t) => {
  const en = formattersFor('en-US');
  t.same(perfdataDisplay('s'), { kind: 'plain', scale: 1000, unit: 'ms' });
  t.equal(perfdataValue(0.0123, 's', en), '12.3 ms');
  t.equal(perfdataValue(1536, 'KB', en), '1.5 MiB');
  t.equal(perfdataValue(42.5, '%', en), '42.5%');
  t.equal(perfdataValue(7, 'c', en), '7');
  t.equal(perfdataValue(null, 's', en), '–', 'U (unknown) is a dash');
  const w = perfdataWindow({ agentId: 'a', family: 'cpu', step: 10, fields: ['time'], data: [[10, 20, 30], [0.001, 0.002, null]] }, 1000);
  t.same(w.data, [[10, 20], [1, 2]], 'the stored seconds drawn in ms, the unconsolidated tail dropped');
  const time = { label: 'time', value: 0.01, unit: 's', warn: null, crit: null, min: 0, max: null };
  const refused = view('1', 'smtp', [instance('a', 'critical', 5)]);
  t.same(chartLabels(refused, []), [{ label: 'time', unit: 's' }], 'a refused port check still charts its earlier connect times');
  const group = view('2', 'g', [instance('a', 'ok', 5), { ...instance('b', 'ok', 5), perfdata: [{ ...time, label: 'size', unit: 'B' }] }], 'script');
  t.same(chartLabels(group, [time]), [{ label: 'time', unit: 's' }, { label: 'size', unit: 'B' }], 'the shown run\'s labels first, then the other servers\'');
  t.end();
});

void t.test('every checks string exists in Korean with the English placeholders', (t) => {
  const keys = Object.keys(CHECKS_EN) as (keyof typeof CHECKS_EN)[];
  t.same(Object.keys(CHECKS_KO).sort(), [...keys].sort());
  const params = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();
  const same = new Set(['cstate.ok', 'cfield.url', 'pcheck.chartOf', 'pcheck.chartUnit', 'checks.onServer', 'ctype.probe-http']);
  for (const k of keys) {
    t.same(params(CHECKS_KO[k]), params(CHECKS_EN[k]), `${k}: the same placeholders`);
    if (!same.has(k)) t.not(CHECKS_KO[k], CHECKS_EN[k], `${k} is translated`);
  }
  for (const type of CHECK_TYPE_LIST) for (const spec of TYPE_FIELDS[type]) t.ok(`cfield.${spec.key}` in CHECKS_EN, `${type}.${spec.key} has a label`);
  t.end();
});
