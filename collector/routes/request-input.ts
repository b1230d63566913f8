import type { z } from 'zod';
import { CollectorError } from '../collector-error.js';

/** How a failed parse is reported: the message from the first problem, and the name used when the whole input is wrong. */
interface InputReport {
  message?: (issue: z.core.$ZodIssue) => string;
  whole?: string;
}

/**
 * Parses a query string or body with its wire schema from protocol/. The first problem becomes a 400
 * `BAD_PARAMETER` whose `parameter` names the key (the schemas word their messages for the client).
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, report: InputReport = {}): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new CollectorError('BAD_PARAMETER', report.message?.(issue) ?? issue.message, 400, {
    parameter: issue.path.join('.') || (report.whole ?? 'body'),
  });
}
