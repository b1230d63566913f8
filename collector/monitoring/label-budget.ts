/** The label value that stands for every value past the budget. */
export const OTHER = '_other';

/**
 * Bounds the distinct values of a metric label. Host names come from the events themselves, so a sender could mint
 * a new one per line and grow `/metrics` (and Prometheus) without limit: the first `max` values keep their own
 * series for the life of the process, later ones are counted together under `_other`.
 */
export class LabelBudget {
  private readonly known = new Set<string>();

  constructor(private readonly max: number) {}

  /** `value` while the budget lasts (or once it has a series), `_other` after. */
  label(value: string): string {
    if (this.known.has(value)) return value;
    if (this.known.size >= this.max) return OTHER;
    this.known.add(value);
    return value;
  }
}
