// Alert rules on service checks (S5, S6, S7, S12) in the alert engine, fed recorded check runs as
// the checks store hands them over (CheckRunListener), with the real repository, hub and outbox
// (support/alerting-rig.ts): a rule on a check's state fires, escalates and resolves; the SMS
// names the server, the check and its state with the output line; a perfdata rule; the shipped
// CRITICAL-check rule; a deleted check and a withdrawn rule; a probe with and without a server.
import t from 'tap';
import type { RecordedCheckRun } from '../../../appliance/checks/check-runs.js';
import { parseRule } from '../../../appliance/alerting/alert-schemas.js';
import type { Rule } from '../../../contract/alerting.js';
import type { CheckState, Perfdatum } from '../../../contract/checks.js';
import type { CheckInput } from '../../../contract/checks-api.js';
import { S, T0, contact, rig, texts, type Rig } from './support/alerting-rig.js';

const nginx: CheckInput = { type: 'port', agentId: 'a1', name: 'nginx port 443', host: '10.0.0.5', port: 443, interval: 10 };

function run(checkId: string, tS: number, state: CheckState, output: string, o: { perfdata?: Perfdatum[]; agentId?: string | null; hostname?: string | null; definition?: CheckInput; name?: string } = {}): RecordedCheckRun {
  const definition = o.definition ?? nginx;
  return {
    checkId, name: o.name ?? definition.name, type: (definition as { type: RecordedCheckRun['type'] }).type, definition,
    agentId: o.agentId === undefined ? 'a1' : o.agentId, hostname: o.hostname === undefined ? 'web-01.example.com' : o.hostname,
    previous: 'pending',
    result: { id: checkId, t: tS, state, output, perfdata: o.perfdata ?? [], durationMs: 3 },
  };
}

const time = (s: number): Perfdatum => ({ label: 'time', value: s, unit: 's', warn: null, crit: null, min: 0, max: 10 });

function setup(t: Parameters<typeof rig>[0]): Rig {
  const r = rig(t);
  r.agents.add('a1', 'web-01.example.com', 'online', T0);
  // the agent sends no samples here: its silence is another rule's story
  r.admin.deleteRule('default-agent-silent');
  r.admin.saveContact(contact('kim', '+821011112222'));
  return r;
}

const stateRule = (o: Partial<Rule> & { metric?: Rule['metric'] } = {}): Rule => ({
  id: 'nginx-state', name: 'nginx', metric: { kind: 'check_state', checkId: 'nginx' }, comparison: '>=', levels: {}, forS: 0, scope: { kind: 'all' }, enabled: true, ...o,
});

void t.test('the shipped rule: any CRITICAL check is a critical alert, texted with the server, the check, its state and output; OK resolves it', async (t) => {
  const r = setup(t);
  const shipped = r.engine.rule('default-check-critical');
  t.match(shipped, { builtin: true, enabled: true, metric: { kind: 'check_state', checkId: '*', severities: { critical: 'critical' } } }, 'present after start');
  r.engine.onCheckRun(run('nginx', S, 'warning', 'TCP WARNING - 1.2 s response time on 10.0.0.5 port 443'));
  t.same(r.engine.openAlerts(), [], 'a WARNING raises nothing under the shipped rule');
  r.engine.onCheckRun(run('nginx', S + 10, 'critical', 'TCP CRITICAL - 10.0.0.5 port 443: connection refused'));
  const [alert] = r.engine.openAlerts();
  t.match(alert, {
    ruleId: 'default-check-critical', agentId: 'a1', key: 'nginx', severity: 'critical', state: 'firing',
    cause: { check: { checkId: 'nginx', name: 'nginx port 443', type: 'port', state: 'critical', output: 'TCP CRITICAL - 10.0.0.5 port 443: connection refused' } },
  });
  t.same(texts(r), ['[CRIT] web-01.example.com nginx port 443 CRITICAL: 10.0.0.5 port 443: connection refused 05:00 #1 reply ACK 1']);
  r.engine.onCheckRun(run('nginx', S + 20, 'critical', 'TCP CRITICAL - 10.0.0.5 port 443: connection refused'));
  t.equal(texts(r).length, 1, 'still CRITICAL: no second message');
  await r.clock.advance(3 * 60_000);
  r.engine.onCheckRun(run('nginx', S + 200, 'ok', 'TCP OK - 0.002 s response time on 10.0.0.5 port 443'));
  t.same(r.engine.openAlerts(), []);
  t.equal(texts(r)[1], '[OK] web-01.example.com nginx port 443 05:03 #1 (CRIT 3m)');
});

void t.test('a rule on one check\'s state: WARNING → warning, CRITICAL escalates with its own output line, UNKNOWN as the rule says', (t) => {
  const r = setup(t);
  r.admin.deleteRule('default-check-critical');
  r.admin.saveRule(stateRule());
  r.engine.onCheckRun(run('other', S, 'critical', 'TCP CRITICAL - other'));
  t.same(r.engine.openAlerts(), [], 'another check is not this rule\'s');
  r.engine.onCheckRun(run('nginx', S, 'unknown', 'TCP UNKNOWN - no address'));
  t.same(r.engine.openAlerts(), [], 'UNKNOWN raises nothing unless the rule names a grade for it');
  r.engine.onCheckRun(run('nginx', S + 10, 'warning', 'TCP WARNING - 1.5 s response time on 10.0.0.5 port 443'));
  t.match(r.engine.openAlerts(), [{ severity: 'warning' }]);
  r.engine.onCheckRun(run('nginx', S + 20, 'critical', 'TCP CRITICAL - 10.0.0.5 port 443: connection refused'));
  t.match(r.engine.openAlerts(), [{ severity: 'critical', cause: { check: { state: 'critical', output: /connection refused/ } } }]);
  const sent = texts(r);
  t.match(sent[0], /^\[WARN\] web-01\.example\.com nginx port 443 WARNING: 1\.5 s response time on 10\.0\.0\.5 port 443 05:00 #1/);
  t.match(sent[1], /^\[CRIT\] web-01\.example\.com nginx port 443 CRITICAL: 10\.0\.0\.5 port 443: connection refused 05:00 #1 \(was WARN\)/, 'the escalation carries the CRITICAL output');
  r.engine.onCheckRun(run('nginx', S + 30, 'unknown', 'TCP UNKNOWN - no address'));
  t.match(texts(r).at(-1), /^\[OK\]/, 'UNKNOWN raises nothing: the alert resolves');

  r.admin.saveRule(stateRule({ metric: { kind: 'check_state', checkId: 'nginx', severities: { unknown: 'info', warning: 'disaster' } } }));
  r.engine.onCheckRun(run('nginx', S + 40, 'unknown', 'TCP UNKNOWN - no address'));
  t.match(r.engine.openAlerts(), [{ severity: 'info' }], 'set grades: UNKNOWN → info');
  r.engine.onCheckRun(run('nginx', S + 50, 'warning', 'TCP WARNING - slow'));
  t.match(r.engine.openAlerts(), [{ severity: 'disaster' }], 'WARNING → disaster');
  r.engine.onCheckRun(run('nginx', S + 60, 'critical', 'TCP CRITICAL - refused'));
  t.same(r.engine.openAlerts(), [], 'CRITICAL, not named, raises nothing here');
  t.end();
});

void t.test('"for at least N s" holds for check states too', (t) => {
  const r = setup(t);
  r.admin.deleteRule('default-check-critical');
  r.admin.saveRule(stateRule({ forS: 30 }));
  r.engine.onCheckRun(run('nginx', S, 'critical', 'TCP CRITICAL - refused'));
  r.engine.onCheckRun(run('nginx', S + 20, 'critical', 'TCP CRITICAL - refused'));
  t.match(r.engine.openAlerts(), [{ state: 'pending' }]);
  t.same(texts(r), []);
  r.engine.onCheckRun(run('nginx', S + 30, 'critical', 'TCP CRITICAL - refused'));
  t.match(r.engine.openAlerts(), [{ state: 'firing', severity: 'critical' }]);
  t.end();
});

void t.test('the SMS in Korean, and an output line too long for one SMS is cut to fit', (t) => {
  const r = setup(t);
  r.admin.saveContact(contact('lee', '+821033334444', 0, 'ko'));
  const long = `CHECK_HTTP CRITICAL - ${'the upstream answered with an error page instead of the shop '.repeat(4)}`;
  r.engine.onCheckRun(run('nginx', S, 'critical', long));
  const [en] = texts(r, '+821011112222');
  const [ko] = texts(r, '+821033334444');
  t.match(en, /^\[CRIT\] web-01 nginx port 443 CRITICAL: the upstream answered .*\.\. 05:00 #1/, 'the host shortened, then the output cut');
  t.ok((en ?? '').length <= 160, `one GSM-7 part (${(en ?? '').length} characters)`);
  t.match(ko, /^\[심각\] web-01 nginx port 443 심각: the upstream .*\.\. 05:00 #1$/);
  t.ok((ko ?? '').length <= 70, `one UCS2 part (${(ko ?? '').length} characters)`);
  t.end();
});

void t.test('a perfdata rule: the check\'s response time against levels, a run without the value changes nothing', (t) => {
  const r = setup(t);
  r.admin.saveRule({
    id: 'nginx-time', name: 'nginx slow', metric: { kind: 'check_perf', checkId: 'nginx', label: 'time' }, comparison: '>',
    levels: { warning: 1, critical: 2 }, recovery: { delta: 0.5 }, forS: 0, scope: { kind: 'all' }, enabled: true,
  });
  r.engine.onCheckRun(run('nginx', S, 'ok', 'TCP OK - 0.2 s', { perfdata: [time(0.2)] }));
  t.same(r.engine.openAlerts(), []);
  r.engine.onCheckRun(run('nginx', S + 10, 'ok', 'TCP OK - 1.5 s', { perfdata: [time(1.5)] }));
  t.match(r.engine.openAlerts(), [{ ruleId: 'nginx-time', severity: 'warning', value: 1.5, cause: { check: { unit: 's' } } }]);
  t.match(texts(r)[0], /^\[WARN\] web-01\.example\.com nginx port 443 time 1\.5s \(>1\) 05:00 #1/);
  r.engine.onCheckRun(run('nginx', S + 20, 'ok', 'TCP OK - 0.8 s', { perfdata: [time(0.8)] }));
  t.equal(r.engine.openAlerts().length, 1, 'hysteresis: 0.8 s is not below 1 − 0.5');
  r.engine.onCheckRun(run('nginx', S + 30, 'critical', 'TCP CRITICAL - refused'));
  t.match(r.engine.openAlerts(), [{ ruleId: 'nginx-time', severity: 'warning' }, { ruleId: 'default-check-critical' }].reverse(), 'no time: the perfdata alert stays as it was');
  r.engine.onCheckRun(run('nginx', S + 40, 'ok', 'TCP OK - 0.1 s', { perfdata: [time(0.1)] }));
  t.same(r.engine.openAlerts(), []);
  t.ok(texts(r).some((x) => /^\[OK\] web-01\.example\.com nginx port 443 time 0\.1s 05:00 #1/.test(x)), 'its recovery names the value');
  t.end();
});

void t.test('a deleted check and a withdrawn rule resolve their alerts with the reason', (t) => {
  const r = setup(t);
  r.admin.saveRule(stateRule());
  r.engine.onCheckRun(run('nginx', S, 'critical', 'TCP CRITICAL - refused'));
  t.equal(r.engine.openAlerts().length, 2, 'the shipped rule and this one');
  r.admin.deleteRule('nginx-state');
  t.match(r.engine.openAlerts(), [{ ruleId: 'default-check-critical' }]);
  r.engine.checkRemoved('nginx');
  t.same(r.engine.openAlerts(), []);
  const resolved = r.events.filter((e) => e.name === 'alert' && (e.data as { kind: string }).kind === 'resolved').map((e) => (e.data as { alert: { ruleId: string; resolution: string } }).alert);
  t.match(resolved, [{ ruleId: 'nginx-state', resolution: 'rule-withdrawn' }, { ruleId: 'default-check-critical', resolution: 'check-removed' }]);
  t.match(texts(r).at(-1), /^\[OK\] web-01\.example\.com nginx port 443 check removed /);
  t.end();
});

void t.test('probes: one about a server is that server\'s alert; one about a bare address names the address', (t) => {
  const r = setup(t);
  const probeOfAgent = { type: 'probe-tcp', name: 'web-01 https from the box', host: '10.0.0.5', port: 443, interval: 30, agentId: 'a1' } as CheckInput;
  const bare = { type: 'probe-http', name: 'printer page', url: 'https://192.168.7.20/status', interval: 30 } as CheckInput;
  r.engine.onCheckRun(run('p1', S, 'critical', 'TCP CRITICAL - 10.0.0.5 port 443: connection refused', { agentId: null, hostname: null, definition: probeOfAgent }));
  r.engine.onCheckRun(run('p2', S, 'critical', 'HTTP CRITICAL - 192.168.7.20: connection refused', { agentId: null, hostname: null, definition: bare }));
  const byKey = new Map(r.engine.openAlerts().map((a) => [a.key, a]));
  t.match(byKey.get('p1'), { agentId: 'a1', agentName: 'web-01.example.com' });
  t.match(byKey.get('p2'), { agentId: 'appliance', agentName: '192.168.7.20' });
  t.ok(texts(r).some((x) => x.startsWith('[CRIT] 192.168.7.20 printer page CRITICAL: 192.168.7.20: connection refused')));
  t.end();
});

void t.test('an open alert on a check survives a restart and resolves on the next OK run, not by staleness', async (t) => {
  const file = `${t.testdir()}/rackwatch.sqlite`;
  const first = rig(t, { file });
  first.agents.add('a1', 'web-01', 'online', T0);
  first.admin.deleteRule('default-agent-silent');
  first.engine.onCheckRun(run('nginx', S, 'critical', 'TCP CRITICAL - refused'));
  first.engine.stop();
  const second = rig(t, { file, agents: first.agents });
  t.match(second.engine.openAlerts(), [{ key: 'nginx', state: 'firing' }]);
  await second.clock.advance(20 * 60_000);
  second.engine.sweep();
  t.match(second.engine.openAlerts(), [{ key: 'nginx' }], 'twenty minutes without a run: still firing (a check keeps its state)');
  second.engine.onCheckRun(run('nginx', S + 1300, 'ok', 'TCP OK'));
  t.same(second.engine.openAlerts(), []);
});

void t.test('rules on checks are checked before they are stored', (t) => {
  const base = { id: 'r', name: 'r', comparison: '>=', levels: {}, forS: 0, scope: { kind: 'all' }, enabled: true };
  t.same(parseRule({ ...base, metric: { kind: 'check_state', checkId: '*' } }).ok, true);
  t.match(parseRule({ ...base, levels: { critical: 1 }, metric: { kind: 'check_state', checkId: '*' } }), { ok: false, problems: [/^levels: a check_state rule takes its grades from metric\.severities/] });
  t.match(parseRule({ ...base, metric: { kind: 'check_state', checkId: 'x', severities: {} } }), { ok: false, problems: [/^metric\.severities: name the grade/] });
  t.match(parseRule({ ...base, metric: { kind: 'check_state', checkId: 'x', severities: { ok: 'info' } } }), { ok: false, problems: [/^metric\.severities/] });
  t.match(parseRule({ ...base, metric: { kind: 'check_perf', checkId: 'x' } }), { ok: false, problems: [/^metric\.label/] });
  t.match(parseRule({ ...base, comparison: '>', levels: { warning: 1 }, metric: { kind: 'check_perf', checkId: 'x', label: 'time' } }), { ok: true });
  t.match(parseRule({ ...base, metric: { kind: 'check_perf', checkId: 'x', label: 'time' } }), { ok: false, problems: [/^levels: define at least one/] });
  t.end();
});
