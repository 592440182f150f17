// The dashboard's panels mounted one an animation frame (S9, S14: no main-thread task over 50 ms).
// Mounted together, 8 panels of 4 charts made one render and, after the next frame, one flush of
// all their effects (Preact runs a render's effects together), each several times what one panel
// costs; one panel a frame keeps each of those tasks to one panel's work. The first panels (those
// on screen) come first, so the first render waits no longer for them.
import { useEffect, useState } from 'preact/hooks';

/** the next panel without waiting for a frame that a hidden tab never gets */
const HIDDEN_TAB_MS = 100;

/** How many of `total` items to render now: one more each animation frame until all are. */
export function useSlicedCount(total: number): number {
  const [shown, setShown] = useState(1);
  useEffect(() => {
    if (shown >= total) return undefined;
    // a hidden tab gets no frames: a timer then, so every panel is there when it is shown
    const more = (): void => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
      setShown((n) => n + 1);
    };
    const frame = requestAnimationFrame(more);
    const timer = setTimeout(more, HIDDEN_TAB_MS);
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [shown, total]);
  return Math.min(shown, total);
}
