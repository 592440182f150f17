// Secrets are write-only in PUT /api/v1/federation (S19, B8; docs/api.md "Federation"): a PUT that
// leaves a password or token out keeps the stored one, null or '' clears it, and a bearer token
// that was never stored cannot be kept.
import t from 'tap';
import { federationSettingsSchema, federationUpdateSchema } from '../../../contract/federation-api.js';
import { withStoredSecrets } from '../../../appliance/federation/stored-secrets.js';

const stored = federationSettingsSchema.parse({
  remoteWrite: { url: 'https://rw.example/api/v1/write', auth: { kind: 'bearer', token: 'rw-token' } },
  alertmanager: { url: 'https://am.example', auth: { kind: 'basic', username: 'am-user', password: 'am-pass' } },
});

function merged(body: unknown) {
  const r = withStoredSecrets(federationUpdateSchema.parse(body), stored);
  return 'settings' in r ? r.settings : r.problems;
}

void t.test('a PUT that leaves secrets out keeps them; null or empty clears', (t) => {
  const kept = merged({ remoteWrite: { url: 'https://rw.example/api/v1/write', downsampleS: 60 }, alertmanager: { url: 'https://am.example', auth: { kind: 'basic', username: 'am-user' } } });
  t.match(kept, { remoteWrite: { downsampleS: 60, auth: { kind: 'bearer', token: 'rw-token' } }, alertmanager: { auth: { kind: 'basic', username: 'am-user', password: 'am-pass' } } }, 'auth and password left out: the stored ones');
  t.match(merged({ remoteWrite: { url: 'https://rw.example/api/v1/write', auth: { kind: 'bearer' } }, alertmanager: { url: 'https://am.example', auth: { kind: 'basic', username: 'other', password: 'new' } } }),
    { remoteWrite: { auth: { kind: 'bearer', token: 'rw-token' } }, alertmanager: { auth: { kind: 'basic', username: 'other', password: 'new' } } }, 'a token left out is kept; a new password replaces');
  t.match(merged({ remoteWrite: { url: 'https://rw.example/api/v1/write', auth: null }, alertmanager: { url: 'https://am.example', auth: { kind: 'basic', username: 'am-user', password: null } } }),
    { remoteWrite: { auth: null }, alertmanager: { auth: { kind: 'basic', username: 'am-user', password: '' } } }, 'auth null clears; a password null clears');
  t.match(merged({ alertmanager: { url: 'https://am.example', auth: { kind: 'basic', username: 'am-user', password: '' } } }), { remoteWrite: null, alertmanager: { auth: { password: '' } } }, 'an empty password clears');
  t.same(merged({ alertmanager: { url: 'https://am.example', auth: { kind: 'bearer' } } }), ['alertmanager.auth.token: no token is stored; give one'], 'a token that was never stored cannot be kept');
  t.end();
});
