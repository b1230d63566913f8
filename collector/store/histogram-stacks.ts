/** How both stores stack a histogram bucket by a field (`/histogram?by=`). */

/** Stacks beyond this many values per bucket are summed under OTHER_KEY, so counts always add up. */
export const MAX_STACKS = 50;
/** The stack of events without the field. */
export const NONE_KEY = '(none)';
export const OTHER_KEY = '(other)';

/** The largest MAX_STACKS values of a bucket (count desc, then name), the rest summed under OTHER_KEY. */
export function stacks(by: Map<string, number>, count: number): Record<string, number> {
  const sorted = [...by].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, MAX_STACKS);
  const out: Record<string, number> = {};
  let sum = 0;
  for (const [key, n] of sorted) {
    out[key] = n;
    sum += n;
  }
  if (sum < count) out[OTHER_KEY] = count - sum;
  return out;
}
