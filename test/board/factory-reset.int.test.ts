// D1, D5: the board's early-boot factory reset (buildroot/.../usr/libexec/rackwatch/factory-reset),
// run by sh on a temporary directory standing in for /data. Without root's marker it touches
// nothing; with it, it erases everything first boot and the appliance make again (the
// appliance's data, the network settings, the first-boot marker, dot files, links) and keeps
// only what is the board's: lost+found, the saved clock, RAUC's slot status. A link is removed,
// never followed.
import { existsSync, lstatSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { FACTORY_RESET_MARKER } from '../../appliance/console/root-helper.js';
import { repoRoot } from '../helpers/paths.js';
import { runCommand } from '../helpers/run-command.js';
import { tempDir } from '../helpers/temp-dir.js';

const SCRIPT = path.join(repoRoot, 'buildroot/board/rackwatch/rootfs-overlay/usr/libexec/rackwatch/factory-reset');
const UNIT = path.join(repoRoot, 'buildroot/package/rackwatch/rackwatch-factory-reset.service');

/** /data as first boot and a season of use leave it */
function usedData(t: Parameters<typeof tempDir>[0]): string {
  return tempDir(t, 'rw-data-', {
    '.rackwatch-initialized': '', 'machine-id': 'x\n', hostname: 'rackwatch-abc123\n',
    rackwatch: { 'enroll-token': 'secret', 'setup-code': 'code', db: { 'rackwatch.sqlite': 'x' }, tls: { 'key.pem': 'k' } },
    network: { '10-rackwatch.network': '[Network]\nAddress=10.0.0.5/24\n' },
    ssh: { dropbear_ed25519_host_key: 'k' }, chrony: { drift: '1' },
    'lost+found': {}, clock: { 'last-time': '1760000000\n' }, rauc: { 'central.raucs': 's' },
    '..odd': 'x', '.hidden': 'x',
  });
}

void t.test('without the marker nothing is erased', async (t) => {
  const data = usedData(t);
  const before = readdirSync(data).sort();
  const r = await runCommand('sh', [SCRIPT], { env: { DATA: data } });
  t.equal(r.code, 0, r.out);
  t.same(readdirSync(data).sort(), before);
  t.equal(readFileSync(path.join(data, 'rackwatch', 'enroll-token'), 'utf8'), 'secret');
});

void t.test('with the marker /data is erased but for lost+found, the clock and RAUC, and first boot runs again', async (t) => {
  const data = usedData(t);
  const outside = tempDir(t, 'rw-outside-', { keep: 'me' });
  symlinkSync(outside, path.join(data, 'link-out'));
  symlinkSync(path.join(data, 'gone'), path.join(data, 'dangling'));
  const before = readdirSync(data).sort();
  const r0 = await runCommand('sh', [SCRIPT], { env: { DATA: data } });
  t.equal(r0.code, 0);
  t.same(readdirSync(data).sort(), before, 'nothing erased before the marker');
  t.ok(before.includes('..odd') && before.includes('.hidden') && before.includes('dangling'), 'dot files and links to erase');

  await runCommand('sh', ['-c', `printf 'requested\\n' > "$0/${FACTORY_RESET_MARKER}"`, data]);
  const r = await runCommand('sh', [SCRIPT], { env: { DATA: data } });
  t.equal(r.code, 0, r.out);
  t.match(r.stdout, /factory reset: erasing .*\nfactory reset: done; first boot runs next/);
  t.same(readdirSync(data).sort(), ['clock', 'lost+found', 'rauc']);
  t.equal(readFileSync(path.join(data, 'clock', 'last-time'), 'utf8'), '1760000000\n', 'the saved time stays (time must not go back)');
  t.notOk(existsSync(path.join(data, '.rackwatch-initialized')), 'first boot runs again');
  t.equal(readFileSync(path.join(outside, 'keep'), 'utf8'), 'me', 'a link was removed, not followed');
  t.ok(lstatSync(outside).isDirectory());
});

void t.test('the boot unit waits for the marker root writes, and runs before first boot', (t) => {
  const unit = readFileSync(UNIT, 'utf8');
  t.match(unit, new RegExp(`^ConditionPathExists=/data/${FACTORY_RESET_MARKER.replace('.', '\\.')}$`, 'm'));
  t.match(unit, /^Before=.*rackwatch-firstboot\.service/m);
  t.match(unit, /^ExecStart=\/usr\/libexec\/rackwatch\/factory-reset$/m);
  t.end();
});
