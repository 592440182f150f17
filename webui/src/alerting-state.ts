// Page-wide alerting state: the open alerts (the Alerts tab's count and the Alerts view) and the
// modem (the header indicator and the SMS view). Loaded once by the page, kept current by the
// live stream's `alert` and `modem` events, re-read after a stream outage and on a slow interval
// in case an event was missed.
import { useEffect } from 'preact/hooks';
import type { Alert, ModemResponse } from '../../contract/alerts-api.js';
import { getModem, listOpenAlerts } from './alerting-api.js';
import { applyAlertEvent } from './alerting-model.js';
import type { LiveStream } from './live-stream.js';
import { useResource, type Resource } from './use-resource.js';

const OPEN_ALERTS_REFRESH_MS = 30_000;
const MODEM_REFRESH_MS = 30_000;

export function useOpenAlerts(stream: LiveStream): Resource<Alert[]> {
  const res = useResource(listOpenAlerts, [], { stream, refreshMs: OPEN_ALERTS_REFRESH_MS });
  const { mutate } = res;
  useEffect(() => stream.on('alert', (ev) => mutate((open) => applyAlertEvent(open, ev.alert))), [stream, mutate]);
  return res;
}

export function useModem(stream: LiveStream): Resource<ModemResponse> {
  // an outbox change moves the SMS counters: re-read them (debounced by useResource)
  const res = useResource(getModem, [], { stream, events: ['sms'], refreshMs: MODEM_REFRESH_MS });
  const { mutate } = res;
  useEffect(() => stream.on('modem', (status) => mutate((m) => ({ ...m, status }))), [stream, mutate]);
  return res;
}
