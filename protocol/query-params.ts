import { z } from 'zod';

/**
 * Builders for query-string parameters as Express hands them over (a repeated key becomes an array). Each names its
 * parameter in its messages, so the collector turns the first problem into a 400 `BAD_PARAMETER` that says which
 * parameter is wrong and how to write it.
 */

/** Text given at most once. */
export function once(name: string) {
  return z.string({ error: `"${name}" may be given once.` }).optional();
}

/** A repeatable parameter; `host=a,b` counts as two values. */
export function list(name: string) {
  return z
    .union([z.string(), z.array(z.string())], { error: `"${name}" must be plain text.` })
    .optional()
    .transform((v) =>
      (v === undefined ? [] : Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).filter((x) => x !== ''),
    );
}

/** A whole number from `min` to `max`, `fallback` when absent. */
export function wholeNumber(name: string, fallback: number, min: number, max: number) {
  const message = `"${name}" must be a whole number from ${min} to ${max}.`;
  return once(name).transform((text, ctx) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (/^\d+$/.test(text) && n >= min && n <= max) return n;
    ctx.issues.push({ code: 'custom', message, input: text });
    return z.NEVER;
  });
}

/** One of `values`; undefined when absent (add `.default(…)`). */
export function choice<const T extends readonly [string, ...string[]]>(name: string, values: T) {
  const words = values.length > 2 ? `${values.slice(0, -1).join(', ')} or ${values.at(-1)}` : values.join(' or ');
  const message = `"${name}" must be ${words}.`;
  return once(name).transform((text, ctx): T[number] | undefined => {
    if (text === undefined || (values as readonly string[]).includes(text)) return text;
    ctx.issues.push({ code: 'custom', message, input: text });
    return z.NEVER;
  });
}

/** `q`, `host`, `service`, `level`: which events a read endpoint looks at, before the time window. */
export const queryFilterShape = {
  q: once('q'),
  host: list('host'),
  service: list('service'),
  level: list('level'),
};

/** `from` and `to` (time expressions, resolved by the collector), with `q`, `host`, `service`, `level`. */
export const windowFilterShape = { from: once('from'), to: once('to'), ...queryFilterShape };

/** The filter every windowed read endpoint takes. */
export const filterQuerySchema = z.object(windowFilterShape);
export type FilterQuery = z.infer<typeof filterQuerySchema>;
