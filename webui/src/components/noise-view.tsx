// S12's noise report screen (a chunk of its own, opened from the Alerts view): over the last 7,
// 30 or 90 days, the SMS each contact got per day, the alerts per rule, the flappiest rules and
// servers (alerts that fired and resolved within 15 minutes), and how many SMS dependencies (B10)
// and maintenance windows (B11) saved. GET /alerts/noise does the counting.
import { useState } from 'preact/hooks';
import type { NoiseFlapRow, NoiseReport } from '../../../contract/alerts-api.js';
import { getNoiseReport } from '../alerting-api.js';
import { useResource } from '../use-resource.js';
import { useUi } from '../ui-context.js';
import { Card, ResourceState } from './alerting-parts.js';

const RANGES_DAYS = [7, 30, 90] as const;

function FlapTable({ rows, testId, head }: { rows: readonly NoiseFlapRow[]; testId: string; head: string }) {
  const { t, fmt } = useUi();
  if (rows.length === 0) return <p class="hint" data-testid={`${testId}-empty`}>{t('noise.noFlaps')}</p>;
  return (
    <table class="table" data-testid={testId}>
      <thead>
        <tr><th>{head}</th><th class="num">{t('noise.flaps')}</th><th class="num">{t('noise.fired')}</th></tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.id} data-testid={`${testId}-row`}>
            <td>{r.name}</td><td class="num">{fmt.number(r.flaps, 0)}</td><td class="num">{fmt.number(r.fired, 0)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function NoiseView() {
  const { t, fmt } = useUi();
  const [days, setDays] = useState<(typeof RANGES_DAYS)[number]>(7);
  const report = useResource<NoiseReport>((signal) => {
    const toMs = Date.now();
    return getNoiseReport(toMs - days * 86_400_000, toMs, signal);
  }, [days]);
  const r = report.data;
  return (
    <main class="page">
      <div class="view" data-testid="view-noise">
        <div class="view-head">
          <h2>{t('noise.title')}</h2>
          <label>
            {t('noise.range')}{' '}
            <select value={String(days)} data-testid="noise-range" onChange={(e) => setDays(Number(e.currentTarget.value) as (typeof RANGES_DAYS)[number])}>
              {RANGES_DAYS.map((d) => <option key={d} value={String(d)}>{t('noise.lastDays', { n: d })}</option>)}
            </select>
          </label>
        </div>
        <ResourceState resource={report} />
        {r && (
          <>
            <Card title={t('noise.saved')} testId="noise-saved">
              <dl class="facts">
                <dt>{t('noise.savedDependency')}</dt>
                <dd data-testid="noise-saved-dependency">{t('noise.savedText', { sms: fmt.number(r.saved.dependency.smsSaved, 0), alerts: fmt.number(r.saved.dependency.alerts, 0) })}</dd>
                <dt>{t('noise.savedMaintenance')}</dt>
                <dd data-testid="noise-saved-maintenance">{t('noise.savedText', { sms: fmt.number(r.saved.maintenance.smsSaved, 0), alerts: fmt.number(r.saved.maintenance.alerts, 0) })}</dd>
              </dl>
            </Card>
            <Card title={t('noise.smsPerContact')} testId="noise-sms">
              {r.smsPerContactDay.length === 0 ? <p class="hint">{t('noise.noSms')}</p> : (
                <table class="table">
                  <thead><tr><th>{t('noise.day')}</th><th>{t('noise.contact')}</th><th class="num">SMS</th></tr></thead>
                  <tbody>
                    {r.smsPerContactDay.map((row) => (
                      <tr key={`${row.contactId}-${row.day}`} data-testid="noise-sms-row">
                        <td>{row.day}</td><td>{row.name ?? row.contactId}</td><td class="num">{fmt.number(row.sms, 0)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Card>
            <Card title={t('noise.perRule')} testId="noise-rules">
              {r.alertsPerRule.length === 0 ? <p class="hint">{t('noise.noAlerts')}</p> : (
                <table class="table">
                  <thead><tr><th>{t('noise.rule')}</th><th class="num">{t('noise.fired')}</th><th class="num">{t('noise.cancelled')}</th></tr></thead>
                  <tbody>
                    {r.alertsPerRule.map((row) => (
                      <tr key={row.ruleId} data-testid="noise-rule-row">
                        <td>{row.ruleName}</td><td class="num">{fmt.number(row.fired, 0)}</td><td class="num">{fmt.number(row.cancelled, 0)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </Card>
            <Card title={t('noise.flappiestRules')} testId="noise-flappy-rules-card">
              <FlapTable rows={r.flappiestRules} testId="noise-flappy-rules" head={t('noise.rule')} />
            </Card>
            <Card title={t('noise.flappiestServers')} testId="noise-flappy-servers-card">
              <FlapTable rows={r.flappiestServers} testId="noise-flappy-servers" head={t('noise.server')} />
            </Card>
          </>
        )}
      </div>
    </main>
  );
}
