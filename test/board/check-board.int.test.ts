// D1: the board image's offline checks (scripts/check-board.sh), the part that needs no
// Buildroot tree: the tree's files, shellcheck, genimage with dummy inputs, systemd-analyze
// verify, every unit installed and enabled (and the console's requests to root wired together),
// RAUC's system.conf and a signed bundle, the arm64 board bundle (from dist/, which
// `npm test` builds first). The same script must fail on a broken tree.
import t from 'tap';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/paths.js';
import { runCommand } from '../helpers/run-command.js';
import { tempDir } from '../helpers/temp-dir.js';

const SCRIPT = path.join(repoRoot, 'scripts', 'check-board.sh');
const CHECKS = [
  'files of the tree are present', 'fstab mounts the data partition at /data', 'shellcheck on',
  'genimage accepts genimage.cfg', 'sdcard.img: boot (FAT), rootfs A, rootfs B, data', 'systemd-analyze verify on',
  "every unit is installed by rackwatch.mk and enabled, and the console's requests to root fit together",
  'make-bundle.sh signs a RAUC bundle', 'RAUC loads system.conf and verifies the bundle', 'the arm64 board bundle builds and holds only arm64 native modules and the console',
];

void t.test('the board tree passes every offline check', async (t) => {
  const r = await runCommand(SCRIPT, [], { timeoutMs: 180_000, env: { BUILDROOT_DIR: '' } });
  t.equal(r.code, 0, r.out);
  for (const check of CHECKS) t.match(r.stdout, new RegExp(`^ok +.*${check.replace(/[()]/g, '\\$&')}`, 'm'), check);
  t.match(r.stdout, /skip the Buildroot checks: BUILDROOT_DIR is not set/);
});

void t.test('a broken tree fails, naming what is wrong', async (t) => {
  const tree = path.join(tempDir(t), 'buildroot');
  cpSync(path.join(repoRoot, 'buildroot'), tree, { recursive: true, filter: (src) => !src.includes('app-bundle') });
  const unit = path.join(tree, 'package/rackwatch/rackwatch.service');
  writeFileSync(unit, readFileSync(unit, 'utf8').replace(/^Type=notify$/m, 'Type=notifyy'));
  const cfg = path.join(tree, 'board/rackwatch/genimage.cfg');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('image = "data.ext4"', 'image = "missing.ext4"'));
  const conf = path.join(tree, 'board/rackwatch/rootfs-overlay/etc/rauc/system.conf');
  writeFileSync(conf, readFileSync(conf, 'utf8').replace(/^compatible=.*$/m, ''));
  const mk = path.join(tree, 'package/rackwatch/rackwatch.mk');
  writeFileSync(mk, readFileSync(mk, 'utf8').replace(/^\s*ln -sf \/opt\/rackwatch\/bin\/rackwatch-console.*\n/m, '')
    // the console's requests to root (D5): their path unit left out of the image
    .replace(' rackwatch-console-requests.path', ''));
  const r = await runCommand(SCRIPT, [], { timeoutMs: 180_000, env: { BUILDROOT_DIR: '', BOARD_TREE: tree } });
  t.equal(r.code, 5, 'five failures');
  t.match(r.stdout, /^FAIL genimage accepts genimage\.cfg/m);
  t.match(r.stdout, /^FAIL systemd-analyze verify[\s\S]*Failed to parse service type/m);
  t.match(r.stdout, /^FAIL RAUC loads system\.conf[\s\S]*compatible/m);
  t.match(r.stdout, /^FAIL every unit is installed[\s\S]*rackwatch\.mk does not install rackwatch-console-requests\.path/m, 'the console requests\' path unit left out of the image');
  t.match(r.stdout, /^FAIL the arm64 board bundle[\s\S]*does not install rackwatch-console in \/usr\/bin/m, 'the console (D5) left out of the image');
});
