// The GSM modem at a glance (D4): signal bars, and the operator when registered, else the state.
// In the header it is a button to the SMS view; the SMS view shows the full status card.
import type { ModemResponse, ModemState } from '../../../contract/alerts-api.js';
import { signalBars } from '../alerting-model.js';
import { useUi } from '../ui-context.js';

export function SignalBars({ csq }: { csq: number | null }) {
  const { t } = useUi();
  const bars = signalBars(csq);
  return (
    <span class={`signal-bars bars-${bars}`} role="img" aria-label={t('modem.bars', { n: bars })} data-testid="signal-bars" data-bars={bars}>
      {[1, 2, 3, 4].map((i) => (
        <span key={i} class={`bar${i <= bars ? ' on' : ''}`} style={{ height: `${25 * i}%` }} />
      ))}
    </span>
  );
}

/** 'ok' ready, 'warn' working on it (starting, resetting, looking for a network), 'bad' needs a person. */
export function stateTone(state: ModemState): 'ok' | 'warn' | 'bad' {
  switch (state) {
    case 'ready':
      return 'ok';
    case 'initializing':
    case 'resetting':
    case 'no-network':
      return 'warn';
    case 'absent':
    case 'pin-required':
    case 'pin-failed':
      return 'bad';
  }
}

/** The header's tone: the state's, amber while an SMS alarm stands, 'off' without a modem. */
export function modemTone(m: ModemResponse | null): 'ok' | 'warn' | 'bad' | 'off' | 'unknown' {
  if (!m) return 'unknown';
  if (m.mode === 'none' || !m.status) return 'off';
  const tone = stateTone(m.status.state);
  return tone === 'ok' && m.alarm ? 'warn' : tone;
}

export function ModemIndicator({ modem, onOpen }: { modem: ModemResponse | null; onOpen: () => void }) {
  const { t } = useUi();
  const tone = modemTone(modem);
  const status = modem?.status ?? null;
  const label =
    tone === 'unknown'
      ? t('modem.unknown')
      : tone === 'off'
        ? t('modem.off')
        : status?.state === 'ready'
          ? (status.operator ?? t('modem.state.ready'))
          : t(`modem.state.${status?.state ?? 'absent'}` as const);
  const dbm = status?.signal.dbm;
  const title = [t('modem.title'), label, dbm !== null && dbm !== undefined ? `${dbm} dBm` : null].filter(Boolean).join(' · ');
  return (
    <button type="button" class={`pill modem-pill modem-${tone}`} data-testid="modem-indicator" data-state={status?.state ?? tone} title={title} onClick={onOpen}>
      {status && <SignalBars csq={status.signal.csq} />}
      <span class="modem-label">{label}</span>
    </button>
  );
}
