// "Audit log" (SEC; admin only, `audit:read`): who did what, when, from where, to what. Search by
// user, action, text and a time range, a page at a time, newest first; the CSV download link
// carries the same filters, so the file holds what the search found (all pages of it).
import { useState } from 'preact/hooks';
import type { AuditEntry } from '../../../contract/accounts-api.js';
import { auditCsvUrl, queryAudit, type AuditQuery } from '../auth-api.js';
import { useResource } from '../use-resource.js';
import { useUi } from '../ui-context.js';
import { Card, ResourceState } from './alerting-parts.js';
import { DataTable } from './data-table.js';

const PAGE = 50;

/** A `datetime-local` field's value as ms since the epoch (the browser's time zone), or undefined. */
export function localTimeMs(value: string): number | undefined {
  if (value === '') return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

function changeText(e: AuditEntry): string {
  const part = (v: unknown): string => (v === null || v === undefined ? '' : JSON.stringify(v));
  const before = part(e.before);
  const after = part(e.after);
  return before && after ? `${before} → ${after}` : before || after;
}

interface Draft {
  actor: string;
  action: string;
  text: string;
  from: string;
  to: string;
}

function queryOf(d: Draft): AuditQuery {
  const from = localTimeMs(d.from);
  const to = localTimeMs(d.to);
  return { actor: d.actor, action: d.action, text: d.text, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

export function AuditView() {
  const { t, fmt } = useUi();
  const [draft, setDraft] = useState<Draft>({ actor: '', action: '', text: '', from: '', to: '' });
  const [query, setQuery] = useState<AuditQuery>({});
  const [offset, setOffset] = useState(0);
  const key = JSON.stringify(query);
  const page = useResource((signal) => queryAudit(query, { limit: PAGE, offset }, signal), [key, offset]);
  const set = (field: keyof Draft, value: string): void => setDraft((d) => ({ ...d, [field]: value }));
  const search = (e: Event): void => {
    e.preventDefault();
    setQuery(queryOf(draft));
    setOffset(0);
  };
  const total = page.data?.total ?? 0;
  const field = (name: keyof Draft, label: string, type = 'text') => (
    <label class="field-label">
      <span class="field-name">{label}</span>
      <input type={type} value={draft[name]} data-testid={`audit-${name}`} onInput={(e) => set(name, e.currentTarget.value)} />
    </label>
  );
  return (
    <div class="view" data-testid="view-audit">
      <div class="view-head">
        <h2>{t('audit.title')}</h2>
        <a class="button" href={auditCsvUrl(query)} download="rackwatch-audit.csv" data-testid="audit-csv">
          {t('audit.csv')}
        </a>
      </div>
      <Card title={t('audit.search')}>
        <form class="audit-filters" onSubmit={search}>
          {field('actor', t('audit.actor'))}
          {field('action', t('audit.action'))}
          {field('text', t('audit.text'))}
          {field('from', t('audit.from'), 'datetime-local')}
          {field('to', t('audit.to'), 'datetime-local')}
          <button type="submit" class="button button-primary" data-testid="audit-search">
            {t('audit.search')}
          </button>
        </form>
      </Card>
      <Card title={t('audit.title')} testId="audit-list">
        <ResourceState resource={page} />
        {page.data && (
          <>
            <DataTable
              rows={page.data.entries}
              rowKey={(e) => e.id}
              rowAttrs={(e) => ({ 'data-testid': 'audit-row', 'data-action': e.action, 'data-actor': e.actor ?? '' })}
              empty={t('audit.none')}
              columns={[
                { header: t('audit.time'), class: 'nowrap', cell: (e) => fmt.dateTime(e.at) },
                { header: t('audit.actor'), cell: (e) => e.actor ?? '–' },
                { header: t('audit.address'), class: 'mono', cell: (e) => (e.address === 'console' ? t('audit.console') : e.address ?? '–') },
                { header: t('audit.action'), class: 'mono', cell: (e) => e.action },
                { header: t('audit.target'), cell: (e) => e.target ?? '' },
                { header: t('audit.change'), class: 'mono small audit-change', cell: (e) => changeText(e) },
              ]}
            />
            {total > 0 && (
              <div class="pager">
                <button type="button" class="button" data-testid="audit-prev" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
                  {t('audit.prev')}
                </button>
                <span data-testid="audit-page">{t('audit.page', { first: fmt.number(offset + 1, 0), last: fmt.number(Math.min(offset + PAGE, total), 0), total: fmt.number(total, 0) })}</span>
                <button type="button" class="button" data-testid="audit-next" disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>
                  {t('audit.next')}
                </button>
              </div>
            )}
          </>
        )}
      </Card>
    </div>
  );
}
