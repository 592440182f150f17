// Each drive's health on the server panel (S1+): the drive's verdict, the counts that predict a
// failure, NVMe wear and temperature. Shown only for servers whose agent sends the `smart` family.
import { diskVerdict, type DiskHealthRow } from '../disk-health.js';
import { useUi } from '../ui-context.js';
import { DataTable } from './data-table.js';

const VERDICT_CLASS = { failing: 'level-crit', passed: 'level-ok', unknown: 'level-none' } as const;

export function DiskHealthTable({ rows }: { rows: DiskHealthRow[] }) {
  const { t, fmt } = useUi();
  const count = (v: number | null): string => (v === null ? '—' : fmt.number(v, 0));
  return (
    <DataTable
      class="fs-table disk-health-table"
      wrap="disk-health-wrap"
      testId="disk-health-table"
      rows={rows}
      rowKey={(r) => r.key}
      rowAttrs={(r) => ({ 'data-testid': 'disk-health-row', 'data-device': r.key, 'data-verdict': diskVerdict(r) })}
      columns={[
        { header: t('smart.device'), class: 'mount', cellAttrs: (r) => ({ title: r.key }), cell: (r) => r.key },
        {
          header: t('smart.status'),
          cell: (r) => {
            const verdict = diskVerdict(r);
            return <span class={`health-verdict ${VERDICT_CLASS[verdict]}`}>{t(`smart.${verdict}` as const)}</span>;
          },
        },
        { header: t('smart.temperature'), num: true, cell: (r) => (r.temperature === null ? '—' : `${fmt.number(r.temperature, 0)} °C`) },
        { header: t('smart.reallocated'), num: true, cell: (r) => count(r.reallocated) },
        { header: t('smart.pending'), num: true, cell: (r) => count(r.pending) },
        { header: t('smart.mediaErrors'), num: true, cell: (r) => count(r.media_errors) },
        { header: t('smart.used'), num: true, cell: (r) => (r.pct_used === null ? '—' : fmt.percent(r.pct_used)) },
      ]}
    />
  );
}
