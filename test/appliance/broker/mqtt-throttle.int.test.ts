// SEC: wrong MQTT secrets are throttled per address and per agent id (docs/security.md "Throttling
// and lockout"): the first 20 failures are answered "bad user name or password" after the secret
// is checked; once the guard makes the address wait, a CONNECT is refused "not authorized" before
// any hashing, even with the right secret, until the wait is over; then the right secret connects.
import t from 'tap';
import { startAppliance, waitFor } from '../../helpers/appliance-harness.js';
import { connectOutcome, enroll } from '../../helpers/mqtt-agent.js';

function tryConnect(port: number, clientId: string, password: string): Promise<string> {
  return connectOutcome(port, { clientId, username: clientId, password });
}

void t.test('wrong MQTT secrets: 20 free failures, then the address waits, right secret or not', async (t) => {
  const app = await startAppliance(t);
  const a = await enroll(app, 'web-a');
  for (let i = 1; i <= 21; i++) {
    const answer = await tryConnect(app.mqttPort, a.agentId, `guess-${i}`);
    if (!/Bad username or password/i.test(answer)) t.fail(`failure ${i}: ${answer}`);
  }
  const throttled = await tryConnect(app.mqttPort, a.agentId, a.secret);
  t.match(throttled, /Not authorized/i, 'after the 21st failure even the right secret is refused at once');
  // the appliance's log reaches this process a moment after its CONNACK
  await waitFor('the throttle in the log', () => app.output().includes('MQTT login throttled'));
  t.pass('and logged');
  // the wait after the 21st failure is 1 s: the right secret gets through once it has passed
  await waitFor('the wait to pass', async () => (await tryConnect(app.mqttPort, a.agentId, a.secret)) === 'connected', { timeoutMs: 10_000, intervalMs: 300 });
  t.pass('the right secret connects after the wait, and clears the count');
  t.equal(await tryConnect(app.mqttPort, a.agentId, 'one more guess'), 'Connection refused: Bad username or password', 'the count starts again from nothing');
});
