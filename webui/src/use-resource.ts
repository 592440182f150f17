// Loading one API resource for a view: loading, ready and error phases, a reload that keeps the
// last answer on screen meanwhile (no flicker), and refreshes when the live stream reports a
// change (debounced: a burst of events costs one request), when the stream comes back after an
// outage, and on an interval as a fallback. Any resource whose last load failed is tried again
// when the page's stream comes back: after an outage, or after signing in again once a session
// ended (SEC), when every view behind the sign-in screen had been refused.
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { StreamEventName } from '../../contract/api.js';
import { errorReason } from './api-client.js';
import type { LiveStream } from './live-stream.js';
import { UiContext } from './ui-context.js';

export type ResourcePhase = 'loading' | 'ready' | 'error';

export interface Resource<T> {
  phase: ResourcePhase;
  data: T | null;
  /** the last failure, also while older data is still shown */
  error: string | null;
  reload: () => void;
  /** local change ahead of the next reload (an acknowledged alert, a saved row) */
  mutate: (change: (data: T) => T) => void;
}

export interface ResourceOptions {
  stream?: LiveStream;
  /** stream events that mean "this resource changed" */
  events?: readonly StreamEventName[];
  refreshMs?: number;
}

const EVENT_DEBOUNCE_MS = 300;

export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[], opts: ResourceOptions = {}): Resource<T> {
  const [state, setState] = useState<{ phase: ResourcePhase; data: T | null; error: string | null }>({ phase: 'loading', data: null, error: null });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const loadRef = useRef(load);
  loadRef.current = load;

  // a change of deps is a new resource: forget the old answer
  useEffect(() => {
    setState({ phase: 'loading', data: null, error: null });
  }, deps);

  useEffect(() => {
    const controller = new AbortController();
    loadRef.current(controller.signal).then(
      (data) => {
        // an answer for a superseded request (deps changed meanwhile) must not overwrite the new one
        if (!controller.signal.aborted) setState({ phase: 'ready', data, error: null });
      },
      (e: unknown) => {
        if (!controller.signal.aborted) setState((s) => ({ phase: s.data === null ? 'error' : 'ready', data: s.data, error: errorReason(e) }));
      },
    );
    return () => controller.abort();
  }, [tick, ...deps]);

  const { stream, events, refreshMs } = opts;
  const eventKey = events?.join(',') ?? '';
  useEffect(() => {
    if (!stream) return undefined;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const soon = (): void => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        reload();
      }, EVENT_DEBOUNCE_MS);
    };
    const offs = [stream.onResync(reload), ...(eventKey ? eventKey.split(',') : []).map((name) => stream.on(name as StreamEventName, soon))];
    return () => {
      for (const off of offs) off();
      if (timer) clearTimeout(timer);
    };
  }, [stream, eventKey, reload]);

  useEffect(() => {
    if (!refreshMs) return undefined;
    const timer = setInterval(reload, refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs, reload]);

  const pageStream = useContext(UiContext)?.stream;
  const failed = state.error !== null;
  useEffect(() => (pageStream && failed && pageStream !== stream ? pageStream.onResync(reload) : undefined), [pageStream, failed, stream, reload]);

  const mutate = useCallback((change: (data: T) => T) => {
    setState((s) => (s.data === null ? s : { ...s, data: change(s.data) }));
  }, []);

  return { ...state, reload, mutate };
}
