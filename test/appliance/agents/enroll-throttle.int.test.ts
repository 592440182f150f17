// SEC: guessing the enrollment token is throttled per address (docs/security.md "Throttling and
// lockout"): three wrong tokens are answered 401 at once, the fourth sets a wait, and until it has
// passed even the right token is answered 429 with Retry-After; then enrollment works again.
import t from 'tap';
import { startAppliance, waitFor } from '../../helpers/appliance-harness.js';

void t.test('wrong enrollment tokens from one address: 401, then 429 with Retry-After, then through', async (t) => {
  const app = await startAppliance(t);
  const enroll = (token: string): Promise<Response> => app.fetchAnonymous('/api/v1/enroll', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, hostname: 'guesser' }),
  });
  for (let i = 1; i <= 4; i++) t.equal((await enroll(`wrong-token-${i}`)).status, 401, `wrong token ${i}`);
  const waiting = await enroll(app.token);
  t.equal(waiting.status, 429, 'the right token waits its turn');
  t.equal(((await waiting.json()) as { error: { code: string } }).error.code, 'RW_ERR_THROTTLED');
  t.equal(waiting.headers.get('retry-after'), '1');
  const ok = await waitFor('the wait to pass', async () => {
    const res = await enroll(app.token);
    return res.status === 201 ? res : null;
  }, { timeoutMs: 10_000, intervalMs: 300 });
  t.equal(ok.status, 201, 'enrolled once the wait is over');
  const audit = await app.api<{ entries: { action: string }[] }>('/api/v1/audit?action=server.enrolled');
  t.equal(audit.entries.length, 1, 'the enrollment is in the audit log');
});
