/**
 * Latest-wins scheduling for views that redraw on fast input (a slider, a number field): while a
 * redraw runs, further requests only mark it stale; when it ends, one more redraw runs with the state
 * of that moment. So at most one redraw is in flight and the last request is always drawn.
 */

/**
 * Wraps an async redraw.
 * @param task - reads the current state itself (it takes no arguments)
 * @param onError - told of a failed redraw (the next request runs anyway)
 * @returns request(): schedules a redraw; its promise settles when the redraws it caused are done
 */
export function latestWins(task: () => Promise<void>, onError: (e: unknown) => void = () => {}): () => Promise<void> {
  let running: Promise<void> | null = null;
  let isStale = false;
  const loop = async () => {
    do {
      isStale = false;
      try {
        await task();
      } catch (e) {
        onError(e);
      }
    } while (isStale);
    running = null;
  };
  return () => {
    if (running) {
      isStale = true;
      return running;
    }
    running = loop();
    return running;
  };
}
