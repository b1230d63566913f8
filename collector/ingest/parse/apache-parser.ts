import { parseAccessLine } from './access-log.js';
import { addSourceWithPort } from './http-fields.js';
import { normalizeLevel } from './level-names.js';
import type { FieldValue, LineParser } from './parsed-line.js';
import { fractionMs, monthNumber, timeWithZone } from './zoned-time.js';

// 2.4: `[Wed Nov 26 10:00:00.123456 2026] [core:error] [pid 1234:tid 5678] [client 1.2.3.4:5678] AH00037: msg`
// 2.2: `[Wed Nov 26 10:00:00 2026] [error] [client 1.2.3.4] msg`
const ERROR_LINE =
  /^\[[A-Z][a-z]{2} ([A-Z][a-z]{2}) (\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))? (\d{4})\] \[(?:([\w.-]+):)?(\w+)\](?: \[pid (\d+)(?::tid (\d+))?\])?(?: \[client ([^\]]+)\])? (?:(AH\d{5}): )?/;

const APR_STATUS_CODE = /^\(\d+\)[^:]*: (AH\d{5}): /;

/** Apache error log lines; times are local to the server (the shipper's zone). */
export function parseApacheError(line: string, tz: string | undefined): ReturnType<LineParser> {
  const m = ERROR_LINE.exec(line);
  if (!m) return undefined;
  const month = monthNumber(m[1]!);
  const timestamp = timeWithZone(+m[7]!, month, +m[2]!, +m[3]!, +m[4]!, +m[5]!, fractionMs(m[6]), undefined, tz);
  if (!timestamp) return undefined;
  const fields: Record<string, FieldValue> = { 'log.original_level': m[9]! };
  if (m[8]) fields['log.logger'] = m[8];
  if (m[10]) fields['process.pid'] = Number(m[10]);
  if (m[11]) fields['process.thread.id'] = Number(m[11]);
  if (m[12]) addSourceWithPort(fields, m[12]);
  const message = line.slice(m[0].length);
  if (m[13]) fields['error.code'] = m[13];
  else {
    // With a system error Apache writes its status first: `(111)Connection refused: AH00957: …`; the message keeps it.
    const afterStatus = APR_STATUS_CODE.exec(message);
    if (afterStatus) fields['error.code'] = afterStatus[1]!;
  }
  return { dataset: 'apache', timestamp, level: normalizeLevel(m[9]!), message, fields };
}

/** Apache access (common, combined, vhost_combined) and error log lines. */
export const parseApache: LineParser = (line, ctx) => {
  if (line.charCodeAt(0) === 0x5b) return parseApacheError(line, ctx.tz);
  return parseAccessLine(line, ctx, 'apache');
};
