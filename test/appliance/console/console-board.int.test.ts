// The technician's console (D5) as the board runs it (D1): the `tech` login may not write where
// systemd-networkd reads nor erase /data, so a network change and a factory reset are requests to
// root. Here the console runs in a real pseudo-terminal (tmux) with --requests-dir and
// --network-file, as bin/rackwatch-console sets them on the board, and the built root helper
// answers as its path unit would run it (test/helpers/board-root-helper.ts). The technician sees
// root's answer: applied (then kept or undone), refused with the reason, a reset accepted.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { parseNetworkRequest, renderStatus } from '../../../appliance/console/console-requests.js';
import { ROOT, waitFor } from '../../helpers/appliance-harness.js';
import { boardRootHelper } from '../../helpers/board-root-helper.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { startInTmux } from '../../helpers/tmux-terminal.js';

const CONSOLE_BIN = path.join(ROOT, 'dist', 'console.js');
const VT100 = { TERM: 'vt100', LANG: 'en_US.UTF-8' };

/** matches the screen as one line: a long line wraps at the terminal's width */
const flat = (re: RegExp) => (rows: string[]): boolean => re.test(rows.join(' ').replace(/\s+/g, ' '));
/** the question being asked now (clack marks it ◆; answered ones ◇): keys typed before it shows are lost under load */
const asking = (question: string) => flat(new RegExp(`◆ ${question}`));

function consoleArgv(dataDir: string, root: { spool: string; networkFile: string }): string[] {
  return [process.execPath, CONSOLE_BIN, '--data-dir', dataDir, '--requests-dir', root.spool, '--network-file', root.networkFile, '--confirm-seconds', '2'];
}

void t.test('a network change goes through root: applied, undone when not confirmed, kept when confirmed', async (t) => {
  const root = await boardRootHelper(t);
  root.watch();
  const dhcpDefault = readFileSync(root.networkFile, 'utf8');
  const term = await startInTmux(t, consoleArgv(tempDir(t, 'rw-con-'), root), { env: VT100 });
  await term.waitFor('the status screen', /APPLIANCE DOWN/);
  await term.keys('n');
  const screen = await term.waitFor('the network screen', /eth0 Configured: DHCP/);
  t.match(screen.join('\n'), new RegExp(root.networkFile.replace(/[.]/g, '\\.')), 'the file root installed is named');

  await term.keys('t');
  await term.waitFor('the address question', /Address/);
  await term.type('10.20.30.40/24');
  await term.waitFor('the gateway question', /Gateway/);
  await term.type('10.20.30.1');
  await term.waitFor('the DNS question', /DNS servers/);
  await term.type('10.20.30.2');
  await term.waitFor('root applied it', /Keep these settings\? They are undone in \d s/);
  t.match(readFileSync(root.networkFile, 'utf8'), /^Address=10\.20\.30\.40\/24\nGateway=10\.20\.30\.1\nDNS=10\.20\.30\.2$/m, 'root installed it');
  t.same(root.calls(), ['networkctl reload', 'networkctl reconfigure eth0'], 'and had networkd reload it');
  await term.waitFor('the revert', /Not confirmed: the previous network settings are back/, 15_000);
  await waitFor('root to have installed the previous settings', () => readFileSync(root.networkFile, 'utf8') === dhcpDefault);
  await term.keys('b');
  await term.waitFor('the last change on the network screen', flat(/eth0 Configured: DHCP .*Last change \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\): applied: DHCP/));

  await term.keys('t');
  await term.waitFor('the address question', /Address/);
  await term.type('2001:db8::40/64');
  await term.waitFor('the gateway question', asking('Gateway'));
  await term.type('');
  await term.waitFor('the DNS question', asking('DNS servers'));
  await term.type('');
  await term.waitFor('root applied it', /Keep these settings\?/);
  await term.keys('y');
  await term.waitFor('kept', /The new network settings are kept/);
  await term.keys('b');
  await term.waitFor('the network screen', flat(/eth0 Configured: 2001:db8::40\/64 .*applied: 2001:db8::40\/64/));
  t.match(readFileSync(root.networkFile, 'utf8'), /^Address=2001:db8::40\/64$/m);
});

void t.test('a change root refuses is shown with its reason, and nothing is asked to be undone', async (t) => {
  const root = await boardRootHelper(t);
  const installed = readFileSync(root.networkFile, 'utf8');
  // a root that refuses everything (a stricter board than this console): it answers from the request's id
  const seen: string[] = [];
  const timer = setInterval(() => {
    const file = path.join(root.spool, 'requests', 'network.request');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return;
    }
    const id = /^id=([0-9a-f]+)$/m.exec(text)?.[1] ?? '-';
    if (seen.includes(id)) return;
    seen.push(id);
    writeFileSync(path.join(root.spool, 'network.status'), renderStatus({ id, result: 'refused', message: 'address: 10.20.30.40 is not in this site\'s plan', atMs: Date.now() }));
  }, 100);
  t.teardown(() => clearInterval(timer));

  const term = await startInTmux(t, consoleArgv(tempDir(t, 'rw-con-'), root), { env: VT100 });
  await term.waitFor('the status screen', /APPLIANCE DOWN/);
  await term.keys('n');
  await term.waitFor('the network screen', /eth0 Configured: DHCP/);
  await term.keys('t');
  await term.waitFor('the address question', /Address/);
  await term.type('10.20.30.40/24');
  await term.waitFor('the gateway question', asking('Gateway'));
  await term.type('');
  await term.waitFor('the DNS question', asking('DNS servers'));
  await term.type('');
  await term.waitFor('the refusal', flat(/Not applied: .*refused by the board: address: 10\.20\.30\.40 is not in this site's plan/));
  await term.keys('b');
  await term.waitFor('the last change on the network screen', flat(/eth0 Configured: DHCP .*Last change \([^)]*\): REFUSED: address: 10\.20\.30\.40 is not in this site's plan/));
  t.equal(seen.length, 1, 'one request: a refused change has nothing to undo');
  t.ok(parseNetworkRequest(readFileSync(path.join(root.spool, 'requests', 'network.request'), 'utf8')).ok, 'the request the console wrote is one root can read');
  t.equal(readFileSync(root.networkFile, 'utf8'), installed, 'the installed file is unchanged');
});

void t.test('a factory reset is asked of root with the token: accepted, /data marked, the board reboots', async (t) => {
  const root = await boardRootHelper(t);
  root.watch();
  const term = await startInTmux(t, consoleArgv(tempDir(t, 'rw-con-', { db: { 'rackwatch.sqlite': 'x' } }), root), { env: VT100 });
  await term.waitFor('the status screen', /APPLIANCE DOWN/);
  await term.keys('r');
  await term.waitFor('the warning', /Type RESET to go on/);
  await term.type('reset');
  await term.waitFor('cancelled', /Nothing was erased/);
  await term.keys('Enter');
  await term.waitFor('the status screen', /APPLIANCE DOWN/);
  t.equal(root.status('reset'), null, 'nothing asked of root');

  await term.keys('r');
  await term.waitFor('the warning', /Type RESET to go on/);
  await term.type('RESET');
  await term.waitFor('accepted', /Factory reset accepted: the board restarts now/);
  t.match(readFileSync(path.join(root.dataRoot, '.rackwatch-factory-reset'), 'utf8'), /^requested .* from the console/);
  // root answers "accepted" before it runs reboot: the call is logged a moment after the screen says so
  t.same(await waitFor('the reboot', () => (root.calls().length > 0 ? root.calls() : null), { timeoutMs: 10_000, intervalMs: 100 }), ['reboot --no-block']);
});
