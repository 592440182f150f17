// "Redundancy" (S13, B4): the standby pair's state for every role (pair-section.tsx), and for admins
// (appliance:manage) promotion and the settings: which servers are sentinels, their grace period
// and own network check, the alarm's channels (webhook, SMTP relay, the sentinel's modem, a peer
// appliance), the standby pair, each sentinel's last signed heartbeat and each channel's last test,
// and the "send a test alarm through every channel" action (GET/PUT /api/v1/redundancy,
// POST /api/v1/redundancy/test). What the form does not show of a saved channel (a webhook's
// method, headers and body, a modem's PIN) is kept as saved; so is the pair's secret.
import { useEffect, useState } from 'preact/hooks';
import type { AgentSummary } from '../../../contract/api.js';
import type { RedundancyConfig, RedundancyResponse, SentinelChannel, ShownSentinelChannel } from '../../../contract/sentinel.js';
import { errorReason, listAgents, requestJson } from '../api-client.js';
import { useResource } from '../use-resource.js';
import { useUi } from '../ui-context.js';
import { Card, ResourceState } from './alerting-parts.js';
import { PairFields, PairStateCard, pairDraftOf, pairOf, type PairDraft } from './pair-section.js';

type ChannelType = SentinelChannel['type'];
const TYPES: readonly ChannelType[] = ['webhook', 'smtp', 'modem', 'peer'];

interface ChannelDraft {
  type: ChannelType;
  url: string; host: string; port: string; from: string; to: string; device: string; token: string;
  /** the saved channel this row edits: its fields the form does not show are kept */
  saved: ShownSentinelChannel | null;
}

interface Draft { sentinels: string[]; name: string; graceS: string; ownNetworkCheck: string; channels: ChannelDraft[]; pair: PairDraft }

const list = (text: string): string[] => text.split(',').map((s) => s.trim()).filter((s) => s !== '');

function channelDraft(c: ShownSentinelChannel | null, type: ChannelType = c?.type ?? 'webhook'): ChannelDraft {
  const d: ChannelDraft = { type, url: '', host: '', port: '', from: '', to: '', device: '', token: '', saved: c };
  if (!c) return d;
  switch (c.type) {
    case 'webhook': return { ...d, url: c.url };
    case 'smtp': return { ...d, host: c.host, port: c.port === undefined ? '' : String(c.port), from: c.from, to: c.to.join(', ') };
    case 'modem': return { ...d, device: c.device, to: c.to.join(', ') };
    // the token is write-only: empty keeps the saved one
    case 'peer': return { ...d, url: c.url };
  }
}

/** The channel a row says (a peer's empty token: the saved one); a field the PUT refuses is named by the appliance ("channels.1.to.0: …"). */
function channelOf(d: ChannelDraft): SentinelChannel | Omit<Extract<SentinelChannel, { type: 'peer' }>, 'token'> {
  const saved = d.saved?.type === d.type ? d.saved : null;
  switch (d.type) {
    case 'webhook': return { ...(saved as object), type: 'webhook', url: d.url.trim() };
    case 'smtp': return { type: 'smtp', host: d.host.trim(), ...(d.port.trim() ? { port: Number(d.port) } : {}), from: d.from.trim(), to: list(d.to) };
    case 'modem': return { ...(saved as object), type: 'modem', device: d.device.trim(), to: list(d.to) };
    case 'peer': return { type: 'peer', url: d.url.trim(), ...(d.token.trim() ? { token: d.token.trim() } : {}) };
  }
}

function draftOf(r: RedundancyResponse): Draft {
  return { sentinels: [...r.sentinels], name: r.name ?? '', graceS: String(r.graceS), ownNetworkCheck: r.ownNetworkCheck ?? '', channels: r.channels.map((c) => channelDraft(c)), pair: pairDraftOf(r.pair) };
}

/** The whole settings: a PUT without `pair` would end the pair, so the form always says it. */
function settingsOf(d: Draft): Omit<Partial<RedundancyConfig>, 'channels' | 'pair'> & { channels: ReturnType<typeof channelOf>[]; pair: ReturnType<typeof pairOf> } {
  return {
    sentinels: d.sentinels, pair: pairOf(d.pair), graceS: Number(d.graceS), ownNetworkCheck: d.ownNetworkCheck.trim() === '' ? null : d.ownNetworkCheck.trim(),
    channels: d.channels.map(channelOf), ...(d.name.trim() ? { name: d.name.trim() } : {}),
  };
}

export function RedundancyView() {
  const { can } = useUi();
  // the form reads the settings again after a promotion: its role would still say standby
  const [formKey, setFormKey] = useState(0);
  return (
    <>
      <PairStateCard onPromoted={() => setFormKey((k) => k + 1)} />
      {can('appliance:manage') && <RedundancySettings key={formKey} />}
    </>
  );
}

function RedundancySettings() {
  const { t, fmt } = useUi();
  const current = useResource((signal) => requestJson<RedundancyResponse>('/redundancy', { signal }), [], { refreshMs: 3_000 });
  const agents = useResource((signal) => listAgents(signal), []);
  const [draft, setDraft] = useState<Draft | null>(null);
  // a message of ours is kept as its key, so that it follows a change of language; the appliance's errors as they came
  const [message, setMessage] = useState<{ ok: boolean; text: string } | { ok: true; key: 'red.saved' | 'red.testSent' } | null>(null);
  useEffect(() => {
    if (current.data && draft === null) setDraft(draftOf(current.data));
  }, [current.data, draft]);
  const set = (patch: Partial<Draft>): void => setDraft((d) => (d ? { ...d, ...patch } : d));
  const setChannel = (i: number, patch: Partial<ChannelDraft>): void => setDraft((d) => (d ? { ...d, channels: d.channels.map((c, k) => (k === i ? { ...c, ...patch } : c)) } : d));
  const hostOf = (id: string): string => agents.data?.find((a: AgentSummary) => a.id === id)?.hostname ?? id;
  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (!draft) return;
    try {
      await requestJson<RedundancyResponse>('/redundancy', { method: 'PUT', body: settingsOf(draft) });
      setMessage({ ok: true, key: 'red.saved' });
      current.reload();
    } catch (err) {
      setMessage({ ok: false, text: errorReason(err) });
    }
  };
  const test = async (): Promise<void> => {
    try {
      await requestJson<{ id: string }>('/redundancy/test', { method: 'POST', body: {}, okStatuses: [202] });
      setMessage({ ok: true, key: 'red.testSent' });
      current.reload();
    } catch (err) {
      setMessage({ ok: false, text: errorReason(err) });
    }
  };
  const input = (value: string, onInput: (v: string) => void, label: string, testId: string, type = 'text') => (
    <label class="field-label">
      <span class="field-name">{label}</span>
      <input type={type} value={value} data-testid={testId} onInput={(e) => onInput(e.currentTarget.value)} />
    </label>
  );
  const status = current.data?.status;
  const saved = current.data;
  return (
    <>
      <Card title={t('red.title')} testId="redundancy">
        <ResourceState resource={current} />
        <p class="hint">{t('red.intro')}</p>
        {draft && (
          <form onSubmit={(e) => void save(e)} data-testid="red-form">
            <fieldset>
              <legend>{t('red.sentinels')}</legend>
              {(agents.data ?? []).length === 0 && <p class="hint">{t('red.noAgents')}</p>}
              {(agents.data ?? []).map((a) => (
                <label key={a.id} class="check-label">
                  <input
                    type="checkbox" data-testid={`red-sentinel-${a.hostname}`} checked={draft.sentinels.includes(a.id)}
                    onChange={(e) => set({ sentinels: e.currentTarget.checked ? [...draft.sentinels, a.id] : draft.sentinels.filter((id) => id !== a.id) })}
                  />
                  {a.hostname}
                </label>
              ))}
            </fieldset>
            {input(draft.name, (v) => set({ name: v }), t('red.name'), 'red-name')}
            {input(draft.graceS, (v) => set({ graceS: v }), t('red.grace'), 'red-grace', 'number')}
            {input(draft.ownNetworkCheck, (v) => set({ ownNetworkCheck: v }), t('red.ownNetwork'), 'red-ownNetwork')}
            <PairFields draft={draft.pair} onChange={(patch) => set({ pair: { ...draft.pair, ...patch } })} />
            <h4>{t('red.channels')}</h4>
            {draft.channels.map((c, i) => (
              <fieldset key={i} data-testid={`red-channel-${i}`}>
                <label class="field-label">
                  <span class="field-name">{t('red.type')}</span>
                  <select value={c.type} data-testid={`red-channel-${i}-type`} onChange={(e) => setChannel(i, channelDraft(null, e.currentTarget.value as ChannelType))}>
                    {TYPES.map((ty) => <option key={ty} value={ty}>{t(`red.type.${ty}`)}</option>)}
                  </select>
                </label>
                {c.type === 'webhook' && input(c.url, (v) => setChannel(i, { url: v }), t('red.url'), `red-channel-${i}-url`, 'url')}
                {c.type === 'smtp' && (
                  <>
                    {input(c.host, (v) => setChannel(i, { host: v }), t('red.host'), `red-channel-${i}-host`)}
                    {input(c.port, (v) => setChannel(i, { port: v }), t('red.port'), `red-channel-${i}-port`, 'number')}
                    {input(c.from, (v) => setChannel(i, { from: v }), t('red.from'), `red-channel-${i}-from`)}
                    {input(c.to, (v) => setChannel(i, { to: v }), t('red.to'), `red-channel-${i}-to`)}
                  </>
                )}
                {c.type === 'modem' && (
                  <>
                    {input(c.device, (v) => setChannel(i, { device: v }), t('red.device'), `red-channel-${i}-device`)}
                    {input(c.to, (v) => setChannel(i, { to: v }), t('red.phones'), `red-channel-${i}-to`)}
                    <p class="hint" data-testid={`red-channel-${i}-modem-hint`}>{t('red.modemHint')}</p>
                  </>
                )}
                {c.type === 'peer' && (
                  <>
                    {input(c.url, (v) => setChannel(i, { url: v }), t('red.peerUrl'), `red-channel-${i}-url`, 'url')}
                    {input(c.token, (v) => setChannel(i, { token: v }), t('red.token'), `red-channel-${i}-token`, 'password')}
                  </>
                )}
                <button type="button" data-testid={`red-channel-${i}-remove`} onClick={() => set({ channels: draft.channels.filter((_c, k) => k !== i) })}>{t('red.remove')}</button>
              </fieldset>
            ))}
            <button type="button" data-testid="red-add-channel" onClick={() => set({ channels: [...draft.channels, channelDraft(null)] })}>{t('red.addChannel')}</button>
            <button type="submit" data-testid="red-save">{t('red.save')}</button>
            {message && <p class={message.ok ? 'hint' : 'error'} role={message.ok ? 'status' : 'alert'} data-testid="red-message">{'key' in message ? t(message.key) : message.text}</p>}
          </form>
        )}
      </Card>
      {status && saved && (
        <Card title={t('red.status')} testId="red-status" actions={<button type="button" data-testid="red-test" onClick={() => void test()}>{t('red.test')}</button>}>
          <table class="data-table" data-testid="red-heartbeats">
            <thead><tr><th>{t('red.sentinel')}</th><th>{t('red.lastHeartbeat')}</th></tr></thead>
            <tbody>
              {status.heartbeats.map((h) => (
                <tr key={h.agentId} data-testid={`red-heartbeat-${hostOf(h.agentId)}`}>
                  <td>{hostOf(h.agentId)}</td>
                  <td>{h.atMs === null ? t('red.never') : fmt.dateTime(h.atMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h4>{t('red.lastTest')}</h4>
          {status.lastTest === null ? <p class="hint" data-testid="red-no-test">{t('red.noTest')}</p> : (
            <table class="data-table" data-testid="red-test-results">
              <thead><tr><th>{t('red.sentinel')}</th><th>{t('red.channel')}</th><th>{t('red.lastTest')}</th></tr></thead>
              <tbody>
                {saved.sentinels.flatMap((id) => {
                  const report = status.lastTest?.reports.find((r) => r.agentId === id);
                  if (!report) return [<tr key={id}><td>{hostOf(id)}</td><td /><td data-testid={`red-test-${hostOf(id)}-waiting`}>{t('red.waiting')}</td></tr>];
                  return report.channels.map((c) => (
                    <tr key={`${id}-${c.index}`} data-testid={`red-test-${hostOf(id)}-${c.index}`}>
                      <td>{hostOf(id)}</td>
                      <td>{`${c.index + 1}. ${t(`red.type.${c.type}`)}`}</td>
                      <td class={c.ok ? '' : 'error'}>{`${fmt.dateTime(report.atMs)}: ${c.ok ? t('red.ok') : `${t('red.failed')}: ${c.error ?? ''}`}`}</td>
                    </tr>
                  ));
                })}
              </tbody>
            </table>
          )}
        </Card>
      )}
    </>
  );
}
