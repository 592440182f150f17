// Reads a Server-Sent Events stream with fetch, for tests: collects parsed events until aborted.
export interface SseEvent {
  id?: string;
  event: string;
  data: unknown;
}

export interface SseReader {
  events: SseEvent[];
  close(): void;
  done: Promise<void>;
}

/** Opens `pathname` of a started appliance as its admin (the stream needs a signed-in caller). */
export async function openStream(app: { url: string; apiToken: string }, pathname: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const ac = new AbortController();
  const res = await fetch(app.url + pathname, { headers: { accept: 'text/event-stream', authorization: `Bearer ${app.apiToken}`, ...headers }, signal: ac.signal });
  if (!res.ok || !res.body) throw new Error(`stream: HTTP ${res.status}`);
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buf = '';
  const done = (async () => {
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let idx;
        while ((idx = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, idx);
          buf = buf.slice(idx + 2);
          const ev: SseEvent = { event: 'message', data: null };
          let data = '';
          let hasData = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') ev.id = value;
            else if (field === 'event') ev.event = value;
            else if (field === 'data') { data += (hasData ? '\n' : '') + value; hasData = true; }
          }
          if (hasData) {
            ev.data = JSON.parse(data);
            events.push(ev);
          }
        }
      }
    } catch (e) {
      if ((e as Error).name !== 'AbortError') throw e;
    }
  })();
  return { events, close: () => ac.abort(), done };
}
