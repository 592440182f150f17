// D1, D5: the console's requests to root on the board, as root reads them. What the console
// renders reads back to the same settings; anything else (another networkd section, an unknown
// key, a path, a bad address, a non-ASCII byte, an oversized file, a reset without this boot's
// token) is refused with the field and the reason, and nothing of it reaches a file.
import t from 'tap';
import {
  MAX_REQUEST_BYTES, parseNetworkRequest, parseResetRequest, parseStatus, renderNetworkRequest, renderResetRequest, renderStatus,
} from '../../../appliance/console/console-requests.js';
import type { NetworkSettings } from '../../../appliance/console/network-settings.js';

const ID = '0123456789abcdef';
const TOKEN = 'a'.repeat(32);

void t.test('what the console renders, root reads back the same: DHCP, IPv4 and IPv6', (t) => {
  const cases: NetworkSettings[] = [
    { mode: 'dhcp' },
    { mode: 'static', address: '192.168.1.20', prefix: 24, gateway: '192.168.1.1', dns: ['1.1.1.1', '8.8.8.8'] },
    { mode: 'static', address: '2001:db8::20', prefix: 64, gateway: null, dns: ['2001:4860:4860::8888'] },
    { mode: 'static', address: '::ffff:10.0.0.1', prefix: 120, gateway: null, dns: [] },
  ];
  for (const s of cases) t.same(parseNetworkRequest(renderNetworkRequest(ID, s)), { ok: true, id: ID, value: s }, JSON.stringify(s));
  t.end();
});

void t.test('a network request with anything but the known keys and plain addresses is refused, naming why', (t) => {
  const head = `id=${ID}\nmode=static\naddress=10.0.0.5/24\n`;
  const refused: [string, string, RegExp][] = [
    ['another networkd section', `id=${ID}\nmode=dhcp\n[Service]\nExecStart=/bin/sh -c id\n`, /^line 3: not key=value$/],
    ['a networkd key', `${head}ExecStart=/bin/sh\n`, /^line 4: unknown key "ExecStart"$/],
    ['a file name', `${head}name=../../etc/systemd/system/x.service\n`, /^line 4: unknown key "name"$/],
    ['a value with a space', `id=${ID}\nmode=static\naddress=10.0.0.5/24 [Service]\n`, /^address: only letters, digits/],
    ['a value with a newline escape', `id=${ID}\nmode=static\naddress=10.0.0.5/24\\n[Network]\n`, /^address: only letters, digits/],
    ['an IPv6 zone', `id=${ID}\nmode=static\naddress=fe80::1%eth0/64\n`, /^address: only letters, digits/],
    ['a CR', `${head}gateway=10.0.0.1\r\n`, /^request: only printable ASCII/],
    ['a NUL', `${head}\0`, /^request: only printable ASCII/],
    ['a non-ASCII byte', `${head}dns=１.1.1.1\n`, /^request: only printable ASCII/],
    ['an address that is no address', `id=${ID}\nmode=static\naddress=10.0.0.300/24\n`, /^address: "10\.0\.0\.300" is not an IP address/],
    ['a prefix out of range', `id=${ID}\nmode=static\naddress=10.0.0.5/33\n`, /^address: the prefix \/33 must be 1–32$/],
    ['a hex prefix', `id=${ID}\nmode=static\naddress=10.0.0.5/0x18\n`, /^address: the prefix \/0x18 must be 1–32$/],
    ['two prefixes', `id=${ID}\nmode=static\naddress=10.0.0.5/24/8\n`, /^address: the prefix \/24\/8 must be 1–32$/],
    ['no prefix', `id=${ID}\nmode=static\naddress=10.0.0.5\n`, /^address: missing, or without its \/prefix$/],
    ['a host name for a gateway', `${head}gateway=router.example\n`, /^gateway: "router\.example" is not an IP address$/],
    ['four DNS servers', `${head}dns=1.1.1.1\ndns=1.0.0.1\ndns=8.8.8.8\ndns=8.8.4.4\n`, /^dns: at most 3 servers$/],
    ['a key twice', `${head}gateway=10.0.0.1\ngateway=10.0.0.2\n`, /^gateway: given twice$/],
    ['an address with DHCP', `id=${ID}\nmode=dhcp\naddress=10.0.0.5/24\n`, /^address: not allowed with mode=dhcp$/],
    ['another mode', `id=${ID}\nmode=ipv4ll\n`, /^mode: must be dhcp or static$/],
    ['no id', 'mode=dhcp\n', /^id: missing/],
    ['an id that is a path', 'id=../../x\nmode=dhcp\n', /^id: missing or not 8–32 hex digits$/],
    ['too large', `${head}${'x'.repeat(MAX_REQUEST_BYTES)}`, new RegExp(`^request: larger than ${MAX_REQUEST_BYTES} bytes$`)],
    ['a value longer than 64', `id=${ID}\nmode=static\naddress=${'1'.repeat(65)}\n`, /^address: only letters, digits.*at most 64/],
  ];
  for (const [what, text, reason] of refused) {
    const r = parseNetworkRequest(text);
    t.equal(r.ok, false, `${what}: refused`);
    if (!r.ok) t.match(r.problem, reason, `${what}: ${r.problem}`);
  }
  t.end();
});

void t.test('a reset request needs the phrase and this boot\'s token', (t) => {
  t.same(parseResetRequest(renderResetRequest(ID, TOKEN), TOKEN), { ok: true, id: ID, value: null });
  const other = 'b'.repeat(32);
  t.match(parseResetRequest(renderResetRequest(ID, other), TOKEN), { ok: false, id: ID, problem: /^token: not this boot's reset token/ });
  t.match(parseResetRequest(`id=${ID}\nconfirm=reset\ntoken=${TOKEN}\n`, TOKEN), { ok: false, problem: /^confirm: must be RESET$/ });
  t.match(parseResetRequest(`id=${ID}\nconfirm=RESET\n`, TOKEN), { ok: false, problem: /^token: / }, 'no token');
  t.match(parseResetRequest(renderResetRequest(ID, ''), ''), { ok: false }, 'no token file: an empty token matches nothing');
  t.match(parseResetRequest(`${renderResetRequest(ID, TOKEN)}mode=dhcp\n`, TOKEN), { ok: false, problem: /unknown key "mode"/ });
  t.end();
});

void t.test('a status reads back; its message is kept to printable ASCII and 300 characters', (t) => {
  const text = renderStatus({ id: ID, result: 'refused', message: `address: bad\n\x1b[2J${'x'.repeat(400)}`, atMs: Date.UTC(2026, 0, 2, 3, 4, 5) });
  const s = parseStatus(text);
  t.equal(s?.id, ID);
  t.equal(s?.result, 'refused');
  t.equal(s?.atMs, Date.UTC(2026, 0, 2, 3, 4, 5));
  t.match(s?.message, /^address: bad\?\?\[2Jx+$/);
  t.equal(s?.message.length, 300);
  t.equal(parseStatus('id=1\nresult=maybe\nat=2026-01-01T00:00:00Z\n'), null, 'an unknown result is no status');
  t.end();
});
