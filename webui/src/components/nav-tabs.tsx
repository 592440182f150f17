// The page's top-level views as tabs in the header (Dashboard · Alerts · Rules · Groups ·
// Contacts · SMS · Users · Audit log). The Alerts tab carries the number of firing alerts,
// coloured by the worst. A view the user's role may not open has no tab (SEC); "My account" is
// reached from the user's name in the header instead.
import type { Alert } from '../../../contract/alerts-api.js';
import { SEVERITIES, VIEWS, VIEW_PERMISSION, type View } from '../alerting-model.js';
import { useUi } from '../ui-context.js';

export function NavTabs({ view, onChange, openAlerts }: { view: View; onChange: (v: View) => void; openAlerts: readonly Alert[] | null }) {
  const { t, fmt, can } = useUi();
  const firing = (openAlerts ?? []).filter((a) => a.state === 'firing');
  const worst = firing.reduce<number>((w, a) => Math.max(w, SEVERITIES.indexOf(a.severity)), -1);
  return (
    <nav class="nav-tabs" aria-label={t('nav.label')} data-testid="nav-tabs">
      {/* the noise report (S12) is opened from the Alerts view */}
      {VIEWS.filter((v) => v !== 'account' && v !== 'noise' && can(VIEW_PERMISSION[v])).map((v) => (
        <a
          key={v}
          href={v === 'dashboard' ? '#' : `#view=${v}`}
          class="nav-tab"
          aria-current={view === v ? 'page' : undefined}
          data-testid={`nav-${v}`}
          onClick={(e) => {
            e.preventDefault();
            onChange(v);
          }}
        >
          {t(`nav.${v}` as const)}
          {v === 'alerts' && firing.length > 0 && (
            <span class={`nav-count sev-${SEVERITIES[worst] ?? 'warning'}`} data-testid="nav-alert-count" title={t('nav.firing', { n: firing.length })}>
              {fmt.number(firing.length, 0)}
            </span>
          )}
        </a>
      ))}
    </nav>
  );
}
