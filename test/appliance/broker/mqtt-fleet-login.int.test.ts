// SEC: a fleet behind one address (a NAT, or every agent after the appliance restarts, when none of
// their secrets is in its cache of verified ones) logs in all at once; its own logins, in flight
// while their secrets are hashed, must not make the address wait (docs/security.md "Rate limits
// and lockout"). The real broker and the appliance's guard with the MQTT limits; the secrets'
// check is held until every CONNECT has either reached it or been answered, so that all of them
// are in flight together, as thousands of agents reconnecting are on a busy appliance.
import t from 'tap';
import { MqttBroker, type MqttBrokerDeps } from '../../../appliance/broker/mqtt-broker.js';
import { AttemptGuard } from '../../../appliance/accounts/attempt-guard.js';
import type { AuditLog } from '../../../appliance/accounts/audit-log.js';
import { LoginThrottle } from '../../../appliance/accounts/login-throttle.js';
import { MQTT_THROTTLE } from '../../../appliance/accounts/accounts-feature.js';
import { systemClock } from '../../../core/clock.js';
import { silentLogger } from '../../../core/logger.js';
import { waitFor } from '../../helpers/appliance-harness.js';
import { connectOutcome } from '../../helpers/mqtt-agent.js';

const FLEET = 40;
const SECRET = 'the right secret';

void t.test('a fleet behind one address logs in all at once: no login waits for the others in flight', async (t) => {
  const held: ((ok: boolean) => void)[] = [];
  const locks: string[][] = [];
  const audit = { append: () => undefined } as unknown as AuditLog;
  const guard = new AttemptGuard('mqtt', new LoginThrottle(systemClock, MQTT_THROTTLE), audit, (lock) => locks.push(lock.keys));
  const broker = new MqttBroker({
    host: '127.0.0.1', port: 0, logger: silentLogger, guard,
    ingest: {} as MqttBrokerDeps['ingest'],
    registry: { setStatus: () => undefined } as unknown as MqttBrokerDeps['registry'],
    verifyAgent: (_id, secret) => new Promise((resolve) => held.push(() => resolve(secret === SECRET))),
  });
  await broker.start();
  t.teardown(() => broker.stop());

  let answered = 0;
  const answers = Array.from({ length: FLEET }, (_, i) => {
    const id = `rack${String(i).padStart(8, '0')}`;
    return connectOutcome(broker.port, { clientId: id, username: id, password: SECRET }).finally(() => { answered++; });
  });
  // every CONNECT is at the check or already answered (a refused one never reaches it)
  await waitFor('every login in flight or answered', () => held.length + answered === FLEET, { timeoutMs: 15_000, intervalMs: 20 });
  t.equal(held.length, FLEET, `all ${FLEET} logins reached the secrets' check together`);
  for (const release of held.splice(0)) release(true);
  const refused = (await Promise.all(answers)).filter((a) => a !== 'connected');
  t.same(refused, [], 'every agent connected at its first attempt');
  t.same(locks, [], 'nothing was locked');

  // a wrong secret from that address still counts against it: the 21st makes the address wait
  const guesses: Promise<string>[] = [];
  for (let i = 1; i <= MQTT_THROTTLE.freeFailures! + 1; i++) {
    const answer = connectOutcome(broker.port, { clientId: 'rack00000000', username: 'rack00000000', password: `guess-${i}` });
    await waitFor('the guess at the check', () => held.length === 1, { timeoutMs: 5_000, intervalMs: 10 });
    held.splice(0)[0]!(false);
    guesses.push(answer);
    await answer;
  }
  t.ok((await Promise.all(guesses)).every((a) => /Bad username or password/i.test(a)), 'wrong secrets are refused as such');
  const after = await connectOutcome(broker.port, { clientId: 'rack00000001', username: 'rack00000001', password: SECRET });
  t.match(after, /Not authorized/i, 'then the address waits, another agent of it too');
  t.equal(held.length, 0, 'refused before its secret is checked');
});
