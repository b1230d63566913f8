import { detectLevel } from './level-names.js';
import { leadingTimestamp } from './leading-timestamp.js';
import type { ParseContext, ParsedLine } from './parsed-line.js';

/** Any line: a leading timestamp in a common shape (read in the shipper's zone) and a level word near the start. */
export function parsePlain(line: string, ctx: ParseContext): ParsedLine {
  return {
    dataset: 'plain',
    timestamp: leadingTimestamp(line, ctx.tz),
    level: detectLevel(line),
    message: line,
    fields: {},
  };
}
