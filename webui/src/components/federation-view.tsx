// "Forwarding" (S19, B8; admins, federation:manage): where stored samples and alert changes go
// beyond the box (GET/PUT /api/v1/federation), and the remote-write queue's state. The API never
// shows a secret back, and a PUT carries every secret in full: the form asks for it again.
import { useEffect, useState } from 'preact/hooks';
import type { FederationResponse, FederationSettings, ForwardAuth } from '../../../contract/federation-api.js';
import { requestJson, errorReason } from '../api-client.js';
import { useResource } from '../use-resource.js';
import { useUi } from '../ui-context.js';
import { Card, ResourceState } from './alerting-parts.js';

interface Draft {
  appliance: string;
  url: string;
  authKind: 'none' | 'basic' | 'bearer';
  username: string;
  secret: string;
  caFile: string;
  downsampleS: string;
  families: string;
  alertmanagerUrl: string;
}

function draftOf(f: FederationResponse): Draft {
  const rw = f.remoteWrite;
  return {
    appliance: f.appliance, url: rw?.url ?? '', authKind: rw?.auth?.kind ?? 'none', username: rw?.auth?.kind === 'basic' ? rw.auth.username : '', secret: '',
    caFile: rw?.caFile ?? '', downsampleS: String(rw?.downsampleS ?? 0), families: rw?.families?.join(', ') ?? '', alertmanagerUrl: f.alertmanager?.url ?? '',
  };
}

/** The PUT body of a draft; what the form does not show (queue bound, CA PEM text, the Alertmanager's auth) is kept as saved. */
function settingsOf(d: Draft, saved: FederationResponse): FederationSettings {
  const auth: ForwardAuth = d.authKind === 'basic' ? { kind: 'basic', username: d.username, password: d.secret } : d.authKind === 'bearer' ? { kind: 'bearer', token: d.secret } : null;
  const families = d.families.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return {
    appliance: d.appliance,
    remoteWrite: d.url.trim() === '' ? null : {
      url: d.url.trim(), auth, downsampleS: Number(d.downsampleS), families: families.length > 0 ? families as NonNullable<FederationSettings['remoteWrite']>['families'] : null,
      caFile: d.caFile.trim() === '' ? null : d.caFile.trim(), caCertificates: d.caFile.trim() === '' ? saved.remoteWrite?.caCertificates ?? null : null,
      queueMaxBytes: saved.remoteWrite?.queueMaxBytes ?? 256 << 20,
    },
    alertmanager: d.alertmanagerUrl.trim() === '' ? null : { url: d.alertmanagerUrl.trim(), auth: null, caCertificates: saved.alertmanager?.caCertificates ?? null, caFile: saved.alertmanager?.caFile ?? null },
  };
}

export function FederationView() {
  const { t, fmt } = useUi();
  const current = useResource((signal) => requestJson<FederationResponse>('/federation', { signal }), []);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    if (current.data && draft === null) setDraft(draftOf(current.data));
  }, [current.data, draft]);
  const set = (field: keyof Draft, value: string): void => setDraft((d) => (d ? { ...d, [field]: value } : d));
  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!draft || !current.data) return;
    try {
      await requestJson<FederationResponse>('/federation', { method: 'PUT', body: settingsOf(draft, current.data) });
      setMessage({ ok: true, text: t('fed.saved') });
      current.reload();
    } catch (err) {
      setMessage({ ok: false, text: errorReason(err) });
    }
  };
  const field = (name: keyof Draft, label: string, type = 'text') => (
    <label class="field-label">
      <span class="field-name">{label}</span>
      <input type={type} value={draft?.[name] ?? ''} data-testid={`fed-${name}`} onInput={(e) => set(name, e.currentTarget.value)} />
    </label>
  );
  const status = current.data?.status;
  const secretSet = current.data?.remoteWrite?.auth !== null && current.data?.remoteWrite?.auth !== undefined;
  return (
    <>
      <Card title={t('fed.title')} testId="federation">
        <ResourceState resource={current} />
        <p class="hint">{t('fed.intro')}</p>
        {draft && (
          <form onSubmit={(e) => void save(e)} data-testid="fed-form">
            {field('appliance', t('fed.appliance'))}
            <h4>{t('fed.remoteWrite')}</h4>
            {field('url', t('fed.url'), 'url')}
            <label class="field-label">
              <span class="field-name">{t('fed.auth')}</span>
              <select value={draft.authKind} data-testid="fed-authKind" onChange={(e) => set('authKind', e.currentTarget.value)}>
                <option value="none">{t('fed.authNone')}</option>
                <option value="basic">{t('fed.authBasic')}</option>
                <option value="bearer">{t('fed.authBearer')}</option>
              </select>
            </label>
            {draft.authKind === 'basic' && field('username', t('fed.username'))}
            {draft.authKind !== 'none' && field('secret', draft.authKind === 'basic' ? t('fed.password') : t('fed.token'), 'password')}
            {draft.authKind !== 'none' && secretSet && <p class="hint">{t('fed.secretSet')}</p>}
            {field('caFile', t('fed.caFile'))}
            {field('downsampleS', t('fed.downsample'), 'number')}
            {field('families', t('fed.families'))}
            <h4>Alertmanager</h4>
            {field('alertmanagerUrl', t('fed.alertmanagerUrl'), 'url')}
            <button type="submit" data-testid="fed-save">{t('fed.save')}</button>
            {message && <p class={message.ok ? 'hint' : 'error'} role={message.ok ? 'status' : 'alert'} data-testid="fed-message">{message.text}</p>}
          </form>
        )}
      </Card>
      {status && (
        <Card title={t('fed.queue')} testId="fed-queue">
          <dl class="fed-status">
            <dt>{t('fed.queuedSamples')}</dt><dd data-testid="fed-queuedSamples">{fmt.number(status.queuedSamples)}</dd>
            <dt>{t('fed.queuedBytes')}</dt><dd data-testid="fed-queuedBytes">{fmt.bytes(status.queuedBytes)}</dd>
            <dt>{t('fed.samplesSent')}</dt><dd data-testid="fed-samplesSent">{fmt.number(status.samplesSent)}</dd>
            <dt>{t('fed.samplesDropped')}</dt><dd data-testid="fed-samplesDropped">{fmt.number(status.samplesDropped)}</dd>
            <dt>{t('fed.lastError')}</dt>
            <dd data-testid="fed-lastError">{status.lastError ? `${fmt.dateTime(status.lastError.at)}: ${status.lastError.message}` : t('fed.none')}</dd>
          </dl>
        </Card>
      )}
    </>
  );
}
