// The standby pair on the Redundancy screen (S13, B4; docs/standby.md): its state as GET
// /api/v1/pair says it (every role: who sends the SMS is everyone's business), "Promote to primary"
// on a standby for admins (POST /api/v1/pair/promote, after a confirmation that says what it
// does), and the pair's fields of the redundancy settings' form (the `pair` of PUT
// /api/v1/redundancy; its secret is write-only: `secretSet` says one is stored).
import { useState } from 'preact/hooks';
import type { PairConfig, PairRole, PairStatus } from '../../../contract/pair.js';
import type { RedundancyResponse } from '../../../contract/sentinel.js';
import { errorReason, requestJson } from '../api-client.js';
import { useResource } from '../use-resource.js';
import { useUi } from '../ui-context.js';
import { Card, ResourceState } from './alerting-parts.js';

// --- the form's part ------------------------------------------------------------------------------

export interface PairDraft { role: PairRole | 'none'; peer: string; peerPin: string; secret: string; secretSet: boolean; graceS: string }

export function pairDraftOf(pair: RedundancyResponse['pair']): PairDraft {
  if (!pair) return { role: 'none', peer: '', peerPin: '', secret: '', secretSet: false, graceS: '60' };
  return { role: pair.role, peer: pair.peer, peerPin: pair.peerPin ?? '', secret: '', secretSet: pair.secretSet === true, graceS: String(pair.graceS) };
}

/** The `pair` a draft says (no `term`: the appliance keeps its own); an empty secret keeps the stored one; what the PUT refuses is named by the appliance ("pair.peer: …"). */
export function pairOf(d: PairDraft): Omit<PairConfig, 'secretSet' | 'term'> | null {
  if (d.role === 'none') return null;
  return {
    role: d.role, peer: d.peer.trim(), graceS: Number(d.graceS),
    ...(d.peerPin.trim() ? { peerPin: d.peerPin.trim() } : {}), ...(d.secret ? { secret: d.secret } : {}),
  };
}

export function PairFields({ draft, onChange }: { draft: PairDraft; onChange: (patch: Partial<PairDraft>) => void }) {
  const { t } = useUi();
  const input = (key: 'peer' | 'peerPin' | 'secret' | 'graceS', label: string, type = 'text') => (
    <label class="field-label">
      <span class="field-name">{label}</span>
      <input type={type} value={draft[key]} data-testid={`pair-${key}`} autocomplete={type === 'password' ? 'new-password' : 'off'} onInput={(e) => onChange({ [key]: e.currentTarget.value })} />
    </label>
  );
  return (
    <fieldset data-testid="pair-fields">
      <legend>{t('pair.settings')}</legend>
      <label class="field-label">
        <span class="field-name">{t('pair.settingsRole')}</span>
        <select value={draft.role} data-testid="pair-role" onChange={(e) => onChange({ role: e.currentTarget.value as PairDraft['role'] })}>
          {(['none', 'primary', 'standby'] as const).map((r) => <option key={r} value={r}>{t(`pair.role.${r}`)}</option>)}
        </select>
      </label>
      {draft.role !== 'none' && (
        <>
          {input('peer', t('pair.peerUrl'), 'url')}
          {input('peerPin', t('pair.peerPin'))}
          {input('secret', draft.secretSet ? t('pair.secretSet') : t('pair.secret'), 'password')}
          {input('graceS', t('pair.grace'), 'number')}
        </>
      )}
    </fieldset>
  );
}

// --- the state and promotion ----------------------------------------------------------------------

function smsKey(s: PairStatus): 'pair.sms.held' | 'pair.sms.takenOver' | 'pair.sms.primary' {
  if (s.role === 'primary') return 'pair.sms.primary';
  return s.holdingSms ? 'pair.sms.held' : 'pair.sms.takenOver';
}

/** `onPromoted`: the settings' form reads the settings again (its role would otherwise say standby). */
export function PairStateCard({ onPromoted }: { onPromoted?: () => void }) {
  const { t, fmt, can } = useUi();
  const status = useResource((signal) => requestJson<PairStatus>('/pair', { signal }), [], { refreshMs: 3_000 });
  const [message, setMessage] = useState<{ ok: true } | { ok: false; text: string } | null>(null);
  const s = status.data;
  const promote = async (): Promise<void> => {
    if (!s || !window.confirm(t('pair.promoteConfirm', { peer: s.peer ?? '' }))) return;
    try {
      const after = await requestJson<PairStatus>('/pair/promote', { method: 'POST', body: {} });
      // the screen follows the appliance's answer, not the click
      status.mutate(() => after);
      setMessage({ ok: true });
      onPromoted?.();
    } catch (err) {
      setMessage({ ok: false, text: errorReason(err) });
    }
  };
  const canPromote = s?.role === 'standby' && can('appliance:manage');
  return (
    <Card
      title={t('pair.title')} testId="pair-state"
      actions={canPromote && <button type="button" class="button button-primary" data-testid="pair-promote" onClick={() => void promote()}>{t('pair.promote')}</button>}
    >
      <ResourceState resource={status} />
      <p class="hint">{t('pair.intro')}</p>
      {s && (
        <dl class="facts pair-facts" data-testid="pair-facts" data-role={s.role ?? 'none'}>
          <dt>{t('pair.role')}</dt>
          <dd data-testid="pair-role-shown">{t(`pair.role.${s.role ?? 'none'}`)}</dd>
          {s.role !== null && (
            <>
              <dt>{t('pair.peer')}</dt>
              <dd class="mono small" data-testid="pair-peer">{s.peer}</dd>
              <dt>{t('pair.lastHeard')}</dt>
              <dd data-testid="pair-last-heard">{(s.peerHeardAt ?? s.lastHeardAt) === null ? t('pair.never') : fmt.dateTime((s.peerHeardAt ?? s.lastHeardAt) as number)}</dd>
              {s.peerRole !== null && (
                <>
                  <dt>{t('pair.peerSays')}</dt>
                  <dd data-testid="pair-peer-role">{t(`pair.role.${s.peerRole}`)} · {t('pair.term', { term: String(s.peerTerm ?? 0) })} ({t('pair.term', { term: String(s.term) })} {t('pair.here')})</dd>
                </>
              )}
              {s.twoPrimaries && (
                <>
                  <dt>{t('pair.twoPrimariesTitle')}</dt>
                  <dd class="error" data-testid="pair-two-primaries">{t('pair.twoPrimaries')}</dd>
                </>
              )}
              <dt>{t('pair.versionHere')}</dt>
              <dd data-testid="pair-version-here">{s.configVersion}</dd>
              <dt>{t('pair.versionPeer')}</dt>
              <dd data-testid="pair-version-peer">{s.copiedVersion === null ? t('pair.unknown') : `${s.copiedVersion}${s.copiedAt === null ? '' : ` (${fmt.dateTime(s.copiedAt)})`}`}</dd>
              <dt>{t('pair.sms')}</dt>
              <dd data-testid="pair-sms" class={s.role === 'standby' && !s.holdingSms ? 'error' : ''}>{t(smsKey(s))}</dd>
              {s.lastError !== null && (
                <>
                  <dt>{t('pair.lastError')}</dt>
                  <dd class="error" data-testid="pair-last-error">{s.lastError}</dd>
                </>
              )}
            </>
          )}
        </dl>
      )}
      {message && <p class={message.ok ? 'hint' : 'error'} role={message.ok ? 'status' : 'alert'} data-testid="pair-message">{message.ok ? t('pair.promoted') : message.text}</p>}
    </Card>
  );
}
