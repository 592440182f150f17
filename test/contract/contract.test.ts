// The one contract (docs/conventions.md 5): topics and the metrics payload check.
import t from 'tap';
import { agentTopic, parseAgentTopic } from '../../contract/topics.js';
import { METRICS_LIMITS, parseMetricsPayload } from '../../contract/metrics.js';

const now = 1_800_000_000;
const ok = (o: unknown) => parseMetricsPayload(Buffer.from(JSON.stringify(o)), now);

void t.test('topics round-trip and foreign topics are rejected', (t) => {
  t.same(parseAgentTopic(agentTopic('abc123', 'metrics')), { agentId: 'abc123', leaf: 'metrics' });
  t.equal(parseAgentTopic('rw/v1/abc/metrics/extra'), null);
  t.equal(parseAgentTopic('other/v1/abc/metrics'), null);
  t.equal(parseAgentTopic('rw/v1//metrics'), null);
  t.end();
});

void t.test('a valid batch passes; each kind of damage is named by path', (t) => {
  const good = { v: 1, i: 5, s: [{ t: now, f: 'cpu', v: { user: 1, idle: 99 } }, { t: now, f: 'fs', k: '/', v: { used: 1, size: null } }] };
  t.ok(ok(good).ok);
  const cases: [string, unknown, RegExp][] = [
    ['version', { ...good, v: 2 }, /^v:/],
    ['interval 0', { ...good, i: 0 }, /^i:/],
    ['no samples', { ...good, s: [] }, /^s:/],
    ['string value', { v: 1, i: 5, s: [{ t: now, f: 'cpu', v: { user: 'x' } }] }, /^s\.0\.v\.user:/],
    ['extra property', { ...good, extra: 1 }, /extra|Unrecognized/i],
    ['future', { v: 1, i: 5, s: [{ t: now + METRICS_LIMITS.maxFutureSkewS + 1, f: 'cpu', v: {} }] }, /future/],
    ['too old', { v: 1, i: 5, s: [{ t: now - METRICS_LIMITS.maxAgeS - 1, f: 'cpu', v: {} }] }, /older/],
    ['key on unkeyed', { v: 1, i: 5, s: [{ t: now, f: 'cpu', k: 'x', v: {} }] }, /takes no key/],
    ['unknown field', { v: 1, i: 5, s: [{ t: now, f: 'cpu', v: { turbo: 1 } }] }, /unknown field/],
    // S5: checks' perfdata is the appliance's to write from check results, not an agent's to send
    ['appliance family', { v: 1, i: 5, s: [{ t: now, f: 'check', k: 'c1/time', v: { value: 1 } }] }, /^s\.0\.f: family check is written by the appliance/],
  ];
  for (const [name, payload, reason] of cases) {
    const r = ok(payload);
    t.notOk(r.ok, name);
    if (!r.ok) t.match(r.reason, reason, name);
  }
  const infinite = parseMetricsPayload(Buffer.from(`{"v":1,"i":5,"s":[{"t":${now},"f":"cpu","v":{"user":1e400}}]}`), now);
  t.notOk(infinite.ok, 'a number that overflows to Infinity is refused');
  const notJson = parseMetricsPayload(Buffer.from('{'), now);
  t.same(notJson, { ok: false, reason: 'payload is not JSON' });
  const big = parseMetricsPayload(Buffer.alloc(METRICS_LIMITS.maxPayloadBytes + 1), now);
  t.notOk(big.ok);
  t.end();
});
