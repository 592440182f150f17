// The technician's console (D5) in a real pseudo-terminal (tmux) where the appliance is not needed
// or not running: a network change written atomically, applied through the apply hook and taken
// back when not confirmed (a 2 s confirm window instead of 60 s); the appliance-down path (said on
// screen; network, log and factory reset still offered); TERM=dumb line mode.
import { existsSync, readFileSync, statSync, writeFileSync, chmodSync, readdirSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { NETWORK_FILE } from '../../../appliance/console/network-store.js';
import { ROOT, waitFor } from '../../helpers/appliance-harness.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { startInTmux } from '../../helpers/tmux-terminal.js';

const CONSOLE_BIN = path.join(ROOT, 'dist', 'console.js');
const VT100 = { TERM: 'vt100', LANG: 'en_US.UTF-8' };

/** An apply hook that records each call: the file's Address= line (or "none") at that moment. */
function recordingHook(dir: string): { command: string; calls: () => string[] } {
  const log = path.join(dir, 'applied.log');
  const command = path.join(dir, 'apply-network.sh');
  writeFileSync(command, `#!/bin/sh\n{ grep -h '^Address=' "$1" 2>/dev/null || echo none; } >> '${log}'\n`);
  chmodSync(command, 0o755);
  return { command, calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l !== '') : []) };
}

void t.test('a network change is written atomically, applied, and undone when not confirmed in time', async (t) => {
  const dataDir = tempDir(t, 'rw-con-');
  const hook = recordingHook(tempDir(t, 'rw-hook-'));
  const file = path.join(dataDir, NETWORK_FILE);
  const term = await startInTmux(t, [process.execPath, CONSOLE_BIN, '--data-dir', dataDir, '--apply-command', hook.command, '--confirm-seconds', '2'], { env: VT100 });
  await term.waitFor('the status screen', /APPLIANCE DOWN/);

  // first a confirmed change to DHCP, so there is a previous file to come back to
  await term.keys('n');
  await term.waitFor('the network screen', /eth0 Configured: DHCP/);
  await term.keys('d');
  await term.waitFor('the confirm question', /Keep these settings\? They are undone in \d s/);
  await term.keys('y');
  await term.waitFor('kept', /The new network settings are kept/);
  const dhcpFile = readFileSync(file, 'utf8');
  t.match(dhcpFile, /^DHCP=yes$/m);
  const dhcpInode = statSync(file).ino;
  await term.keys('b');

  // then a static address, not confirmed
  await term.waitFor('the network screen', /eth0 Configured: DHCP/);
  await term.keys('t');
  await term.waitFor('the address question', /Address \(e\.g\. 192\.168\.1\.20\/24\)/);
  await term.type('10.20.30.40/24');
  await term.waitFor('the gateway question', /Gateway/);
  await term.type('10.20.30.1');
  await term.waitFor('the DNS question', /DNS servers/);
  await term.type('10.20.30.2, 10.20.30.3');
  await term.waitFor('the confirm question', /Keep these settings\?/);
  const written = readFileSync(file, 'utf8');
  t.match(written, /^Address=10\.20\.30\.40\/24$/m, 'the new file is written');
  t.match(written, /^Gateway=10\.20\.30\.1$/m);
  t.match(written, /^DNS=10\.20\.30\.2$\nDNS=10\.20\.30\.3$/m);
  t.not(statSync(file).ino, dhcpInode, 'replaced by a rename (a new inode), never rewritten in place');
  t.same(readdirSync(path.dirname(file)), ['10-rackwatch.network'], 'no temporary file left');
  t.equal((statSync(file).mode & 0o777).toString(8), '644', 'readable by systemd-networkd, writable by the console only');
  t.same(hook.calls(), ['none', 'Address=10.20.30.40/24'], 'each change applied through the hook');

  // no key pressed: after the window the previous settings are back and applied again
  await term.waitFor('the revert', /Not confirmed: the previous network settings are back/, 10_000);
  t.equal(readFileSync(file, 'utf8'), dhcpFile, 'the previous file is back, byte for byte');
  t.same(hook.calls(), ['none', 'Address=10.20.30.40/24', 'none'], 'and applied again');
  await term.keys('b');

  // bad input is refused with the field and the reason; nothing is written or applied
  await term.waitFor('the network screen', /eth0 Configured: DHCP/);
  await term.keys('t');
  await term.waitFor('the address question', /Address/);
  await term.type('10.20.300.40/33');
  await term.type('');
  await term.type('dns.example');
  await term.waitFor('the problems', /address: "10\.20\.300\.40" is not an IP address[\s\S]*dns: "dns\.example" is not an IP address/);
  t.equal(readFileSync(file, 'utf8'), dhcpFile, 'nothing written');
  t.equal(hook.calls().length, 3, 'nothing applied');
});

void t.test('with the appliance down the console says so and still offers network, log and factory reset', async (t) => {
  const dataDir = tempDir(t, 'rw-con-', { db: { 'rackwatch.sqlite': 'x' }, rrd: { 'a.rrd': 'x' }, 'enroll-token': 'secret' });
  const logFile = path.join(tempDir(t, 'rw-log-'), 'appliance.log');
  writeFileSync(logFile, Array.from({ length: 50 }, (_, i) => `line ${i + 1} of the appliance log`).join('\n') + '\n');
  const term = await startInTmux(t, [process.execPath, CONSOLE_BIN, '--data-dir', dataDir, '--log-file', logFile], { env: VT100 });
  const rows = await term.waitFor('the status screen', /APPLIANCE DOWN/);
  t.match(rows.join('\n'), /does not answer\.\s+Network, logs, clock and factory reset still\s+work/);
  const menu = rows.join('\n');
  for (const shown of ['Network', 'Clock', 'Log', 'Factory reset', 'Quit']) t.match(menu, new RegExp(`\\b${shown}$`, 'm'), `${shown} is offered`);
  for (const hidden of ['Modem', 'Alarms', 'Admin password']) t.notMatch(menu, new RegExp(`^ \\w  ${hidden}`, 'm'), `${hidden} is not offered`);
  t.equal(rows.length, 24);

  await term.keys('l');
  const log = await term.waitFor('the log tail', /line 50 of the appliance log/);
  t.equal((log[0] ?? '').startsWith('rackwatch console · Log ·'), true, 'the tail fits under the header');
  t.notMatch(log.join('\n'), /line 1 of/, 'only the end of the log');
  await term.keys('b');

  await term.keys('r');
  await term.waitFor('the warning', /Type RESET to go on/);
  await term.type('RESET');
  await term.waitFor('done', /Factory reset done/);
  t.same(readdirSync(dataDir), [], 'the data dir is empty');
});

void t.test('TERM=dumb: plain lines, no escape codes, every choice typed', async (t) => {
  const dataDir = tempDir(t, 'rw-con-');
  mkdirSync(path.join(dataDir, 'network'));
  const term = await startInTmux(t, [process.execPath, CONSOLE_BIN, '--data-dir', dataDir], { env: { TERM: 'dumb', LANG: 'ko_KR.UTF-8' } });
  await term.waitFor('the line menu', /선택: \[s\] 새로 고침\s+\[n\] 네트워크/);
  await term.type('n');
  await term.waitFor('the network lines', /== rackwatch 콘솔 · 네트워크 ·[\s\S]*eth0 설정: DHCP/);
  await term.type('x');
  await term.waitFor('an unknown choice is asked again', /^\? d t b$/m);
  await term.type('b');
  await term.type('q');
  await waitFor('the console to end', async () => !(await term.alive()));
  const raw = term.raw();
  t.ok(raw.length > 0, 'output was recorded');
  t.notOk(raw.includes(0x1b), 'no escape code was written');
});
