// The one data table of the UI: open and resolved alerts (S7), rules (S4), the servers' health
// (S8), contacts and the SMS outbox (S12), visitors (S15), collector schedules (S2) and a
// server's filesystems (S9). A view names its columns (header, cell, alignment) and its rows
// (key, test hooks); the table writes the markup the stylesheets and the Chromium tests rely on:
// a scrolling wrapper, <th scope="col"> headers, one <tr> per row, an optional full-width detail
// row under a row, and an empty-state message instead of a table without rows.
import { Fragment } from 'preact';
import type { ComponentChildren } from 'preact';

/** Attributes a row or a cell may carry: its class, a tooltip, test hooks and other data-*. */
export type CellAttrs = { class?: string | undefined; title?: string | undefined } & { [data: `data-${string}`]: string | number | undefined };

export interface Column<R> {
  header: ComponentChildren;
  /** the column's name as text where the header is not (a sort button): a phone's card names each cell by it */
  label?: string;
  /** the header is for screen readers only (the actions column) */
  headerHidden?: boolean;
  /** the column is sorted by (aria-sort on its header); the view draws its own sort button */
  sorted?: 'ascending' | 'descending';
  cell: (row: R) => ComponentChildren;
  /** figures: header and cells right-aligned with tabular digits (the `num` class) */
  num?: boolean;
  /** the cells' class ('nowrap', 'mono', 'host-cell', 'actions'…); the header does not take it */
  class?: string;
  /** a cell's own attributes (a tooltip, a test hook, a class that depends on the row) */
  cellAttrs?: (row: R) => CellAttrs;
  /** the cells head their rows (<th scope="row">): the collector's name in a schedule */
  rowHeader?: boolean;
}

export interface DataTableProps<R> {
  /** a false, null or undefined entry is a column left out (one shown only for a server) */
  columns: readonly (Column<R> | false | null | undefined)[];
  rows: readonly R[];
  rowKey: (row: R) => string | number;
  rowAttrs?: (row: R) => CellAttrs;
  /** a full-width row under the row (class `detail-row`) when this gives something to show */
  detail?: (row: R) => ComponentChildren;
  /** said instead of the table when there are no rows; without it nothing is drawn */
  empty?: ComponentChildren;
  /** the empty message's class: the lists' centred hint by default, a plain `hint` in dialogs */
  emptyClass?: string;
  emptyTestId?: string;
  /** the table's class: `table` (the alerting screens), `fleet-table`, `fs-table` */
  class?: string;
  /** the scrolling wrapper's class, or false for none */
  wrap?: string | false;
  testId?: string;
}

function classes(...names: (string | false | null | undefined)[]): string | undefined {
  const joined = names.filter(Boolean).join(' ');
  return joined === '' ? undefined : joined;
}

function shows(node: ComponentChildren): boolean {
  return node !== null && node !== undefined && node !== false && node !== '';
}

export function DataTable<R>({
  columns,
  rows,
  rowKey,
  rowAttrs,
  detail,
  empty,
  emptyClass = 'hint empty',
  emptyTestId = 'empty',
  class: tableClass = 'table',
  wrap = 'table-wrap',
  testId,
}: DataTableProps<R>) {
  if (rows.length === 0) {
    return shows(empty) ? (
      <p class={emptyClass} data-testid={emptyTestId}>
        {empty}
      </p>
    ) : null;
  }
  const cols = columns.filter((c): c is Column<R> => Boolean(c));
  const table = (
    <table class={tableClass} data-testid={testId}>
      <thead>
        <tr>
          {cols.map((c, i) => (
            <th key={i} scope="col" class={classes(c.num && 'num')} aria-sort={c.sorted}>
              {c.headerHidden ? <span class="sr-only">{c.header}</span> : c.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const more = detail?.(r);
          return (
            <Fragment key={rowKey(r)}>
              <tr {...rowAttrs?.(r)}>
                {cols.map((c, i) => {
                  const { class: own, ...attrs } = c.cellAttrs?.(r) ?? {};
                  const cls = classes(c.num && 'num', c.class, own);
                  // on a phone the rows stack as cards and each cell names its column (styles.css)
                  const label = c.headerHidden ? undefined : (c.label ?? (typeof c.header === 'string' ? c.header : undefined));
                  return c.rowHeader ? (
                    <th key={i} scope="row" class={cls} data-label={label} {...attrs}>
                      {c.cell(r)}
                    </th>
                  ) : (
                    <td key={i} class={cls} data-label={label} {...attrs}>
                      {c.cell(r)}
                    </td>
                  );
                })}
              </tr>
              {shows(more) && (
                <tr class="detail-row">
                  <td colSpan={cols.length}>{more}</td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
  return wrap === false ? table : <div class={wrap}>{table}</div>;
}
