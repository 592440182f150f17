// The panels' (re)loads of their series shown one an animation frame (S9, S14: no main-thread task
// over 50 ms). A range chosen on every panel at once (a wall switching all of them to "1d"), a
// resync after the stream came back, or several panels' details answering together had every panel
// empty its charts and re-render in one task (the effects of every component rendered in a frame
// run together, preact/hooks), the next frame lay out and paint all of them, and the effects after
// that redraw them: with 8 panels each of those tasks took 31–42 ms on the CPU, 48–132 ms on a
// loaded machine. Here the first turn of a frame runs at once, as before, and the others one a
// frame in the order they were asked for, each in a task after its frame, so that a panel's
// render, its layout and its effects are one panel's. Only the showing waits: a panel asks for its
// series at once (use-panel-data.ts).

/** the next turn without waiting for a frame that a hidden tab never gets */
const HIDDEN_TAB_MS = 100;

interface Turn {
  run: () => void;
}

const waiting: Turn[] = [];
/** a turn ran since the last frame: the next one waits for a frame */
let ranThisFrame = false;
let frameAsked = false;

function nextFrame(): void {
  if (frameAsked) return;
  frameAsked = true;
  const next = (): void => {
    cancelAnimationFrame(frame);
    clearTimeout(timer);
    frameAsked = false;
    // after the frame's own rendering, not inside its task
    setTimeout(runWaiting, 0);
  };
  const frame = requestAnimationFrame(next);
  const timer = setTimeout(next, HIDDEN_TAB_MS);
}

function runWaiting(): void {
  ranThisFrame = false;
  const turn = waiting.shift();
  if (turn) {
    ranThisFrame = true;
    turn.run();
  }
  if (ranThisFrame) nextFrame();
}

/**
 * Runs `run` now if no turn ran since the last frame, else after the turns asked for before it,
 * one a frame. Answers a function that drops the turn if it has not run yet.
 */
export function takeTurn(run: () => void): () => void {
  if (!ranThisFrame && waiting.length === 0) {
    ranThisFrame = true;
    nextFrame();
    run();
    return () => undefined;
  }
  const turn: Turn = { run };
  waiting.push(turn);
  nextFrame();
  return () => {
    const at = waiting.indexOf(turn);
    if (at >= 0) waiting.splice(at, 1);
  };
}
