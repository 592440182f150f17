// A stand-in `smartctl` (S1+) for tests: a real executable shell script in a directory of its own
// (put that directory on the agent's PATH), answering `--scan` with the drives given and a
// drive's reading with a recorded answer of a real drive (test/fixtures/smart/), as smartctl
// prints it. Every call's arguments are appended to `calls`, so a test sees what ran and how often.
import { chmodSync, copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fixturesDir } from './paths.js';

export const SMART_FIXTURES = path.join(fixturesDir, 'smart');

export interface FakeSmartctl {
  /** the directory holding `smartctl` */
  dir: string;
  program: string;
  /** answers `/dev/<name>` with a fixture file (and exit status) from now on */
  answer(name: string, fixture: string, exitStatus?: number): void;
  /** the argument lists of every call so far */
  calls(): string[];
}

export function fakeSmartctl(dir: string, drives: { name: string; type: string }[]): FakeSmartctl {
  const program = path.join(dir, 'smartctl');
  writeFileSync(path.join(dir, 'scan.json'), JSON.stringify({
    json_format_version: [1, 0],
    devices: drives.map((d) => ({ name: d.name, info_name: d.name, type: d.type, protocol: d.type === 'nvme' ? 'NVMe' : 'ATA' })),
  }));
  // the last argument is the device; its answer is <dir>/<basename>.json, its exit status <basename>.exit
  writeFileSync(program, `#!/bin/sh
echo "$*" >> '${dir}/calls'
case "$1" in --scan) cat '${dir}/scan.json'; exit 0;; esac
for last; do :; done
name=$(basename "$last")
cat "${dir}/$name.json"
exit "$(cat "${dir}/$name.exit" 2>/dev/null || echo 0)"
`);
  chmodSync(program, 0o755);
  return {
    dir,
    program,
    answer(name, fixture, exitStatus = 0) {
      const source = path.isAbsolute(fixture) ? fixture : path.join(SMART_FIXTURES, fixture);
      copyFileSync(source, path.join(dir, `${name}.json`));
      writeFileSync(path.join(dir, `${name}.exit`), String(exitStatus));
    },
    calls: () => (existsSync(path.join(dir, 'calls')) ? readFileSync(path.join(dir, 'calls'), 'utf8').split('\n').filter(Boolean) : []),
  };
}

/** What an agent without CAP_SYS_RAWIO gets from smartctl 7: exit status 2 and the reason in its messages. */
export function permissionDeniedAnswer(device: string): string {
  return JSON.stringify({
    json_format_version: [1, 0],
    smartctl: { version: [7, 3], argv: ['smartctl', '--json=c', '-H', '-A', device], messages: [{ string: `Smartctl open device: ${device} failed: Permission denied`, severity: 'error' }], exit_status: 2 },
  });
}
