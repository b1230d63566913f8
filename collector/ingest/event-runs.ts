/**
 * The index of the run holding event `i`, runs being in event order and each starting at `firstOf(run)` (the first
 * run starts at 0). Both a request's metrics and its original lines keep runs of events instead of an entry per event,
 * and find an event's run this way.
 */
export function runIndexOf<R>(runs: readonly R[], i: number, firstOf: (run: R) => number): number {
  let lo = 0;
  let hi = runs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (firstOf(runs[mid]!) <= i) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
