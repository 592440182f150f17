// A list of service checks kept live (S5): loaded from GET /api/v1/checks with the view's
// filters, then each `check` stream event updates its check in place (its instance replaced, the
// check's status recomputed: no request per event, since every run of every check is an event).
// An event about a check the list does not hold (created in another browser) reloads the list
// once; if the check is still not there, the filters leave it out and its events are ignored.
import { useEffect, useRef } from 'preact/hooks';
import type { CheckListResponse, CheckStreamEvent } from '../../contract/checks-api.js';
import { listChecks } from './checks-client.js';
import { applyCheckEvent, countByState } from './checks-model.js';
import type { LiveStream } from './live-stream.js';
import { useResource, type Resource } from './use-resource.js';

/** A fallback for a missed event; the stream's resync covers an outage. */
const LIST_REFRESH_MS = 60_000;
const UNKNOWN_RELOAD_MS = 500;
/** events held while the list loads (one round of a busy appliance's checks) */
const MAX_PENDING = 2000;

export function useCheckList(stream: LiveStream, params: URLSearchParams): Resource<CheckListResponse> {
  const key = params.toString();
  const res = useResource((signal) => listChecks(new URLSearchParams(key), signal), [key], { stream, refreshMs: LIST_REFRESH_MS });
  const { mutate, reload } = res;
  const ignored = useRef(new Set<string>());
  // read by the listener, which outlives a render
  const latest = useRef(res.data);
  latest.current = res.data;
  const pending = useRef<CheckStreamEvent[]>([]);
  useEffect(() => {
    if (!res.data || pending.current.length === 0) return;
    const events = pending.current.splice(0);
    mutate((r) => {
      let checks = r.checks;
      for (const ev of events) checks = applyCheckEvent(checks, ev).list;
      return { checks, byState: countByState(checks) };
    });
  }, [res.data, mutate]);
  useEffect(() => {
    ignored.current = new Set();
    pending.current = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = stream.on('check', (ev) => {
      const list = latest.current?.checks;
      if (!list) {
        // still loading: the answer may have been read before this run; applied once it is here
        if (pending.current.length < MAX_PENDING) pending.current.push(ev);
        return;
      }
      if (list.some((c) => c.id === ev.checkId)) {
        mutate((r) => {
          const next = applyCheckEvent(r.checks, ev);
          return next.known ? { checks: next.list, byState: countByState(next.list) } : r;
        });
        return;
      }
      if (ignored.current.has(ev.checkId) || timer) return;
      ignored.current.add(ev.checkId);
      timer = setTimeout(() => {
        timer = null;
        reload();
      }, UNKNOWN_RELOAD_MS);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [stream, key, mutate, reload]);
  return res;
}
