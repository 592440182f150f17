// "Forwarding" (S19, B8; admins, federation:manage): where stored samples and alert changes go
// beyond the box (GET/PUT /api/v1/federation), and the remote-write queue's state. Secrets are
// write-only: the API says only that one is set, and a PUT that leaves a secret out keeps the
// stored one, so the form sends a password or token only when one was typed (an empty field keeps
// what is saved; "None" removes it).
import { useEffect, useState } from 'preact/hooks';
import type { FederationResponse, FederationUpdate, ForwardAuthUpdate, ForwardAuthView } from '../../../contract/federation-api.js';
import { requestJson, errorReason } from '../api-client.js';
import { useResource } from '../use-resource.js';
import { useUi } from '../ui-context.js';
import { Card, ResourceState } from './alerting-parts.js';

type AuthKind = 'none' | 'basic' | 'bearer';

interface Draft {
  appliance: string;
  url: string;
  authKind: AuthKind;
  username: string;
  secret: string;
  caFile: string;
  downsampleS: string;
  families: string;
  alertmanagerUrl: string;
  amAuthKind: AuthKind;
  amUsername: string;
  amSecret: string;
}

function draftOf(f: FederationResponse): Draft {
  const rw = f.remoteWrite;
  const am = f.alertmanager;
  return {
    appliance: f.appliance, url: rw?.url ?? '', authKind: rw?.auth?.kind ?? 'none', username: rw?.auth?.kind === 'basic' ? rw.auth.username : '', secret: '',
    caFile: rw?.caFile ?? '', downsampleS: String(rw?.downsampleS ?? 0), families: rw?.families?.join(', ') ?? '', alertmanagerUrl: am?.url ?? '',
    amAuthKind: am?.auth?.kind ?? 'none', amUsername: am?.auth?.kind === 'basic' ? am.auth.username : '', amSecret: '',
  };
}

/** The auth of a PUT: a secret only when one was typed (else the stored one is kept). */
function authOf(kind: AuthKind, username: string, secret: string): ForwardAuthUpdate {
  if (kind === 'none') return null;
  if (kind === 'basic') return { kind, username, ...(secret !== '' ? { password: secret } : {}) };
  return { kind, ...(secret !== '' ? { token: secret } : {}) };
}

/** The PUT body of a draft; what the form does not show (queue bound, parallel requests, CA PEM text, the Alertmanager's CA) is kept as saved. */
function settingsOf(d: Draft, saved: FederationResponse): FederationUpdate {
  const families = d.families.split(',').map((s) => s.trim()).filter((s) => s !== '');
  return {
    appliance: d.appliance,
    remoteWrite: d.url.trim() === '' ? null : {
      url: d.url.trim(), auth: authOf(d.authKind, d.username, d.secret), downsampleS: Number(d.downsampleS),
      families: families.length > 0 ? families as NonNullable<FederationUpdate['remoteWrite']>['families'] : null,
      caFile: d.caFile.trim() === '' ? null : d.caFile.trim(), caCertificates: d.caFile.trim() === '' ? saved.remoteWrite?.caCertificates ?? null : null,
      queueMaxBytes: saved.remoteWrite?.queueMaxBytes ?? 256 << 20, parallelRequests: saved.remoteWrite?.parallelRequests ?? 4,
    },
    alertmanager: d.alertmanagerUrl.trim() === '' ? null : {
      url: d.alertmanagerUrl.trim(), auth: authOf(d.amAuthKind, d.amUsername, d.amSecret),
      caCertificates: saved.alertmanager?.caCertificates ?? null, caFile: saved.alertmanager?.caFile ?? null,
    },
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
  /** the auth choice, its user name and its secret (a saved secret is said, never shown) */
  const authFields = (prefix: '' | 'am', saved: ForwardAuthView | undefined) => {
    const kindField = prefix === '' ? 'authKind' : 'amAuthKind';
    const kind = draft?.[kindField] ?? 'none';
    const secretSet = saved !== null && saved !== undefined && saved.kind === kind && (saved.kind === 'bearer' || saved.passwordSet);
    return (
      <>
        <label class="field-label">
          <span class="field-name">{t('fed.auth')}</span>
          <select value={kind} data-testid={`fed-${kindField}`} onChange={(e) => set(kindField, e.currentTarget.value)}>
            <option value="none">{t('fed.authNone')}</option>
            <option value="basic">{t('fed.authBasic')}</option>
            <option value="bearer">{t('fed.authBearer')}</option>
          </select>
        </label>
        {kind === 'basic' && field(prefix === '' ? 'username' : 'amUsername', t('fed.username'))}
        {kind !== 'none' && field(prefix === '' ? 'secret' : 'amSecret', kind === 'basic' ? t('fed.password') : t('fed.token'), 'password')}
        {secretSet && <p class="hint" data-testid={`fed-${prefix}secretSet`}>{t('fed.secretSet')}</p>}
      </>
    );
  };
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
            {authFields('', current.data?.remoteWrite?.auth)}
            {field('caFile', t('fed.caFile'))}
            {field('downsampleS', t('fed.downsample'), 'number')}
            {field('families', t('fed.families'))}
            <h4>Alertmanager</h4>
            {field('alertmanagerUrl', t('fed.alertmanagerUrl'), 'url')}
            {authFields('am', current.data?.alertmanager?.auth)}
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
            <dt>{t('fed.oldestQueued')}</dt>
            <dd data-testid="fed-oldestQueuedAt">{status.oldestQueuedAt !== null ? `${fmt.dateTime(status.oldestQueuedAt)} (${fmt.relative(status.oldestQueuedAt, Date.now())})` : t('fed.none')}</dd>
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
