// SEC: what plain HTTP does per request (--http-plain), the appliance's address and the install
// command: pure functions, no socket.
import t from 'tap';
import { pathAndQuery, plainHttpAction, servedOverPlainHttpForOldAgents } from '../../../appliance/http/plain-http.js';
import { defaultPublicAddress, httpsOrigin, isHostOrAddress } from '../../../appliance/http/public-address.js';
import { installCommand, shellWord } from '../../../appliance/installer/install-command.js';

const ORIGIN = 'https://mon.example.net:8443';

void t.test('redirect: everything goes to HTTPS at the configured origin, with its path and query', (t) => {
  t.same(plainHttpAction('redirect', 'GET', '/servers?q=1', ORIGIN), { kind: 'redirect', location: `${ORIGIN}/servers?q=1` });
  t.same(plainHttpAction('redirect', 'POST', '/api/v1/auth/login', ORIGIN), { kind: 'redirect', location: `${ORIGIN}/api/v1/auth/login` });
  t.same(plainHttpAction('redirect', 'GET', 'http://evil.example/x?y', ORIGIN), { kind: 'redirect', location: `${ORIGIN}/x?y` }, 'absolute-form: its path only');
  t.same(plainHttpAction('redirect', 'GET', '//evil.example/x', ORIGIN), { kind: 'redirect', location: `${ORIGIN}/x` }, 'a //host path cannot name another host');
  t.end();
});

void t.test('redirect: what agents of older installs fetch is served', (t) => {
  for (const [method, path] of [['POST', '/api/v1/enroll'], ['GET', '/install.sh'], ['HEAD', '/install.sh'], ['GET', '/agent/rackwatch-agent.js'], ['GET', '/agent/rackwatch-agent.js.sha256']] as const) {
    t.ok(servedOverPlainHttpForOldAgents(method, path), `${method} ${path}`);
    t.same(plainHttpAction('redirect', method, path, ORIGIN), { kind: 'serve' });
  }
  for (const [method, path] of [['GET', '/api/v1/enroll'], ['POST', '/install.sh'], ['GET', '/api/v1/agents'], ['GET', '/agents/x'], ['DELETE', '/agent/rackwatch-agent.js']] as const) {
    t.notOk(servedOverPlainHttpForOldAgents(method, path), `${method} ${path}`);
  }
  t.same(plainHttpAction('redirect', 'POST', '/api/v1/enroll?x=1', ORIGIN), { kind: 'serve' }, 'with a query too');
  t.end();
});

void t.test('serve: everything is served', (t) => {
  t.same(plainHttpAction('serve', 'GET', '/servers', ORIGIN), { kind: 'serve' });
  t.equal(pathAndQuery('/a?b'), '/a?b');
  t.end();
});

void t.test('the public address: --listen when it is one address, else the host name', (t) => {
  t.equal(defaultPublicAddress('0.0.0.0', 'rack-01'), 'rack-01');
  t.equal(defaultPublicAddress('::', 'rack-01'), 'rack-01');
  t.equal(defaultPublicAddress('10.0.0.2', 'rack-01'), '10.0.0.2');
  t.equal(defaultPublicAddress('[fd00::2]', 'rack-01'), 'fd00::2');
  for (const ok of ['10.0.0.2', 'fd00::2', 'mon.example.net', 'rack-01']) t.ok(isHostOrAddress(ok), ok);
  for (const bad of ['', 'http://x', 'x:8443', 'a b', 'x;id', '-x', 'x/y', '[fd00::2]']) t.notOk(isHostOrAddress(bad), bad);
  t.equal(httpsOrigin('10.0.0.2', 8443), 'https://10.0.0.2:8443');
  t.equal(httpsOrigin('fd00::2', 8443), 'https://[fd00::2]:8443');
  t.equal(httpsOrigin('mon.example.net', 443), 'https://mon.example.net');
  t.end();
});

void t.test('the install command pins the key for curl and for the script, every value a quoted shell word', (t) => {
  const pin = 'sha256//ehApPxcjpj4/VGQKAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
  t.equal(installCommand({ address: '10.0.0.2', httpsPort: 8443, token: 'tok-1_x', pin }),
    `curl --pinnedpubkey '${pin}' -k -fsS https://10.0.0.2:8443/install.sh | sudo sh -s -- --token 'tok-1_x' --pin '${pin}'`);
  t.equal(shellWord("it's"), `'it'\\''s'`);
  t.end();
});
