// The SMS view (S12, D4): the GSM modem's status (state, signal, registration, operator, SIM, the
// last error and an alarm that needs a person), a form that sends a test SMS with its segment
// count shown while typing, and the outbox: every message queued, sending, sent, delivered or
// failed, with attempts, the next retry and the error, kept live by the stream's `sms` events;
// above it, what the per-contact rate limit holds back (in no outbox until its digest goes).
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { HeldSmsResponse, ModemResponse, OutboxEntry, OutboxState } from '../../../contract/alerts-api.js';
import { listContacts, listHeldSms, listOutbox, sendTestSms } from '../alerting-api.js';
import { dropProblems, problemsByField, segmentPreview } from '../alerting-model.js';
import { segmentLabel } from '../alerting-text.js';
import { ApiRequestError, errorReason } from '../api-client.js';
import type { Resource } from '../use-resource.js';
import { useResource } from '../use-resource.js';
import { useNow, useUi } from '../ui-context.js';
import { Card, ErrorBox, Field, FormError, ResourceState } from './alerting-parts.js';
import { DataTable } from './data-table.js';
import { SignalBars, stateTone } from './modem-indicator.js';

const OUTBOX_PAGE = 100;

/** "CODE: message", without saying the code twice when the message already starts with it. */
function errorText(code: string, message: string, cls?: string | null): string {
  const head = cls ? `${code} (${cls})` : code;
  return message.startsWith(code) ? `${cls ? `(${cls}) ` : ''}${message}` : `${head}: ${message}`;
}

const OUTBOX_STATES: readonly OutboxState[] = ['queued', 'sending', 'sent', 'delivered', 'failed'];

function ModemCard({ modem }: { modem: Resource<ModemResponse> }) {
  const { t, fmt } = useUi();
  const now = useNow(10_000);
  const m = modem.data;
  const s = m?.status ?? null;
  return (
    <Card title={t('modem.title')} testId="modem-card">
      <ResourceState resource={modem} />
      {m?.alarm && (
        <div class="alert alert-error" role="alert" data-testid="sms-alarm">
          <p>
            <strong>{m.alarm.code}</strong> {m.alarm.message}
          </p>
          <p class="alert-detail">{fmt.dateTime(m.alarm.at)}</p>
        </div>
      )}
      {m && !s && <p class="hint" data-testid="modem-off">{t('modem.offLong')}</p>}
      {m && s && (
        <dl class="facts" data-testid="modem-status" data-state={s.state}>
          <dt>{t('modem.state')}</dt>
          <dd>
            {/* the state alone: an alarm has its own banner above */}
            <span class={`tone tone-${stateTone(s.state)}`} data-testid="modem-state">
              {t(`modem.state.${s.state}` as const)}
            </span>{' '}
            <span class="muted small" title={fmt.dateTime(s.since)}>
              {t('modem.since', { when: fmt.relative(s.since, now) })}
            </span>
          </dd>
          <dt>{t('modem.signal')}</dt>
          <dd class="signal-cell">
            <SignalBars csq={s.signal.csq} />
            <span data-testid="modem-dbm">{s.signal.dbm !== null ? `${s.signal.dbm} dBm` : t('modem.noSignal')}</span>
            {s.signal.csq !== null && <span class="muted small">CSQ {s.signal.csq}</span>}
          </dd>
          <dt>{t('modem.registration')}</dt>
          <dd data-testid="modem-registration">{t(`reg.${s.registration}` as const)}</dd>
          <dt>{t('modem.operator')}</dt>
          <dd data-testid="modem-operator">{s.operator ?? '–'}</dd>
          <dt>{t('modem.sim')}</dt>
          <dd data-testid="modem-sim">{t(`sim.${s.sim}` as const)}</dd>
          <dt>{t('modem.port')}</dt>
          <dd class="mono small">
            {m.mode === 'sim' ? t('modem.simulator') : s.path}
            {s.device && s.device !== s.path ? ` → ${s.device}` : ''}
          </dd>
          <dt>{t('modem.counts')}</dt>
          <dd>{t('modem.countsText', { sent: fmt.number(s.sentCount, 0), failed: fmt.number(s.failedCount, 0), received: fmt.number(s.receivedCount, 0), resets: fmt.number(s.resetCount, 0) })}</dd>
          {s.lastError && (
            <>
              <dt>{t('modem.lastError')}</dt>
              <dd class="text-crit small">
                {errorText(s.lastError.code, s.lastError.message)} <span class="muted">({fmt.dateTime(s.lastError.at)})</span>
              </dd>
            </>
          )}
        </dl>
      )}
      {m && (
        <div class="counter-row" data-testid="sms-counters">
          {OUTBOX_STATES.map((st) => (
            <span key={st} class={`counter obox-${st}`}>
              <span class="counter-n">{fmt.number(m.sms[st], 0)}</span> {t(`outbox.${st}` as const)}
            </span>
          ))}
          <span class="counter">
            <span class="counter-n">{fmt.number(m.sms.retries, 0)}</span> {t('outbox.retries')}
          </span>
        </div>
      )}
    </Card>
  );
}

function TestSmsForm({ disabled, onSent }: { disabled: boolean; onSent: (e: OutboxEntry) => void }) {
  const { t, fmt } = useUi();
  const [to, setTo] = useState('');
  const [text, setText] = useState('');
  const [problems, setProblems] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [queued, setQueued] = useState<OutboxEntry | null>(null);
  const [sending, setSending] = useState(false);
  const preview = useMemo(() => segmentPreview(text), [text]);
  const { byField, other } = problemsByField(problems, ['to', 'text']);
  const send = (e: Event): void => {
    e.preventDefault();
    setSending(true);
    setProblems([]);
    setError(null);
    setQueued(null);
    sendTestSms({ to: to.trim(), text })
      .then((entry) => {
        setQueued(entry);
        onSent(entry);
      })
      .catch((err: unknown) => {
        if (err instanceof ApiRequestError && err.problems.length > 0) setProblems([...err.problems]);
        else setError(errorReason(err));
      })
      .finally(() => setSending(false));
  };
  return (
    <Card title={t('sms.testTitle')} testId="test-sms">
      <form class="form-grid" onSubmit={send} noValidate>
        <FormError problems={other} error={error} />
        <Field label={t('sms.to')} field="to" errors={byField} hint={t('contact.phoneHint')}>
          <input type="tel" value={to} placeholder="010-1234-5678" data-testid="test-sms-to" onInput={(e) => {
              setTo(e.currentTarget.value);
              setProblems((p) => dropProblems(p, ['to']));
            }} />
        </Field>
        <Field label={t('sms.text')} field="text" errors={byField} wide>
          <textarea rows={3} value={text} data-testid="test-sms-text" onInput={(e) => {
              setText(e.currentTarget.value);
              setProblems((p) => dropProblems(p, ['text']));
            }} />
        </Field>
        <div class="form-actions field-wide">
          <span class={`segments${(preview?.parts ?? 1) > 1 ? ' segments-multi' : ''}`} data-testid="test-sms-segments" data-parts={preview?.parts ?? ''} aria-live="polite">
            {preview ? segmentLabel(preview, fmt, t) : t('sms.tooLong')}
          </span>
          <button type="submit" class="button button-primary" data-testid="test-sms-send" disabled={disabled || sending || to.trim() === '' || text === ''}>
            {sending ? t('common.sending') : t('sms.send')}
          </button>
          {queued && (
            <span class="saved-note" data-testid="test-sms-queued">
              {t('sms.queued', { id: queued.id, to: queued.to })}
            </span>
          )}
        </div>
        {disabled && <p class="hint field-wide">{t('modem.offLong')}</p>}
      </form>
    </Card>
  );
}

function upsert(list: OutboxEntry[], e: OutboxEntry): OutboxEntry[] {
  const i = list.findIndex((x) => x.id === e.id);
  if (i < 0) return [e, ...list].sort((a, b) => b.id - a.id);
  const copy = [...list];
  copy[i] = e;
  return copy;
}

function Outbox({ sent }: { sent: OutboxEntry | null }) {
  const { t, fmt, stream } = useUi();
  const now = useNow(5000);
  const [states, setStates] = useState<OutboxState[]>([]);
  const outbox = useResource((signal) => listOutbox({ states, limit: OUTBOX_PAGE }, signal), [states.join(',')], { stream, refreshMs: 15_000 });
  const contacts = useResource(listContacts, []);
  const [more, setMore] = useState<OutboxEntry[]>([]);
  const [moreError, setMoreError] = useState<string | null>(null);
  const { mutate } = outbox;
  const statesKey = states.join(',');
  useEffect(() => {
    if (sent && (statesKey === '' || statesKey.split(',').includes(sent.state))) mutate((list) => upsert(list, sent));
  }, [sent, mutate, statesKey]);
  // live: every state change of an entry arrives as an `sms` event
  useEffect(
    () =>
      stream.on('sms', (e) => {
        if (statesKey === '' || statesKey.split(',').includes(e.state)) mutate((list) => upsert(list, e));
        else mutate((list) => list.filter((x) => x.id !== e.id));
      }),
    [stream, mutate, statesKey],
  );
  const contactMap = useMemo(() => new Map((contacts.data ?? []).map((c) => [c.id, c])), [contacts.data]);
  const rows = [...(outbox.data ?? []), ...more.filter((m) => !(outbox.data ?? []).some((x) => x.id === m.id))];
  const last = rows[rows.length - 1];
  const loadMore = (): void => {
    if (!last) return;
    setMoreError(null);
    listOutbox({ states, limit: OUTBOX_PAGE, before: last.id })
      .then((page) => setMore((m) => [...m, ...page]))
      .catch((e: unknown) => setMoreError(errorReason(e)));
  };
  const toggle = (s: OutboxState): void => {
    setMore([]);
    setStates(states.includes(s) ? states.filter((x) => x !== s) : [...states, s]);
  };
  return (
    <Card title={t('sms.outbox')} testId="outbox">
      <div class="toolbar">
        <div class="filters" role="group" aria-label={t('sms.outbox')}>
          {OUTBOX_STATES.map((s) => (
            <button key={s} type="button" class={`filter obox-filter-${s}`} aria-pressed={states.includes(s)} data-testid={`ofilter-${s}`} onClick={() => toggle(s)}>
              {t(`outbox.${s}` as const)}
            </button>
          ))}
        </div>
      </div>
      <ResourceState resource={outbox} />
      {outbox.data && (
        <DataTable
          rows={rows}
          rowKey={(e) => e.id}
          rowAttrs={(e) => ({ 'data-testid': 'outbox-row', 'data-outbox-id': e.id, 'data-state': e.state, 'data-kind': e.kind })}
          empty={t('sms.outboxEmpty')}
          columns={[
            { header: t('col.time'), class: 'nowrap', cellAttrs: (e) => ({ title: fmt.dateTime(e.createdAt) }), cell: (e) => fmt.relative(e.createdAt, now) },
            {
              header: t('sms.to'),
              cell: (e) => {
                const contact = e.contactId ? contactMap.get(e.contactId) : undefined;
                return (
                  <>
                    {contact ? <strong>{contact.name}</strong> : null}
                    <div class="mono small">{e.to}</div>
                  </>
                );
              },
            },
            {
              header: t('col.kind'),
              cell: (e) => (
                <>
                  {t(`outkind.${e.kind}` as const)}
                  {e.alertIds.length > 0 && <div class="muted small">{e.alertIds.map((id) => `#${id}`).join(' ')}</div>}
                </>
              ),
            },
            {
              header: t('sms.text'),
              class: 'text-cell',
              cell: (e) => {
                const preview = segmentPreview(e.text);
                return (
                  <>
                    <div class="sms-text small" title={e.text}>
                      {e.text}
                    </div>
                    {preview && <div class="muted small">{segmentLabel(preview, fmt, t)}</div>}
                  </>
                );
              },
            },
            {
              header: t('col.state'),
              cell: (e) => (
                <>
                  <span class={`obox obox-${e.state}`} data-testid="outbox-state">
                    {t(`outbox.${e.state}` as const)}
                  </span>
                  {e.parts.length > 1 && e.state !== 'queued' && (
                    <div class="muted small">{t('outbox.partsDelivered', { d: e.parts.filter((p) => p.delivery === 'delivered').length, n: e.parts.length })}</div>
                  )}
                </>
              ),
            },
            { header: t('col.attempts'), num: true, cell: (e) => fmt.number(e.attempts, 0) },
            {
              header: t('col.details'),
              class: 'small',
              cell: (e) => (
                <>
                  {e.lastError && <div class="text-crit">{errorText(e.lastError.code, e.lastError.message, e.lastError.class)}</div>}
                  {e.state === 'queued' && e.nextAttemptAt !== null && e.nextAttemptAt > now && (
                    <div class="muted">{t('outbox.retryAt', { when: fmt.dateTime(e.nextAttemptAt) })}</div>
                  )}
                  {e.sentAt !== null && <div class="muted">{t('outbox.sentAt', { when: fmt.dateTime(e.sentAt) })}</div>}
                  {e.deliveredAt !== null && <div class="muted">{t('outbox.deliveredAt', { when: fmt.dateTime(e.deliveredAt) })}</div>}
                </>
              ),
            },
          ]}
        />
      )}
      {moreError && <ErrorBox message={moreError} onRetry={loadMore} />}
      {(outbox.data?.length ?? 0) >= OUTBOX_PAGE && (
        <button type="button" class="button" onClick={loadMore}>
          {t('common.loadMore')}
        </button>
      )}
    </Card>
  );
}

/** SMS held back by the rate limit: counted, listed, and when their one digest goes out. */
function HeldSms() {
  const { t, fmt, stream } = useUi();
  const held = useResource<HeldSmsResponse>((signal) => listHeldSms(signal), [], { stream, events: ['sms', 'alert'], refreshMs: 15_000 });
  const data = held.data;
  return (
    <Card title={t('sms.held')} testId="held-sms">
      <ResourceState resource={held} />
      {data && (
        <>
          <p class={data.messages.length > 0 ? 'alert alert-warn' : 'hint'} data-testid="held-count" data-count={data.messages.length}>
            {data.messages.length > 0 ? t('sms.heldCount', { n: data.messages.length, contacts: data.contacts }) : t('sms.heldNone')}
          </p>
          {data.messages.length > 0 && (
            <DataTable
              rows={data.messages}
              rowKey={(m) => `${m.contactId}:${m.alertId}:${m.kind}:${m.heldAt}`}
              rowAttrs={() => ({ 'data-testid': 'held-row' })}
              columns={[
                { header: t('sms.to'), cell: (m) => `${m.contactName ?? m.contactId}${m.to ? ` (${m.to})` : ''}` },
                { header: t('col.alert'), cell: (m) => `#${m.alertId} ${m.agentName} ${m.ruleName}` },
                { header: t('sms.heldKind'), cell: (m) => t(`aevent.${m.kind === 'escalation' ? 'escalated' : m.kind}` as const) },
                { header: t('sms.heldAt'), class: 'nowrap', cell: (m) => fmt.dateTime(m.heldAt) },
                {
                  header: t('sms.digestAt'),
                  class: 'nowrap',
                  cell: (m) => <span data-testid="held-digest-at">{t('sms.heldDigest', { when: fmt.dateTime(Math.max(m.digestAt, m.heldAt)) })}</span>,
                },
              ]}
            />
          )}
        </>
      )}
    </Card>
  );
}

export function SmsView({ modem }: { modem: Resource<ModemResponse> }) {
  const { t, can } = useUi();
  const [sent, setSent] = useState<OutboxEntry | null>(null);
  const off = modem.data !== null && (modem.data.mode === 'none' || modem.data.status === null);
  return (
    <div class="view" data-testid="view-sms">
      <div class="view-head">
        <h2>{t('nav.sms')}</h2>
      </div>
      <div class="two-col">
        <ModemCard modem={modem} />
        {can('sms:test') && <TestSmsForm disabled={off} onSent={setSent} />}
      </div>
      {/* the outbox lists phone numbers: only for roles that may read it (SEC) */}
      {can('sms:read') && <HeldSms />}
      {can('sms:read') && <Outbox sent={sent} />}
    </div>
  );
}
