// D5: the console's network settings: what the technician types is checked field by field, and
// the systemd-networkd file it becomes reads back to the same settings.
import t from 'tap';
import { checkStatic, describeSettings, parseNetworkFile, renderNetworkFile } from '../../../appliance/console/network-settings.js';

void t.test('a static address with gateway and DNS becomes a systemd-networkd file that reads back the same', (t) => {
  const checked = checkStatic({ address: '192.168.1.20/24', gateway: '192.168.1.1', dns: '1.1.1.1, 8.8.8.8' });
  if (!checked.ok) throw new Error(checked.problems.join('; '));
  const file = renderNetworkFile('eth0', checked.settings);
  t.match(file, /^\[Match\]\nName=eth0\n\n\[Network\]\nAddress=192\.168\.1\.20\/24\nGateway=192\.168\.1\.1\nDNS=1\.1\.1\.1\nDNS=8\.8\.8\.8\n$/m);
  t.same(parseNetworkFile(file), checked.settings);
  t.equal(describeSettings(checked.settings), '192.168.1.20/24 via 192.168.1.1, DNS 1.1.1.1 8.8.8.8');
  t.end();
});

void t.test('DHCP is the default, and what is not recognised reads as DHCP', (t) => {
  t.match(renderNetworkFile('eth0', { mode: 'dhcp' }), /^DHCP=yes$/m);
  t.same(parseNetworkFile(renderNetworkFile('eth0', { mode: 'dhcp' })), { mode: 'dhcp' });
  t.same(parseNetworkFile('garbage'), { mode: 'dhcp' });
  t.end();
});

void t.test('a missing prefix is /24 (IPv4) or /64 (IPv6); empty gateway and DNS mean none', (t) => {
  t.same(checkStatic({ address: '10.0.0.5', gateway: '', dns: '' }), { ok: true, settings: { mode: 'static', address: '10.0.0.5', prefix: 24, gateway: null, dns: [] } });
  t.same(checkStatic({ address: 'fd00::5', gateway: '', dns: '' }), { ok: true, settings: { mode: 'static', address: 'fd00::5', prefix: 64, gateway: null, dns: [] } });
  t.end();
});

void t.test('every bad field is named with its problem', (t) => {
  const r = checkStatic({ address: '10.0.0.300/33', gateway: 'router', dns: '1.1.1.1 2.2.2.2 3.3.3.3 4.4.4.4 dns' });
  t.equal(r.ok, false);
  if (r.ok) return t.end();
  t.same(r.problems.map((p) => p.split(':')[0]), ['address', 'address', 'gateway', 'dns', 'dns'], 'the address and its prefix, the gateway, a DNS entry and the count');
  t.match(r.problems.join('\n'), /at most 3 servers/);
  const prefix = checkStatic({ address: '10.0.0.3/33', gateway: '', dns: '' });
  t.match(prefix.ok ? '' : prefix.problems.join(), /address: the prefix \/33 must be 1–32/);
  t.end();
});

void t.test('what networkd would not read as written is refused: an IPv6 zone, a prefix not in digits, two prefixes', (t) => {
  const problems = (address: string, gateway = ''): string => {
    const r = checkStatic({ address, gateway, dns: '' });
    return r.ok ? '' : r.problems.join('; ');
  };
  t.match(problems('fe80::1%eth0/64'), /^address: "fe80::1%eth0" is not an IP address/);
  t.match(problems('10.0.0.5/24', 'fe80::1%eth0'), /^gateway: "fe80::1%eth0" is not an IP address$/);
  t.match(problems('10.0.0.5/0x18'), /^address: the prefix \/0x18 must be 1–32$/);
  t.match(problems('10.0.0.5/2e1'), /^address: the prefix \/2e1 must be 1–32$/);
  t.match(problems('10.0.0.5/24/8'), /^address: the prefix \/24\/8 must be 1–32$/);
  t.end();
});
