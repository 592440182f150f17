// D1, D5: root's side of the console's requests on the board, the built dist/console-root-helper.js
// as its systemd units run it, with a temporary directory standing in for /run/rackwatch-console,
// /data/network and /data, and recording stand-ins for networkctl and the reboot. A good request
// is installed (rendered by root) and applied; anything else is refused with the reason in the
// status file while the installed file stays as it was, byte for byte, and nothing is run.
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import t from 'tap';
import { renderNetworkRequest, renderResetRequest } from '../../../appliance/console/console-requests.js';
import { FACTORY_RESET_MARKER } from '../../../appliance/console/root-helper.js';
import { boardRootHelper as board } from '../../helpers/board-root-helper.js';
import { tempDir } from '../../helpers/temp-dir.js';

const ID = '00112233aabbccdd';

const mode = (file: string): string => (statSync(file).mode & 0o777).toString(8);

void t.test('init makes the spool, a token for this boot and a DHCP default; a new boot, a new token', async (t) => {
  const b = await board(t);
  t.equal(mode(b.spool), '755', 'the spool: root writes, everyone reads');
  t.equal(mode(path.join(b.spool, 'requests')), '770', 'requests/: root and the console group only');
  t.equal(statSync(path.join(b.spool, 'requests')).gid, process.getgid?.(), "requests/ is the console group's");
  const tokenFile = path.join(b.spool, 'reset-token');
  t.equal(mode(tokenFile), '640', 'the token: readable by the console group only');
  const token = readFileSync(tokenFile, 'utf8');
  t.match(token, /^[0-9a-f]{32}\n$/);
  t.equal(readFileSync(b.networkFile, 'utf8'), '# written by rackwatch-console; edit it there\n[Match]\nName=eth0\n\n[Network]\nDHCP=yes\n');
  t.equal(mode(b.networkFile), '644', 'systemd-networkd reads it');
  writeFileSync(b.networkFile, 'kept\n');
  await b.run('init');
  t.not(readFileSync(tokenFile, 'utf8'), token, 'a new token');
  t.equal(readFileSync(b.networkFile, 'utf8'), 'kept\n', 'the installed settings are kept');
  t.same(b.calls(), [], 'nothing run');
});

void t.test('a static address is installed as root renders it, networkd reloads, and the status says applied', async (t) => {
  const b = await board(t);
  b.request('network', renderNetworkRequest(ID, { mode: 'static', address: '10.20.30.40', prefix: 24, gateway: '10.20.30.1', dns: ['10.20.30.2', '2001:db8::53'] }));
  const r = await b.run('serve');
  t.equal(r.code, 0, r.out);
  t.match(r.out, /network request 00112233aabbccdd: applied/, 'said in the journal');
  t.equal(readFileSync(b.networkFile, 'utf8'),
    '# written by rackwatch-console; edit it there\n[Match]\nName=eth0\n\n[Network]\nAddress=10.20.30.40/24\nGateway=10.20.30.1\nDNS=10.20.30.2\nDNS=2001:db8::53\n');
  t.equal(mode(b.networkFile), '644');
  t.same(b.calls(), ['networkctl reload', 'networkctl reconfigure eth0']);
  t.match(b.status('network'), { id: ID, result: 'applied', message: '10.20.30.40/24 via 10.20.30.1, DNS 10.20.30.2 2001:db8::53' });
  t.same(readdirSync(path.join(b.spool, 'requests')), [], 'the request is consumed');

  b.request('network', renderNetworkRequest('ffffffff00000000', { mode: 'dhcp' }));
  await b.run('serve');
  t.match(readFileSync(b.networkFile, 'utf8'), /\[Network\]\nDHCP=yes\n$/);
  t.match(b.status('network'), { id: 'ffffffff00000000', result: 'applied', message: 'DHCP' });
});

void t.test('untrusted requests are refused with the reason; the installed file and networkd are left alone', async (t) => {
  const b = await board(t);
  const installed = readFileSync(b.networkFile, 'utf8');
  const secret = path.join(tempDir(t, 'rw-secret-'), 'shadow');
  writeFileSync(secret, 'root:$6$secret-hash:19000::::::\n');
  const cases: [string, () => void, RegExp][] = [
    ['another networkd section', () => b.request('network', `id=${ID}\nmode=dhcp\n[Service]\nExecStart=/bin/sh -c "id > /tmp/x"\n`), /^line 3: not key=value$/],
    ['a networkd key', () => b.request('network', `id=${ID}\nmode=static\naddress=10.0.0.5/24\nExecStart=/bin/sh\n`), /^line 4: unknown key "ExecStart"$/],
    ['a path for a name', () => b.request('network', `id=${ID}\nmode=dhcp\nname=../../../etc/systemd/system/evil.service\n`), /unknown key "name"/],
    ['a bad address', () => b.request('network', `id=${ID}\nmode=static\naddress=10.0.0.300/24\n`), /^address: "10\.0\.0\.300" is not an IP address/],
    ['a bad gateway and DNS', () => b.request('network', `id=${ID}\nmode=static\naddress=10.0.0.5/24\ngateway=evil.example\ndns=1.2.3.4.5\n`), /^gateway: "evil\.example" is not an IP address; dns: "1\.2\.3\.4\.5" is not an IP address$/],
    ['a huge file', () => b.request('network', Buffer.alloc(4 << 20, 'a')), /^request: larger than 1024 bytes$/],
    ['binary bytes', () => b.request('network', Buffer.from([0x69, 0x64, 0x3d, 0x00, 0xff, 0x0a])), /^request: only printable ASCII/],
    ['a link to a secret', () => symlinkSync(secret, path.join(b.spool, 'requests', 'network.request')), /^request: not a regular file$/],
    ['a directory', () => mkdirSync(path.join(b.spool, 'requests', 'network.request', 'x'), { recursive: true }), /^request: not a regular file$/],
    ['a FIFO (would hang a reader)', () => execFileSync('mkfifo', [path.join(b.spool, 'requests', 'network.request')]), /^request: not a regular file$/],
  ];
  for (const [what, plant, reason] of cases) {
    plant();
    const r = await b.run('serve');
    t.equal(r.code, 0, `${what}: the helper ends normally`);
    const status = b.status('network');
    t.equal(status?.result, 'refused', `${what}: refused`);
    t.match(status?.message, reason, `${what}: ${status?.message}`);
    t.notMatch(readFileSync(path.join(b.spool, 'network.status'), 'utf8'), /secret-hash|ExecStart=\/bin/, `${what}: nothing of it echoed`);
    t.equal(readFileSync(b.networkFile, 'utf8'), installed, `${what}: the installed file is unchanged`);
    t.same(readdirSync(path.join(b.spool, 'requests')), [], `${what}: taken away`);
  }
  t.equal(readFileSync(secret, 'utf8'), 'root:$6$secret-hash:19000::::::\n', 'the link target is untouched');
  t.same(b.calls(), [], 'networkctl never ran');
  t.same(readdirSync(path.join(b.dataRoot, 'network')), ['10-rackwatch.network'], 'no other file in /data/network');

  // a file of another name in requests/ is not looked at
  writeFileSync(path.join(b.spool, 'requests', '99-evil.network'), '[Match]\nName=*\n[Network]\nDHCP=yes\n');
  await b.run('serve');
  t.same(readdirSync(path.join(b.dataRoot, 'network')), ['10-rackwatch.network']);
  t.same(b.calls(), []);
});

void t.test('networkctl failing is reported as failed, with its message', async (t) => {
  const b = await board(t, { networkctlFails: true });
  b.request('network', renderNetworkRequest(ID, { mode: 'dhcp' }));
  await b.run('serve');
  t.match(b.status('network'), { id: ID, result: 'failed', message: 'networkctl reload: Failed to connect to bus: No such file or directory' });
});

void t.test('a factory reset needs this boot\'s token: then /data is marked and the board reboots', async (t) => {
  const b = await board(t);
  const marker = path.join(b.dataRoot, FACTORY_RESET_MARKER);
  const token = readFileSync(path.join(b.spool, 'reset-token'), 'utf8').trim();

  b.request('reset', renderResetRequest(ID, 'f'.repeat(32)));
  await b.run('serve');
  t.match(b.status('reset'), { id: ID, result: 'refused', message: /^token: not this boot's reset token/ });
  b.request('reset', `id=${ID}\nconfirm=yes\ntoken=${token}\n`);
  await b.run('serve');
  t.match(b.status('reset'), { result: 'refused', message: 'confirm: must be RESET' });
  t.notOk(existsSync(marker), 'not marked');
  t.same(b.calls(), [], 'no reboot');

  // a token read before the last boot (init again) is stale
  await b.run('init');
  b.request('reset', renderResetRequest(ID, token));
  await b.run('serve');
  t.match(b.status('reset'), { result: 'refused', message: /^token: / }, 'the previous boot\'s token is refused');

  const fresh = readFileSync(path.join(b.spool, 'reset-token'), 'utf8').trim();
  b.request('reset', renderResetRequest('aaaabbbbccccdddd', fresh));
  const r = await b.run('serve');
  t.equal(r.code, 0, r.out);
  t.match(b.status('reset'), { id: 'aaaabbbbccccdddd', result: 'accepted', message: /restarts now/ });
  t.ok(lstatSync(marker).isFile(), '/data is marked for erasing at the next boot');
  t.equal(mode(marker), '600');
  t.same(b.calls(), ['reboot --no-block'], 'and the board reboots');
});
