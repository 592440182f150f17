// The payloads of the weblog topic (S11): every message within its bound, however many sources
// and however long their keys; intervals spread over messages in order, none dropped; an interval
// alone over the bound keeps its most frequent keys.
import t from 'tap';
import { weblogMessages } from '../../../agent/weblog/weblog-message.js';
import { WEBLOG_DIMENSIONS, WEBLOG_LIMITS, WEBLOG_MESSAGE_BYTES, type WeblogInterval, type WeblogMessage } from '../../../contract/weblog.js';

function interval(source: string, keyChar: string): WeblogInterval {
  const top = (d: string): WeblogInterval['top']['url'] => Array.from({ length: WEBLOG_LIMITS.topK }, (_, i) => ({ key: `${d}${i}`.padEnd(WEBLOG_LIMITS.keyChars, keyChar), count: 1000 - i, error: 0 }));
  return {
    source, t: 1_800_000_000, i: 10, requests: 1000, bytes: 1e6, classes: [0, 1000, 0, 0, 0], codes: { 200: 1000 }, methods: { GET: 1000 },
    latency: null, visitors: 10, top: Object.fromEntries(WEBLOG_DIMENSIONS.map((d) => [d, top(d)])) as WeblogInterval['top'],
    malformed: 0, cut: 0, samples: [], problem: null,
  };
}

void t.test('32 sources with the longest keys: several messages, each within the bound, every interval once and in order', (t) => {
  const intervals = Array.from({ length: 32 }, (_, i) => interval(`s${i}`, 'é'));
  const messages = weblogMessages(intervals);
  t.ok(messages.length > 1, 'more than one message');
  t.ok(messages.every((m) => Buffer.byteLength(m) <= WEBLOG_MESSAGE_BYTES), 'each within 192 KiB');
  const sent = messages.flatMap((m) => (JSON.parse(m) as WeblogMessage).intervals);
  t.same(sent.map((i) => i.source), intervals.map((i) => i.source));
  t.same(sent[0], intervals[0], 'an interval that fits is sent whole');
  t.end();
});

void t.test('one interval over the bound keeps its most frequent keys', (t) => {
  const big = interval('big', '\u0001'); // escaped as \u0001: 6 bytes a character
  const [message, ...rest] = weblogMessages([big], 64 * 1024);
  t.equal(rest.length, 0);
  t.ok(Buffer.byteLength(message as string) <= 64 * 1024);
  const sent = (JSON.parse(message as string) as WeblogMessage).intervals[0] as WeblogInterval;
  t.ok(sent.top.url.length > 0 && sent.top.url.length < WEBLOG_LIMITS.topK, 'the table shortened, not emptied');
  t.same(sent.top.url, big.top.url.slice(0, sent.top.url.length), 'the most frequent keys kept');
  t.equal(sent.requests, 1000, 'the counts untouched');
  t.end();
});
