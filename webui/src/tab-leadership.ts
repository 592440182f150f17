// One leader among the browser tabs of a page that share something (S9: the live stream). The
// leader is whoever holds a Web Lock of the channel's name (navigator.locks): the browser grants it
// to one tab at a time, queues the others, and hands it to the next when the holder leaves or its
// tab closes or crashes, with no timeout of ours to tune. The tabs talk over a BroadcastChannel of
// the same name. Where either API is missing every tab goes it alone.

export interface TabLink<M> {
  /** to every other tab of the channel (a BroadcastChannel never echoes to its sender) */
  post(message: M): void;
  /** leaves the channel; gives the leadership up, or the place in the queue for it */
  leave(): void;
}

export interface TabHandlers<M> {
  /** this tab was granted the leadership (once per join) */
  onLeader(): void;
  onMessage(message: M): void;
}

export type TabSharing = <M>(name: string, handlers: TabHandlers<M>) => TabLink<M>;

/** The browser's sharing, or null where Web Locks or BroadcastChannel are missing. */
export function browserTabSharing(): TabSharing | null {
  const locks = typeof navigator === 'object' ? (navigator as Navigator & { locks?: LockManager }).locks : undefined;
  if (!locks || typeof BroadcastChannel !== 'function') return null;
  return <M>(name: string, handlers: TabHandlers<M>): TabLink<M> => {
    const channel = new BroadcastChannel(name);
    const abort = new AbortController();
    let release: (() => void) | null = null;
    let left = false;
    channel.onmessage = (ev: MessageEvent<M>) => {
      if (!left) handlers.onMessage(ev.data);
    };
    locks
      .request(name, { signal: abort.signal }, () => {
        if (left) return undefined;
        // held until leave(): the lock is released when this promise settles (or the tab goes)
        const held = new Promise<void>((resolve) => {
          release = resolve;
        });
        handlers.onLeader();
        return held;
      })
      .catch((e: unknown) => {
        // leaving while still queued aborts the request: that is no failure
        if (!(e instanceof DOMException && e.name === 'AbortError')) console.error('rackwatch: tab leadership failed', e);
      });
    return {
      post: (message) => {
        if (!left) channel.postMessage(message);
      },
      leave: () => {
        if (left) return;
        left = true;
        abort.abort();
        release?.();
        channel.close();
      },
    };
  };
}
