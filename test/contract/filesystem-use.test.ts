// S1, S7: one used-% of a filesystem everywhere an operator reads it — the server panel's disk
// table, the alert rules and the cause an SMS names — and it is df(1)'s Use%.
import t from 'tap';
import { filesystemUsedPct } from '../../contract/filesystem-use.js';
import { fsRowsOf } from '../../webui/src/use-panel-data.js';
import { derivedValue } from '../../appliance/alerting/rules/metric-observations.js';
import { fullestFilesystem } from '../../appliance/alerting/rules/cause.js';
import { filesystemValues } from '../../agent/collectors/filesystems.js';

const GiB = 1024 ** 3;
/** to the tenth, as the UI and the SMS print it */
const tenth = (x: number | null | undefined): number | null => (typeof x === 'number' ? Math.round(x * 10) / 10 : null);

void t.test('the disk table, the rule and the SMS cause read the same df Use% for one filesystem', (t) => {
  // the operator's `/`: 252 GiB, 27.5 GiB used, 97.5 GiB left to ordinary users (df: 22 %)
  const values = { size: 252 * GiB, used: 27.5 * GiB, avail: 97.5 * GiB, inodes: 100, inodes_used: 10 };
  const df = 22;
  const table = fsRowsOf({ '/': values })[0]?.pct ?? null;
  const rule = derivedValue('fs_used_pct', values, {});
  const cause = fullestFilesystem([{ family: 'fs', key: '/', t: 0, values }])?.usedPct ?? null;
  t.equal(tenth(filesystemUsedPct(values)), df);
  t.equal(tenth(table), df, 'the disk table');
  t.equal(tenth(rule), df, 'the alert rule');
  t.equal(tenth(cause), df, 'the SMS cause');
  t.end();
});

void t.test('blocks reserved for root count as unavailable: a filesystem ordinary users cannot write to reads 100 %', (t) => {
  // statfs of a full ext4 filesystem with the default 5 % reserve: no block free for users
  const v = filesystemValues({ bsize: 4096, blocks: 1000, bfree: 50, bavail: 0, files: 10, ffree: 5 });
  if (v === null) throw new Error('no values');
  t.equal(filesystemUsedPct(v), 100);
  t.equal(fsRowsOf({ '/': v })[0]?.pct, 100, 'the disk table agrees');
  t.end();
});

void t.test('unknown inputs give no value rather than a second definition', (t) => {
  t.equal(filesystemUsedPct({ size: 100, used: 90 }), null, 'without avail');
  t.equal(filesystemUsedPct({ used: null, avail: 10 }), null);
  t.equal(filesystemUsedPct({ used: 0, avail: 0 }), null, 'no blocks');
  t.equal(fsRowsOf({ '/boot': { size: 100, used: null } })[0]?.pct, null, 'inventory only, no sample yet');
  t.end();
});
