// SMS templates (S12): Korean and English, one SMS where possible (GSM 7-bit 160,
// UCS2 70), the alert id for `ACK 123`, and the segment preview of the rule screen.
import t from 'tap';
import type { Alert, Rule } from '../../../../contract/alerting.js';
import { DEFAULT_RULES } from '../../../../appliance/alerting/rules/rule-types.js';
import {
  alertMessage,
  digestMessage,
  formatDuration,
  formatValue,
  parseReply,
  previewRule,
  previewSegments,
  statusSummaryMessage,
  type TemplateOptions,
} from '../../../../appliance/alerting/policy/sms-templates.js';

const KST = { iana: 'Asia/Seoul' };
const en: TemplateOptions = { language: 'en', timeZone: KST };
const ko: TemplateOptions = { language: 'ko', timeZone: KST };
const FIRED = Date.UTC(2025, 2, 3, 5, 2, 0); // 14:02 KST
const NOW = FIRED + 18 * 60_000; // 14:20 KST

const fsAlert: Alert = {
  id: 123,
  ruleId: 'default-fs-used',
  ruleName: 'Filesystem used',
  agentId: 'a1',
  agentName: 'web-01',
  key: '/var',
  metric: { kind: 'derived', name: 'fs_used_pct', key: '*' },
  unit: '%',
  comparison: '>',
  severity: 'critical',
  state: 'firing',
  value: 96.4,
  threshold: 95,
  cause: { fullestFs: { mount: '/var', usedPct: 96.4 } },
  startedAt: FIRED,
  firedAt: FIRED,
};

const cpuAlert: Alert = {
  ...fsAlert,
  id: 124,
  ruleId: 'default-cpu-busy',
  metric: { kind: 'derived', name: 'cpu_busy_pct' },
  key: undefined,
  value: 97,
  cause: { fullestFs: { mount: '/data', usedPct: 91 }, topCpuProcess: { name: 'java', pid: 4242, pct: 88 } },
};
delete cpuAlert.key;

void t.test('English fired message: grade, host, metric, value, threshold, time, id', (t) => {
  const text = alertMessage('fired', fsAlert, en, { nowMs: FIRED });
  t.equal(text, '[CRIT] web-01 fs /var 96% (>95) 14:02 #123 reply ACK 123');
  // '[' and ']' are GSM 7-bit extension characters: two septets each
  t.same(previewSegments(text), { encoding: 'gsm7', parts: 1, units: text.length + 2, charsLeft: 160 - text.length - 2 });
  t.end();
});

void t.test('Korean fired message uses UCS2 and fits one SMS (70 units)', (t) => {
  const text = alertMessage('fired', fsAlert, ko, { nowMs: FIRED });
  t.equal(text, '[심각] web-01 디스크 /var 96% (>95) 14:02 #123 ACK 123 회신');
  const p = previewSegments(text);
  t.equal(p.encoding, 'ucs2');
  t.equal(p.parts, 1);
  t.ok(p.units <= 70);
  t.end();
});

void t.test('the cause (fullest filesystem, top processes) is added while it still fits', (t) => {
  const text = alertMessage('fired', cpuAlert, en, { nowMs: FIRED });
  t.equal(text, '[CRIT] web-01 cpu 97% (>95) 14:02 #124 fullest /data 91% top cpu java 88% reply ACK 124');
  const kor = alertMessage('fired', cpuAlert, ko, { nowMs: FIRED });
  t.equal(previewSegments(kor).parts, 1, 'Korean drops what does not fit');
  t.match(kor, /^\[심각\] web-01 CPU 97% \(>95\) 14:02 #124/);
  t.end();
});

void t.test('resolved, acknowledged, escalated and escalation messages in both languages fit one SMS', (t) => {
  const resolved: Alert = { ...fsAlert, state: 'resolved', resolvedAt: NOW, resolution: 'recovered', resolvedValue: 78 };
  const acked: Alert = { ...fsAlert, state: 'acknowledged', ackedAt: NOW, ackedBy: 'kim' };
  const cases = {
    resolvedEn: alertMessage('resolved', resolved, en, { nowMs: NOW }),
    resolvedKo: alertMessage('resolved', resolved, ko, { nowMs: NOW }),
    ackEn: alertMessage('acknowledged', acked, en, { nowMs: NOW }),
    ackKo: alertMessage('acknowledged', acked, ko, { nowMs: NOW }),
    escalatedEn: alertMessage('escalated', { ...fsAlert, severity: 'disaster', threshold: 98, value: 99 }, en, { nowMs: NOW, fromSeverity: 'critical' }),
    escalatedKo: alertMessage('escalated', { ...fsAlert, severity: 'disaster', threshold: 98, value: 99 }, ko, { nowMs: NOW, fromSeverity: 'critical' }),
    escalationEn: alertMessage('escalation', fsAlert, en, { nowMs: NOW, unackedForMs: 15 * 60_000 }),
    escalationKo: alertMessage('escalation', fsAlert, ko, { nowMs: NOW, unackedForMs: 15 * 60_000 }),
  };
  t.equal(cases.resolvedEn, '[OK] web-01 fs /var 78% 14:20 #123 (CRIT 18m)');
  t.equal(cases.resolvedKo, '[복구] web-01 디스크 /var 78% 14:20 #123 (심각 18분)');
  t.equal(cases.ackEn, '[ACK] #123 web-01 fs /var CRIT by kim 14:20');
  t.equal(cases.ackKo, '[확인] #123 web-01 디스크 /var 심각 kim 확인 14:20');
  t.match(cases.escalatedEn, /^\[DISASTER\] web-01 fs \/var 99% \(>98\) 14:20 #123 \(was CRIT\)/);
  t.match(cases.escalatedKo, /^\[재해\] web-01 디스크 \/var 99% \(>98\) 14:20 #123 \(이전 심각\)/);
  t.match(cases.escalationEn, /^\[CRIT\] NO ACK 15m: web-01 fs \/var 96% \(>95\) #123/);
  t.match(cases.escalationKo, /^\[심각\] 15분 미확인: web-01 디스크 \/var 96% \(>95\) #123/);
  for (const [name, text] of Object.entries(cases)) {
    const p = previewSegments(text);
    t.equal(p.parts, 1, `${name} is one SMS`);
    t.equal(p.encoding, name.endsWith('Ko') ? 'ucs2' : 'gsm7', `${name} encoding`);
  }
  t.end();
});

void t.test('agent-silent messages say offline / no data and since when', (t) => {
  const silent: Alert = {
    ...cpuAlert,
    metric: { kind: 'agent_silent', missedIntervals: 3 },
    unit: '',
    comparison: '>=',
    value: 1,
    threshold: 1,
    cause: { silence: { reason: 'offline', lastSeenMs: FIRED - 60_000 } },
  };
  t.equal(alertMessage('fired', silent, en, { nowMs: FIRED }), '[CRIT] web-01 offline since 14:01 #124 reply ACK 124');
  t.equal(alertMessage('fired', silent, ko, { nowMs: FIRED }), '[심각] web-01 오프라인 14:01부터 #124 ACK 124 회신');
  const back: Alert = { ...silent, state: 'resolved', resolvedAt: NOW, resolution: 'recovered', resolvedValue: 0 };
  t.equal(alertMessage('resolved', back, en, { nowMs: NOW }), '[OK] web-01 reporting again 14:20 #124 (CRIT 18m)');
  t.end();
});

void t.test('a long host name is cut to its first label before a message spills into two parts', (t) => {
  const longName = `web-01.${'rack-a.'.repeat(8)}example.co.kr`;
  const text = alertMessage('fired', { ...fsAlert, agentName: longName }, ko, { nowMs: FIRED });
  t.equal(previewSegments(text).parts, 1);
  t.match(text, /^\[심각\] web-01 디스크/);
  const short = alertMessage('fired', { ...fsAlert, agentName: 'db-7.example.com' }, en, { nowMs: FIRED });
  t.match(short, / db-7\.example\.com /, 'a name that fits is kept whole');
  t.end();
});

void t.test('digest: every held alert with its state now, as many as fit one SMS, then "+N more"', (t) => {
  const items = Array.from({ length: 12 }, (_, i) => ({
    alert: { ...fsAlert, id: 200 + i, agentName: `web-${String(i).padStart(2, '0')}`, state: i % 3 === 0 ? ('resolved' as const) : ('firing' as const) },
  }));
  const enText = digestMessage(15, items, en);
  t.match(enText, /^\[rackwatch\] 15 held back: #200 OK web-00 fs \/var; #201 CRIT web-01 fs \/var; /);
  t.match(enText, /; \+\d+ more$/);
  t.equal(previewSegments(enText).parts, 1);
  const koText = digestMessage(15, items, ko);
  t.match(koText, /^\[rackwatch\] 보류 15건: #200 복구 web-00 디스크 \/var; /);
  t.match(koText, /외 \d+건$/);
  t.equal(previewSegments(koText).parts, 1);
  t.equal(digestMessage(1, items.slice(0, 1), en), '[rackwatch] 1 held back: #200 OK web-00 fs /var');
  t.end();
});

void t.test('status summary in both languages', (t) => {
  const summary = { servers: 12, offline: 1, firing: { disaster: 1, critical: 2 }, acknowledged: 1 };
  t.equal(statusSummaryMessage(summary, en, NOW), '[rackwatch] 14:20 servers 12, offline 1; alerts: DISASTER 1, CRIT 2; acked 1');
  t.equal(statusSummaryMessage(summary, ko, NOW), '[rackwatch] 14:20 서버 12대, 오프라인 1; 경보: 재해 1, 심각 2; 확인 1');
  t.equal(statusSummaryMessage({ servers: 3, offline: 0, firing: {}, acknowledged: 0 }, en, NOW), '[rackwatch] 14:20 servers 3, offline 0; no alerts');
  t.end();
});

void t.test('previewSegments counts parts and room left (GSM 7-bit 160/153, UCS2 70/67)', (t) => {
  t.same(previewSegments('x'.repeat(160)), { encoding: 'gsm7', parts: 1, units: 160, charsLeft: 0 });
  t.same(previewSegments('x'.repeat(161)), { encoding: 'gsm7', parts: 2, units: 161, charsLeft: 153 - 8 });
  t.same(previewSegments('가'.repeat(70)), { encoding: 'ucs2', parts: 1, units: 70, charsLeft: 0 });
  t.same(previewSegments('가'.repeat(71)), { encoding: 'ucs2', parts: 2, units: 71, charsLeft: 67 - 4 });
  t.same(previewSegments('€'), { encoding: 'gsm7', parts: 1, units: 2, charsLeft: 158 }, 'extension characters cost two septets');
  t.end();
});

void t.test('rule screen preview: every shipped rule\'s messages fit one SMS in both languages', (t) => {
  for (const rule of DEFAULT_RULES) {
    for (const options of [en, ko]) {
      const previews = previewRule(rule, { ...options, agentName: 'web-01', nowMs: NOW });
      t.ok(previews.length >= 3, `${rule.id} previews`);
      for (const p of previews) {
        t.equal(p.segments.parts, 1, `${rule.id} ${options.language} ${p.kind}: ${p.text}`);
        t.equal(p.segments.encoding, options.language === 'ko' ? 'ucs2' : 'gsm7');
      }
    }
  }
  t.end();
});

// S4, S7: the preview of a small-scale rule once showed an "[OK]" at a load of −4.95
void t.test('rule screen preview: values on the metric\'s own scale, never below what it can read', (t) => {
  const load: Rule = { id: 'l', name: 'Load', metric: { kind: 'derived', name: 'load1_per_core' }, comparison: '>', levels: { warning: 0.5 }, recovery: { delta: 0.5 }, forS: 60, scope: { kind: 'all' }, enabled: true };
  const texts = (rule: Rule): Record<string, string> => Object.fromEntries(previewRule(rule, { ...en, agentName: 'web-01', nowMs: NOW }).map((p) => [p.kind, p.text]));
  const l = texts(load);
  t.match(l.fired, /load\/core 0\.55 \(>0\.5\)/, 'fired just past the threshold, on its scale');
  t.match(l.resolved, /load\/core 0 /, 'resolved at the floor, not below it');
  t.notMatch(Object.values(l).join(' '), /[\s(]-\d/, 'no negative value anywhere');
  const idle: Rule = { ...load, metric: { kind: 'field', family: 'cpu', field: 'idle' }, comparison: '<', levels: { warning: 99.5 }, recovery: { delta: 0.5 } };
  t.match(texts(idle).resolved, /100%/, 'a percentage recovers at 100 % at most');
  const warnOnly: Rule = { ...load, metric: { kind: 'check_state', checkId: '*', severities: { warning: 'warning' } }, comparison: '>=', levels: {} };
  delete warnOnly.recovery;
  t.match(texts(warnOnly).fired, /^\[WARN\] web-01 nginx port 443 WARNING: /, 'a check_state rule on WARNING previews a WARNING, graded as the rule says');
  t.match(texts({ ...warnOnly, metric: { kind: 'check_state', checkId: '*', severities: { unknown: 'critical' } } }).fired, /^\[CRIT\] .* UNKNOWN: /);
  const smtp = { name: 'smtp relay', type: 'port' as const, units: { time: 's' } };
  const one = (rule: Rule): string[] => previewRule(rule, { ...en, agentName: 'web-01', nowMs: NOW, check: smtp }).map((p) => p.text);
  t.match(one({ ...warnOnly, metric: { kind: 'check_state', checkId: 'c1' } })[0], /^\[CRIT\] web-01 smtp relay CRITICAL: /, 'a rule on one check previews that check');
  t.match(one({ ...load, metric: { kind: 'check_perf', checkId: 'c1', label: 'time' } })[0], /web-01 smtp relay time 0\.55s \(>0\.5\)/, 'with the unit its runs report for the label');
  t.end();
});

void t.test('value formatting by unit and durations', (t) => {
  t.same(
    [formatValue(96.4, '%'), formatValue(5.56, '%'), formatValue(2.345, ''), formatValue(1610612736, 'B'), formatValue(12_582_912, 'B/s'), formatValue(3.14, '/s')],
    ['96%', '5.6%', '2.35', '1.5G', '12M/s', '3.1/s'],
  );
  t.same([formatDuration(18 * 60_000, 'en'), formatDuration(125 * 60_000, 'en'), formatDuration(3 * 86_400_000, 'ko')], ['18m', '2h5m', '3일']);
  t.end();
});

void t.test('replies: ACK 123, ack #123, 확인 123, STATUS, 상태; anything else is not understood', (t) => {
  t.same(parseReply('ACK 123'), { kind: 'ack', alertId: 123 });
  t.same(parseReply(' ack #123 '), { kind: 'ack', alertId: 123 });
  t.same(parseReply('확인 77'), { kind: 'ack', alertId: 77 });
  t.same(parseReply('ack123'), { kind: 'ack', alertId: 123 });
  t.same(parseReply('status'), { kind: 'status' });
  t.same(parseReply('상태'), { kind: 'status' });
  t.equal(parseReply('ACK'), null);
  t.equal(parseReply('hello'), null);
  t.end();
});
