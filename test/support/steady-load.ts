/** What a steady client saw: how many operations it ran, and the longest one took. */
export interface SteadyRecord {
  runs: number;
  longestMs: number;
}

/**
 * Runs `op` back to back, 5 ms apart, until `stop` says so, as a shipper sending single events or a user searching
 * would during a long operation: the longest wait tells whether that operation held them up.
 */
export async function steady(op: (i: number) => Promise<unknown>, stop: () => boolean): Promise<SteadyRecord> {
  let runs = 0;
  let longestMs = 0;
  while (!stop()) {
    const t0 = performance.now();
    await op(runs);
    longestMs = Math.max(longestMs, performance.now() - t0);
    runs++;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { runs, longestMs };
}
