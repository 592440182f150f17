// CSV export cells (docs/security.md, "Audit log"): RFC 4180 quoting and formula neutralising.
import t from 'tap';
import { csvCell, csvRecord } from '../../../appliance/accounts/audit-csv.js';

void t.test('a cell with a comma, quote or line break is quoted, its quotes doubled', (t) => {
  t.equal(csvCell('plain'), 'plain');
  t.equal(csvCell('a,b'), '"a,b"');
  t.equal(csvCell('say "hi"'), '"say ""hi"""');
  t.equal(csvCell('two\nlines'), '"two\nlines"');
  t.equal(csvCell(null), '');
  t.equal(csvCell(42), '42');
  t.end();
});

void t.test('a cell a spreadsheet would run as a formula starts with a quote mark', (t) => {
  t.equal(csvCell('=HYPERLINK("http://x")'), '"\'=HYPERLINK(""http://x"")"');
  t.equal(csvCell('+1+1'), "'+1+1");
  t.equal(csvCell('-2'), "'-2");
  t.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  t.equal(csvCell('\t=1'), "'\t=1");
  t.equal(csvCell(-2), '-2', 'a number stays a number');
  t.end();
});

void t.test('a record ends with CRLF', (t) => {
  t.equal(csvRecord(['a', 'b,c', null]), 'a,"b,c",\r\n');
  t.end();
});
