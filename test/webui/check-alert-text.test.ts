// How the alerting screens word rules and alerts on service checks (S5, S7), in both languages:
// the metric's name, the cause (the check's output line) and the resolution of a deleted check.
import t from 'tap';
import { causeParts, metricText } from '../../webui/src/alerting-text.js';
import { translate, type MessageKey } from '../../webui/src/i18n.js';
import { formattersFor } from '../../webui/src/locale-format.js';

const en = (key: MessageKey, params?: Record<string, string | number>): string => translate('en', key, params);
const ko = (key: MessageKey, params?: Record<string, string | number>): string => translate('ko', key, params);

void t.test('a rule on a check\'s state or perfdata is named with the check', (t) => {
  t.equal(metricText({ kind: 'check_state', checkId: '*' }, undefined, en), 'Check state: every check');
  t.equal(metricText({ kind: 'check_state', checkId: '*' }, undefined, ko), '점검 상태: 모든 점검');
  t.equal(metricText({ kind: 'check_state', checkId: '*' }, 'nginx', en), 'Check state: nginx', 'an alert names its own check');
  t.equal(metricText({ kind: 'check_perf', checkId: 'nginx', label: 'time' }, undefined, en), 'Check perfdata: nginx time');
  t.equal(ko('resolution.check-removed'), '점검 삭제됨');
  t.equal(en('resolution.check-removed'), 'Check removed');
  t.end();
});

void t.test('the cause of an alert on a check is its output line', (t) => {
  const parts = causeParts({ check: { checkId: 'nginx', name: 'nginx port 443', type: 'port', state: 'critical', output: 'TCP CRITICAL - 10.0.0.5 port 443: connection refused' } }, formattersFor('en-US'), en);
  t.same(parts, ['nginx port 443: TCP CRITICAL - 10.0.0.5 port 443: connection refused']);
  t.end();
});
