// S7, S12: the soak's judgement of its SMS (scripts/bench/soak-sms.ts) by the criterion of
// docs/alerting.md "How noise was judged": what the chaos loop caused is told apart from what it
// injected, on records shaped as the appliance's outbox and alerts give them.
import t from 'tap';
import { judgeSms, type AlertBrief, type SmsRecord, type SoakTimeline } from '../../../scripts/bench/soak-sms.js';

const T = 1_800_000_000_000;
const s = (x: number): number => T + x * 1000;
const timeline: SoakTimeline = {
  applianceStarts: [s(0), s(600)],
  applianceReady: [s(5), s(800)],
  chaos: [{ at: s(300), what: 'fill disk' }, { at: s(600), what: 'kill appliance' }],
};
const alert = (id: number, over: Partial<AlertBrief>): AlertBrief => ({
  id, agentId: `a${id}`, ruleId: 'default-agent-silent', ruleName: 'Agent silent', agentName: `web-${id}`, severity: 'critical', startedAt: s(0), ...over,
});
const sms = (outboxId: number, kind: string, alerts: AlertBrief[], text = `sms ${outboxId}`): SmsRecord => ({
  outboxId, createdAt: alerts[0]?.firedAt ?? s(0), kind, state: 'sent', text, reachedModem: true, alerts,
});

void t.test('S7: each SMS gets the verdict the criterion gives it', (t) => {
  const diskFull = alert(1, { agentId: 'appliance', ruleId: 'appliance-fault', agentName: 'rackwatch', firedAt: s(310), resolvedAt: s(340) });
  const diskFullAgain = alert(2, { agentId: 'appliance', ruleId: 'appliance-fault', agentName: 'rackwatch', firedAt: s(350), resolvedAt: s(360) });
  const silentDiskFull = alert(3, { firedAt: s(312), resolvedAt: s(900) });
  const silentRestart = alert(4, { firedAt: s(820), resolvedAt: s(1200) });
  const reallyDown = alert(5, { firedAt: s(1500) });
  const blip = alert(6, { ruleId: 'default-cpu-busy', ruleName: 'CPU busy', firedAt: s(1600), resolvedAt: s(1650) });
  const judged = judgeSms([
    sms(1, 'fired', [diskFull]),
    sms(2, 'fired', [diskFullAgain]),
    sms(3, 'fired', [silentDiskFull]),
    sms(4, 'restart', [], 'rackwatch vm restarted after being down 3 min'),
    sms(5, 'fired', [silentRestart]),
    sms(6, 'fired', [reallyDown]),
    sms(7, 'fired', [reallyDown]),
    sms(8, 'fired', [blip]),
    sms(9, 'digest', [silentRestart, reallyDown]),
  ], timeline);
  t.same(judged.map((j) => [j.outboxId, j.noise]), [[1, false], [2, true], [3, true], [4, false], [5, true], [6, false], [7, true], [8, true], [9, false]]);
  t.match(judged[1]?.why, /flap: fired again for the same injected fault \(fill disk\)/);
  t.match(judged[2]?.why, /disk was filled/);
  t.match(judged[4]?.why, /while the appliance restarted/);
  t.match(judged[6]?.why, /duplicate/);
  t.match(judged[7]?.why, /resolved on its own 50 s after firing/);
  t.match(judged[8]?.why, /real: Agent silent on web-5/, 'a digest is real when one of its alerts is');
  t.end();
});

void t.test('S7: an appliance alert with no injected fault before it is noise', (t) => {
  const lag = alert(1, { agentId: 'appliance', ruleId: 'self-event-loop', agentName: 'rackwatch', firedAt: s(100) });
  const [j] = judgeSms([sms(1, 'fired', [lag])], { ...timeline, chaos: [{ at: s(1000), what: 'stop rrdcached' }] });
  t.equal(j?.noise, true);
  t.match(j?.why, /no fault injected/);
  t.end();
});

void t.test('S7: a restart SMS is news once per crash, though two crashes read the same; a digest is news once per state it lists', (t) => {
  const at = (outboxId: number, kind: string, x: number, text: string, alerts: AlertBrief[] = []): SmsRecord => ({ ...sms(outboxId, kind, alerts, text), createdAt: s(x) });
  const fault = alert(7, { agentId: 'appliance', ruleId: 'appliance-fault', agentName: 'rackwatch', firedAt: s(310), resolvedAt: s(500) });
  const judged = judgeSms([
    at(1, 'restart', 650, 'rackwatch vm restarted after being down 2 min'),
    at(2, 'restart', 700, 'rackwatch vm restarted after being down 2 min'),
    at(3, 'digest', 400, '[rackwatch] 1 held back: #7 CRIT rackwatch appliance degraded', [fault]),
    at(4, 'digest', 520, '[rackwatch] 1 held back: #7 OK rackwatch appliance degraded', [fault]),
    at(5, 'digest', 530, '[rackwatch] 1 held back: #7 OK rackwatch appliance degraded', [fault]),
  ], { ...timeline, applianceStarts: [s(0), s(600), s(690)], applianceReady: [s(5), s(640), s(695)] });
  t.same(judged.map((j) => [j.outboxId, j.noise]), [[1, false], [2, false], [3, false], [4, false], [5, true]],
    'two crashes with the same text: two SMS worth sending; the digest saying the alert is over is news, its repeat is not');
  const sameCrash = judgeSms([
    at(1, 'restart', 650, 'rackwatch vm restarted after being down 2 min'),
    at(2, 'restart', 660, 'rackwatch vm restarted after being down 1 min'),
  ], { ...timeline, applianceStarts: [s(0), s(600)], applianceReady: [s(5), s(640)] });
  t.same(sameCrash.map((j) => j.noise), [false, true], 'a second restart SMS from the same instance is a duplicate, whatever its text');
  t.end();
});
