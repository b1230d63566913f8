import { CollectorError } from '../collector-error.js';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses `now`, `now-15m`, `now+1h` or an ISO-8601 time; `name` is the parameter named in the error. */
export function parseTimeExpression(text: string, now: Date, name: string): Date {
  const m = /^now(?:([+-])(\d+)([smhdw]))?$/.exec(text.trim());
  if (m) {
    if (!m[1]) return now;
    const delta = Number(m[2]) * UNIT_MS[m[3]!]!;
    return new Date(now.getTime() + (m[1] === '-' ? -delta : delta));
  }
  // Only ISO-like text: Date.parse alone would accept "1" or "March" and silently search the wrong range.
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const t = Date.parse(text);
    if (!Number.isNaN(t)) return new Date(t);
  }
  throw new CollectorError(
    'BAD_PARAMETER',
    `"${name}" must be ISO-8601 or now, now-15m, now-2h, now-7d; got "${text.slice(0, 64)}".`,
    400,
    {
      parameter: name,
    },
  );
}
