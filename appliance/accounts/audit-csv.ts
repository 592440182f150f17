// CSV export of the audit log (docs/security.md, "Audit log"), pure. RFC 4180: fields separated by
// commas, records by CRLF, a field holding a comma, quote, CR or LF is quoted and its quotes
// doubled. A cell starting with = + - @ (or a tab or CR, which some spreadsheets skip before
// reading a formula) gets a leading ' so a spreadsheet shows it as text instead of running it.

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (typeof value === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRecord(cells: readonly (string | number | null | undefined)[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}
