// What a contact may text the appliance (S12): ACK, STATUS (parsed by sms-templates), MUTE, and
// the replies, each fitting one SMS in both languages. The handler that answers them:
// ../sms-command-handler.test.ts.
import t from 'tap';
import { MAX_MUTE_MINUTES, commandReplyText, parseSmsCommand, type CommandReply } from '../../../../appliance/alerting/policy/sms-commands.js';
import { previewSegments } from '../../../../appliance/alerting/policy/sms-templates.js';

void t.test('commands are understood in English and Korean, anything else is not', (t) => {
  t.same(parseSmsCommand('ACK 12'), { kind: 'ack', alertId: 12 });
  t.same(parseSmsCommand(' ack #12 '), { kind: 'ack', alertId: 12 });
  t.same(parseSmsCommand('확인 7'), { kind: 'ack', alertId: 7 });
  t.same(parseSmsCommand('status'), { kind: 'status' });
  t.same(parseSmsCommand('상태'), { kind: 'status' });
  t.same(parseSmsCommand('MUTE web-01 30'), { kind: 'mute', server: 'web-01', minutes: 30 });
  t.same(parseSmsCommand('mute db-02.example.com 15m'), { kind: 'mute', server: 'db-02.example.com', minutes: 15 });
  t.same(parseSmsCommand('음소거 web-01 10분'), { kind: 'mute', server: 'web-01', minutes: 10 });
  t.same(parseSmsCommand('MUTE web-01 999999'), { kind: 'mute', server: 'web-01', minutes: MAX_MUTE_MINUTES }, 'capped at a week');
  for (const text of ['MUTE web-01', 'MUTE web-01 0', 'MUTE 30', 'hello', 'ACK', '', 'ACK twelve']) t.equal(parseSmsCommand(text), null, JSON.stringify(text));
  t.end();
});

void t.test('every reply fits one SMS', (t) => {
  const replies: CommandReply[] = [
    { kind: 'acked', alertId: 123456789 },
    { kind: 'ack-failed', alertId: 123456789, reason: 'not-open' },
    { kind: 'ack-failed', alertId: 1, reason: 'not-firing' },
    { kind: 'ack-failed', alertId: 1, reason: 'already-acknowledged' },
    { kind: 'muted', server: 'a-rather-long-server-name-01', minutes: 10080, untilHhMm: '23:59' },
    { kind: 'unknown-server', server: 'a-rather-long-server-name-01' },
    { kind: 'help' },
  ];
  for (const r of replies) {
    for (const lang of ['en', 'ko'] as const) {
      const text = commandReplyText(r, lang);
      t.equal(previewSegments(text).parts, 1, `${lang} ${r.kind}: ${text}`);
    }
  }
  t.end();
});
